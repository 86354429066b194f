"""Shared fixtures for tcpwave's integration tests.

Like Wireshark's own test suite: find tshark, give every run a fresh HOME and
TZ=UTC, and load the plugin from the build tree (TCPWAVE_PLUGIN_DIR, set by
CTest).  tshark run as root ignores WIRESHARK_PLUGIN_DIR and personal
plugins, so as root every run drops to nobody with setpriv.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PCAPS = ROOT / "pcaps"
EXPECTED = ROOT / "tests" / "expected"

# The public interface (docs/fields.md): value names of the uint8 fields.
STATES = {0: "unknown", 1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
          6: "TIME_WAIT", 7: "CLOSED", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
ROLES = {1: "SYN", 2: "SYN-ACK", 3: "handshake ACK", 4: "data", 5: "ACK", 6: "first FIN",
         7: "ACK of first FIN", 8: "second FIN", 9: "FIN+ACK", 10: "simultaneous FIN",
         11: "ACK of second FIN", 12: "final ACK", 13: "RST", 14: "retransmission",
         15: "keep-alive", 16: "other/unexpected", 17: "crossed the RST"}
SIDES = {0: "unknown", 1: "client", 2: "server"}
CLOSE_TYPES = {1: "three-way", 2: "four-way", 3: "simultaneous", 4: "reset"}


class Tshark:
    def __init__(self, plugin_dir):
        self.plugin_dir = plugin_dir
        self.exe = shutil.which("tshark")
        if not self.exe:
            pytest.fail("tshark not found: run scripts/setup.sh")

    def run(self, *args, check=True, timeout=300, extra_env=None, plugin_dir=None):
        home = tempfile.mkdtemp(prefix="tcpwave-home-")
        os.chmod(home, 0o777)
        # An empty extcap folder: tshark spawns every extcap at start-up,
        # which is slow and hangs under a preloaded sanitizer runtime.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "TZ": "UTC", "LANG": "C.UTF-8",
               "WIRESHARK_PLUGIN_DIR": plugin_dir or self.plugin_dir, "WIRESHARK_EXTCAP_DIR": home, **(extra_env or {})}
        # Sanitizer runtimes go to tshark only (it is not instrumented itself).
        if os.environ.get("TCPWAVE_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["TCPWAVE_PRELOAD"]
        for keep in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if keep in os.environ:
                env[keep] = os.environ[keep]
        cmd = [self.exe, *map(str, args)]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        if check and p.returncode != 0:
            raise AssertionError(f"tshark {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
        sanitizer = [l for l in p.stderr.splitlines() if "runtime error:" in l or "AddressSanitizer" in l
                     or "LeakSanitizer" in l]
        assert not sanitizer, "sanitizer report:\n" + p.stderr
        return p

    def fields(self, pcap, fields, *extra, two_pass=True, check=True):
        args = ["-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        if two_pass:
            args.append("-2")
        for f in fields:
            args += ["-e", f]
        out = self.run(*args, *extra, check=check).stdout
        return [line.split("\t") for line in out.splitlines()]


@pytest.fixture(scope="session")
def tshark():
    plugin_dir = os.environ.get("TCPWAVE_PLUGIN_DIR", str(ROOT / "build" / "plugins"))
    if not Path(plugin_dir).is_dir():
        pytest.fail(f"plugin folder {plugin_dir} missing: build first (scripts/test.sh)")
    t = Tshark(plugin_dir)
    if "tcpwave" not in t.run("-G", "plugins").stdout:
        pytest.fail(f"tshark did not load tcpwave from {plugin_dir}")
    return t


# Wireshark 4.4 and later start a new tcp.stream at a SYN-ACK whose sequence
# number is not the sender's ISN ("A new tcp session is started with the same
# ports"); 4.0 keeps the connection's stream.  The crafted captures that inject
# such a segment (syn-fin, syn-rst) then have a second, mid-stream connection,
# with expectations of their own: tests/expected/*/<capture>.split.tsv and
# tests/expected/outcomes.split.tsv.  Known behaviour per tested version:
STREAM_SPLIT_BY_VERSION = {(4, 0): False, (4, 4): True, (4, 6): True}


def tshark_version(t):
    first = t.run("--version").stdout.splitlines()[0]  # "TShark (Wireshark) 4.4.19."
    major, minor = first.split("(Wireshark) ")[1].split(".")[:2]
    return int(major), int(minor)


@pytest.fixture(scope="session")
def stream_split(tshark):
    """Does this tshark give crafted/syn-fin's injected SYN-ACK (frame 6) a new tcp.stream?"""
    rows = tshark.fields(PCAPS / "crafted" / "syn-fin.pcap", ["tcp.stream"], two_pass=False)
    return rows[5] != rows[4]


@pytest.fixture(scope="session", autouse=True)
def readable_tree():
    """As root, tshark runs as nobody: it must be able to read the captures."""
    if os.geteuid() == 0:
        for p in PCAPS.rglob("*"):
            p.chmod(p.stat().st_mode | 0o044 | (0o011 if p.is_dir() else 0))
