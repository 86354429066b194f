# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared fixtures for tcpwave's integration tests.

tshark is run by tools/twrun.py (fresh HOME, TZ=UTC, the plugin from the
build tree, TCPWAVE_PLUGIN_DIR set by CTest; as root, as user nobody on a
copy of what it reads, so that a checkout nobody can enter works too).
"""
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))
import twrun  # noqa: E402

PCAPS = ROOT / "pcaps"
# The shared corpus of third-party captures: ../shared/corpus beside the checkout, or where
# TCPWAVE_CORPUS says (.ci/run's private clone has no shared/ beside it).  With
# TCPWAVE_REQUIRE_CORPUS=1 (CI) its absence fails the tests that read it instead of skipping them.
CORPUS = Path(os.environ.get("TCPWAVE_CORPUS", str(ROOT.parent / "shared" / "corpus")))


def corpus_or_skip():
    if CORPUS.is_dir():
        return
    if os.environ.get("TCPWAVE_REQUIRE_CORPUS") == "1":
        pytest.fail(f"the shared corpus {CORPUS} is missing (TCPWAVE_REQUIRE_CORPUS=1)")
    pytest.skip(f"the shared corpus {CORPUS} is absent")
EXPECTED = ROOT / "tests" / "expected"
# Where CTest built the plugin and the helper programs (bench/gen).
BUILD = Path(os.environ.get("TCPWAVE_BUILD_DIR", str(ROOT / "build")))
ALL_OUTPUTS = twrun.ALL_OUTPUTS

# The public interface (docs/fields.md): value names of the uint8 fields.
STATES = {0: "unknown", 1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
          6: "TIME_WAIT", 7: "CLOSED", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
ROLES = {1: "SYN", 2: "SYN-ACK", 3: "handshake ACK", 4: "data", 5: "ACK", 6: "first FIN",
         7: "ACK of first FIN", 8: "second FIN", 9: "FIN+ACK", 10: "simultaneous FIN",
         11: "ACK of second FIN", 12: "final ACK", 13: "RST", 14: "retransmission",
         15: "keep-alive", 16: "other/unexpected", 17: "crossed the RST"}
SIDES = {0: "unknown", 1: "client", 2: "server"}
CLOSE_TYPES = {1: "three-way", 2: "four-way", 3: "simultaneous", 4: "reset"}


class Tshark(twrun.Tshark):
    """twrun.Tshark that fails the test on a non-zero status (unless check=False)
    or on any sanitizer report."""

    def __init__(self, plugin_dir):
        if not shutil.which("tshark"):
            pytest.fail("tshark not found: run scripts/setup.sh")
        super().__init__(plugin_dir)

    def run(self, *args, check=True, timeout=300, extra_env=None, plugin_dir=None):
        p = super().run(*args, check=check, timeout=timeout, extra_env=extra_env, plugin_dir=plugin_dir)
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
    plugin_dir = os.environ.get("TCPWAVE_PLUGIN_DIR", str(BUILD / "plugins"))
    if not Path(plugin_dir).is_dir():
        pytest.fail(f"plugin folder {plugin_dir} missing: build first (scripts/test.sh)")
    t = Tshark(plugin_dir)
    if not t.loads_tcpwave():
        pytest.fail(f"tshark did not load tcpwave from {plugin_dir} (given to it as {t.plugin_dir})")
    return t


# ---- the statistics' tables (tests/test_stats.py, tests/test_many.py) ----

OUTCOMES = ["Three-way close", "Four-way close", "Simultaneous close", "Reset", "Refused",
            "Half-closed at end", "Open at end", "Handshake incomplete", "No handshake seen"]
EXTRA = {"tcp-in-gtp": ("-d", "tcp.port==2152,gtp")}


def table(output, title):
    """Rows of a stat_tap_table as printed by tshark: lists of cells."""
    lines = output.splitlines()
    start = lines.index(title) + 1
    rows = []
    for line in lines[start:]:
        if line.startswith("====="):
            break
        rows.append([cell.strip() for cell in line.split("|")[:-1]])
    return rows


def stat(tshark, pcap, *args):
    out = tshark.run("-q", "-r", pcap, *EXTRA.get(Path(pcap).stem, ()), *args).stdout
    return {row[0]: row[1:] for row in table(out, "TCP Connection Outcomes")}


def header(output, title):
    """The column names of a table: the line tshark prints before its title."""
    lines = output.splitlines()
    return [cell.strip() for cell in lines[lines.index(title) - 1].split("|")[:-1]]


# The per-connection tables: -z tcpwave,conv (ends, outcome), -z
# tcpwave,states (final states, Zeek's view) and -z tcpwave,phases
# (handshake and close), all keyed by Stream.
CONN_TABLES = {"tcpwave,conv": "TCP Connections", "tcpwave,states": "TCP Connection States",
               "tcpwave,phases": "TCP Connection Phases"}


def conv(tshark, pcap, *args):
    """Each connection's cells by column name, from every per-connection
    table (args: more options, e.g. a filter; every table is asked for)."""
    zs = [a for name in CONN_TABLES for a in ("-z", name)]
    out = tshark.run("-q", "-r", pcap, *EXTRA.get(Path(pcap).stem, ()), *zs, *args).stdout
    rows = {}
    for title in CONN_TABLES.values():
        names = header(out, title)
        for cells in table(out, title):
            rows.setdefault(int(cells[0]), {}).update(zip(names[1:], cells[1:]))
    return rows


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
