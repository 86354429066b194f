"""tcpwave reads TCP through a hook on TCP's entry in the ip.proto table
(README, "How tcpwave reads TCP").  The hook must be invisible: Wireshark's
own dissection of every capture is the same with the plugin as without it,
disabling tcpwave must never disable TCP, and disabling TCP silences tcpwave.

The reference is tshark with no plugin at all (an empty plugin folder)."""
import tempfile
import os

import pytest

from conftest import PCAPS

# What Wireshark itself says of each frame: the layers, TCP's own analysis,
# and the Info column (tcpwave.info_column is off by default).
WIRESHARK_FIELDS = ["frame.protocols", "tcp.stream", "tcp.srcport", "tcp.seq", "tcp.ack", "tcp.len", "tcp.nxtseq",
                    "tcp.flags", "tcp.analysis.flags", "tcp.completeness", "icmp.type", "_ws.malformed",
                    "_ws.col.Info"]

CAPTURES = sorted(p for folder in ("kernel", "seed", "crafted", "hostile") for p in (PCAPS / folder).iterdir()
                  if p.suffix in (".pcap", ".pcapng"))


@pytest.fixture(scope="module")
def no_plugin():
    d = tempfile.mkdtemp(prefix="tcpwave-noplugin-")
    os.chmod(d, 0o755)
    yield {"WIRESHARK_PLUGIN_DIR": d}
    os.rmdir(d)


def dissect(tshark, pcap, *extra, env=None):
    args = ["-r", pcap, "-2", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", *extra]
    for f in WIRESHARK_FIELDS:
        args += ["-e", f]
    p = tshark.run(*args, check=False, extra_env=env)
    return p.returncode, p.stdout


def test_no_plugin_reference_has_no_tcpwave(tshark, no_plugin):
    assert "tcpwave" not in tshark.run("-G", "plugins", extra_env=no_plugin).stdout


@pytest.mark.parametrize("pcap", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_wireshark_dissection_unchanged(tshark, no_plugin, pcap):
    """Every field above, frame by frame, and tshark's exit status are the
    same with tcpwave loaded as with no plugin."""
    assert dissect(tshark, pcap) == dissect(tshark, pcap, env=no_plugin)


@pytest.mark.parametrize("name", ["seed/seed-three-way.pcap", "kernel/ipv6_close.pcap", "crafted/tcp-in-gtp.pcap",
                                  "hostile/icmp-errors.pcap"])
def test_disabling_tcpwave_keeps_tcp(tshark, no_plugin, name):
    """--disable-protocol tcpwave: TCP dissected exactly as with no plugin, and
    no tcpwave field and no tcpwave connection anywhere."""
    pcap = PCAPS / name
    assert dissect(tshark, pcap, "--disable-protocol", "tcpwave") == dissect(tshark, pcap, env=no_plugin)
    out = tshark.run("-r", pcap, "-2", "--disable-protocol", "tcpwave", "-T", "fields", "-e", "tcp.stream",
                     "-e", "tcpwave.stream", "-e", "tcpwave.state.client").stdout
    rows = [line.split("\t") for line in out.splitlines()]
    assert any(r[0] for r in rows), "TCP itself disappeared"
    assert all(r[1:] == ["", ""] for r in rows)
    stat = tshark.run("-q", "-r", pcap, "--disable-protocol", "tcpwave", "-z", "tcpwave,stat").stdout
    counts = [line.split("|")[1].strip() for line in stat.splitlines() if line.count("|") > 3
              and line.split("|")[1].strip().isdigit()]
    assert counts and set(counts) == {"0"}, stat


def test_disabling_tcp_silences_tcpwave(tshark):
    """--disable-protocol tcp: no TCP layer, so nothing for tcpwave either."""
    out = tshark.run("-r", PCAPS / "seed" / "seed-three-way.pcap", "--disable-protocol", "tcp", "-T", "fields",
                     "-e", "frame.protocols", "-e", "tcpwave.stream").stdout
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == 6
    assert all(":tcp" not in r[0] and r[1] == "" for r in rows)
