"""How bench/ runs tshark: the same environment for every command.

- As root, tshark ignores WIRESHARK_PLUGIN_DIR, so every run drops to nobody
  (setpriv); captures and folders must be readable by nobody.
- HOME is a fresh world-writable folder (no personal preferences or plugins).
- WIRESHARK_EXTCAP_DIR is an empty folder: tshark otherwise spawns every
  extcap helper at start-up, which costs time and noise.  Used for every
  command, with and without the plugin.
- "Without the plugin" is WIRESHARK_PLUGIN_DIR pointing at an empty folder.
"""
import os
import resource
import shutil
import subprocess
import tempfile
import time

BASE = os.environ.get("TCPWAVE_BENCH_DIR", "/tmp/tcpwave-bench")


def _dir(path, mode):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    return path


class Tshark:
    def __init__(self, base=BASE):
        self.base = _dir(base, 0o755)
        self.exe = shutil.which("tshark") or "/usr/bin/tshark"
        self.home = _dir(os.path.join(base, "home"), 0o777)
        self.extcap = _dir(os.path.join(base, "empty-extcap"), 0o755)
        self.no_plugins = _dir(os.path.join(base, "empty-plugins"), 0o755)
        self.time = shutil.which("time", path="/usr/bin:/bin")

    def env(self, plugin_dir, extra=None):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "TZ": "UTC", "LANG": "C.UTF-8",
               "WIRESHARK_EXTCAP_DIR": self.extcap,
               "WIRESHARK_PLUGIN_DIR": plugin_dir if plugin_dir else self.no_plugins}
        env.update(extra or {})
        return env

    def argv(self, args, tool=None):
        cmd = [*(tool or []), self.exe, *map(str, args)]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        return cmd

    def run(self, args, plugin_dir=None, env=None, stdout=subprocess.PIPE, tool=None, timeout=None):
        """tshark args, with the plugin folder plugin_dir (None: no plugins)."""
        return subprocess.run(self.argv(args, tool), env=self.env(plugin_dir, env), stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)

    def timed(self, args, plugin_dir=None, env=None, stdout=subprocess.DEVNULL):
        """Run under /usr/bin/time -f %M: (wall seconds, CPU seconds (user + sys), peak RSS KiB,
        completed process).  CPU time comes from this process's children usage, which
        includes tshark's once /usr/bin/time has waited for it."""
        fd, out = tempfile.mkstemp(prefix="time-", dir=self.base)
        os.close(fd)
        try:
            u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run([self.time, "-o", out, "-f", "%M", *self.argv(args)], env=self.env(plugin_dir, env),
                               stdout=stdout, stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - t0
            u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            with open(out) as f:
                rss = f.read().split()[-1]
        finally:
            os.unlink(out)
        cpu = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
        return float(wall), cpu, int(rss), p
