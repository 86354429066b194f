# SPDX-License-Identifier: GPL-2.0-or-later
"""The one way tcpwave's tests, bench and checkers run tshark (tools/tw.sh is
the shell twin; keep the two in step).

Like Wireshark's own test suite, every run gets a clean environment: a fresh
HOME (no personal preferences or plugins), TZ=UTC, LANG=C.UTF-8, an empty
extcap folder (tshark otherwise spawns every extcap helper at start-up, slow
and hanging under a preloaded sanitizer runtime), and the plugin folder
under test in WIRESHARK_PLUGIN_DIR (None: an empty folder, no plugins).

tshark run as root ignores WIRESHARK_PLUGIN_DIR and personal plugins, so as
root every run drops to user nobody (setpriv).  nobody may be unable to
enter the checkout (a clone under /root or in a 0700 home), so the plugin
tree is copied into a session folder under /tmp that anyone can read, and
any file argument nobody could not read is copied there too (once per
session, again if it changes) and the copy is given to tshark instead.

Sanitizers: when TCPWAVE_PRELOAD is set (tools/tw.sh's tw_sanitizers), it is
preloaded into tshark (which is not instrumented itself) and ASAN_OPTIONS,
UBSAN_OPTIONS and LSAN_OPTIONS are passed on.
"""
import atexit
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
NOBODY = 65534
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
SANITIZER_VARS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


def _args_file(name):
    return tuple(w for line in (TOOLS / name).read_text().splitlines()
                 if line.strip() and not line.lstrip().startswith("#") for w in line.split())


# Every tcpwave output on: the packet tree, the Info column, the three
# statistics (tools/all-outputs.args, also read by tools/tw.sh).
ALL_OUTPUTS = _args_file("all-outputs.args")


def nobody_can_read(path):
    """Can user nobody (not owner, not in the group) read path (and enter every folder above it)?"""
    p = Path(path).resolve()
    try:
        st = p.stat()
        need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(st.st_mode) else 0)
        if st.st_uid != NOBODY and st.st_mode & need != need:
            return False
        for parent in p.parents:
            st = parent.stat()
            if st.st_uid != NOBODY and not st.st_mode & stat.S_IXOTH:
                return False
    except OSError:
        return False
    return True


def _readable_tree(top):
    """chmod a+rX under top."""
    for dirpath, _, files in os.walk(top):
        os.chmod(dirpath, os.stat(dirpath).st_mode | 0o555)
        for f in files:
            fp = os.path.join(dirpath, f)
            os.chmod(fp, os.stat(fp).st_mode | 0o444)


class Session:
    """A folder under /tmp that nobody can read, removed at exit; what tshark
    needs is copied into it."""

    def __init__(self):
        self._dir = None
        self._staged = {}

    @property
    def dir(self):
        if self._dir is None:
            base = tempfile.gettempdir()
            if not nobody_can_read(base):
                base = "/tmp"
            self._dir = Path(tempfile.mkdtemp(prefix="tcpwave-session-", dir=base))
            self._dir.chmod(0o755)
            atexit.register(shutil.rmtree, self._dir, True)
        return self._dir

    def folder(self, name, mode=0o755):
        """A new folder in the session (tempfile-unique name starting with name)."""
        d = Path(tempfile.mkdtemp(prefix=name + "-", dir=self.dir))
        d.chmod(mode)
        return d

    def copy(self, path):
        """A copy of path (file or folder) in the session, readable by everyone."""
        src = Path(path).resolve()
        st = src.stat()
        key = (src, st.st_mtime_ns, st.st_size)
        if key not in self._staged:
            dst = self.dir / "files" / src.relative_to(src.anchor)
            if dst.exists():
                shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, symlinks=False)
            else:
                shutil.copy2(src, dst)
            for d in [self.dir, *[p for p in dst.parents if self.dir in p.parents]]:
                d.chmod(0o755)
            _readable_tree(dst) if dst.is_dir() else dst.chmod(0o644)
            self._staged[key] = dst
        return self._staged[key]

    def readable(self, path):
        """path itself if nobody can read it (or we are not root), else its copy."""
        if os.geteuid() != 0 or nobody_can_read(path):
            return path
        return self.copy(path)


SESSION = Session()


class TsharkError(AssertionError):
    pass


class Tshark:
    """tshark with plugin folder plugin_dir (None: no plugins).

    home: a fixed HOME (bench: the same for every timed run); default a fresh one per run."""

    def __init__(self, plugin_dir=None, home=None, exe=None, session=SESSION):
        self.session = session
        self.exe = exe or shutil.which("tshark") or "/usr/bin/tshark"
        self.home = home
        self.plugin_dir = self.plugins(plugin_dir)

    def plugins(self, plugin_dir):
        """The folder to give tshark for plugin_dir: as root always a snapshot in the
        session (nobody can read it, and a rebuild during the session cannot mix builds)."""
        if plugin_dir is None:
            return str(self.session.folder("no-plugins"))
        if os.geteuid() == 0:
            return str(self.session.copy(plugin_dir))
        return str(plugin_dir)

    def env(self, extra=None, plugin_dir=None, home=None):
        home = home or self.home
        extcap = self.session.dir / "empty-extcap"
        extcap.mkdir(mode=0o755, exist_ok=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TZ": "UTC", "LANG": "C.UTF-8",
               "WIRESHARK_EXTCAP_DIR": str(extcap), "WIRESHARK_PLUGIN_DIR": plugin_dir or self.plugin_dir}
        if os.environ.get("TCPWAVE_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["TCPWAVE_PRELOAD"]
        for keep in SANITIZER_VARS:
            if keep in os.environ:
                env[keep] = os.environ[keep]
        env.update({k: str(v) for k, v in (extra or {}).items()})
        return env

    def _arg(self, a):
        if isinstance(a, Path) or (isinstance(a, str) and a.startswith("/") and os.path.exists(a)):
            return str(self.session.readable(a))
        return str(a)

    def argv(self, args, tool=None):
        """[setpriv ... (as root)] [tool ...] tshark args, with unreadable file arguments replaced by copies."""
        cmd = [*(tool or []), self.exe, *map(self._arg, args)]
        return [*AS_NOBODY, *cmd] if os.geteuid() == 0 else cmd

    def run(self, *args, check=False, timeout=None, extra_env=None, plugin_dir=None, tool=None, prefix=None,
            stdout=subprocess.PIPE):
        """Run tshark args; prefix goes before setpriv (e.g. /usr/bin/time), tool after it (e.g. valgrind).
        check: raise TsharkError on a non-zero exit status."""
        home = None
        if self.home is None:
            home = self.session.folder("home", 0o777)
        try:
            p = subprocess.run([*(prefix or []), *self.argv(args, tool)],
                               env=self.env(extra_env, plugin_dir, home), stdout=stdout,
                               stderr=subprocess.PIPE, text=True, timeout=timeout)
        finally:
            if home is not None:
                shutil.rmtree(home, ignore_errors=True)
        if check and p.returncode != 0:
            raise TsharkError(f"tshark {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
        return p

    def loads_tcpwave(self):
        return "tcpwave" in self.run("-G", "plugins").stdout
