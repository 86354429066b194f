# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -z tcpwave,stat / conv / ladder against connections whose ending is
known independently: tests/expected/outcomes.tsv, written by hand from how
each capture was made.  Small captures for the edge cases (empty, no TCP,
mid-stream only) are cut from the fixtures with editcap or written inline."""
import collections
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import EXPECTED, OUTCOMES, PCAPS, conv, stat



def known_outcomes(name="outcomes.tsv"):
    by_capture = collections.defaultdict(list)
    for line in (EXPECTED / name).read_text().splitlines():
        if line.startswith("#") or line.startswith("capture\t") or not line.strip():
            continue
        capture, stream, outcome, initiator, close_ms = line.split("\t")
        by_capture[capture].append((int(stream), outcome, initiator, close_ms))
    return by_capture


KNOWN = known_outcomes()
# Where Wireshark starts a new tcp.stream at an injected SYN-ACK (conftest.stream_split).
KNOWN_SPLIT = known_outcomes("outcomes.split.tsv")


def known(capture, stream_split):
    return KNOWN_SPLIT[capture] if stream_split and capture in KNOWN_SPLIT else KNOWN[capture]




@pytest.mark.parametrize("capture", sorted(KNOWN), ids=str)
@pytest.mark.parametrize("two_pass", [False, True], ids=["one-pass", "two-pass"])
def test_stat_counts_each_connection_in_its_outcome(tshark, stream_split, capture, two_pass):
    pcap = PCAPS / f"{capture}.pcap"
    rows = stat(tshark, pcap, "-z", "tcpwave,stat", *(["-2"] if two_pass else []))
    assert list(rows) == OUTCOMES
    expected = known(capture, stream_split)
    want = collections.Counter(o for _, o, _, _ in expected)
    by_client = collections.Counter(o for _, o, i, _ in expected if i == "client")
    by_server = collections.Counter(o for _, o, i, _ in expected if i == "server")
    total = sum(want.values())
    for outcome, cells in rows.items():
        connections, share, client, server, mean, maxi = cells
        assert int(connections) == want[outcome], outcome
        assert float(share) == pytest.approx(100.0 * want[outcome] / total, abs=0.05), outcome
        assert (int(client), int(server)) == (by_client[outcome], by_server[outcome]), outcome
    for _, outcome, _, close_ms in expected:
        if close_ms != "-":
            assert float(rows[outcome][4]) == pytest.approx(float(close_ms), abs=0.001)
            assert float(rows[outcome][5]) == pytest.approx(float(close_ms), abs=0.001)


@pytest.mark.parametrize("capture", sorted(KNOWN), ids=str)
def test_conv_row_per_connection(tshark, stream_split, capture):
    rows = conv(tshark, PCAPS / f"{capture}.pcap")
    expected = known(capture, stream_split)
    assert sorted(rows) == sorted(s for s, _, _, _ in expected)
    for stream, outcome, initiator, close_ms in expected:
        assert rows[stream]["Outcome"] == outcome
        assert rows[stream]["Closed by"] == initiator
        if close_ms != "-":
            assert float(rows[stream]["Close (ms)"]) == pytest.approx(float(close_ms), abs=0.001)


def test_conv_addresses_and_final_states_seed(tshark):
    """Seed listing 2: client port 25541, server port 12456; the server
    closed first, so it holds TIME_WAIT and the client is CLOSED."""
    row = conv(tshark, PCAPS / "seed" / "seed-three-way.pcap")[0]
    want = {"Client": "127.0.0.1:25541", "Server": "127.0.0.1:12456", "Outcome": "Three-way close",
            "Client state": "CLOSED", "Server state": "TIME_WAIT", "Handshake": "complete",
            "Closed by": "server", "Reset by": "-", "Final ACK": "seen"}
    assert {k: row[k] for k in want} == want
    # Seed listing 2's times: SYN 13:15:40.439590 to ACK 13:15:40.439616; first
    # FIN 13:15:57.601816 to the last ACK 13:15:57.602425.
    assert float(row["HS (ms)"]) == pytest.approx(0.026, abs=0.001)
    assert float(row["Close (ms)"]) == pytest.approx(0.609, abs=0.001)


def test_conv_ipv6_addresses_bracketed(tshark):
    rows = conv(tshark, PCAPS / "kernel" / "ipv6_close.pcap")
    assert rows[0]["Client"].startswith("[fd77::1]:") and rows[0]["Server"] == "[fd77::2]:8000"


def test_filter_selects_connections_counted_at_their_end(tshark):
    """time-wait-reuse holds a four-way close (stream 0) then a three-way
    close (stream 1).  A filter matching only SYNs still counts each
    connection where it ends, in a single pass too."""
    pcap = PCAPS / "crafted" / "time-wait-reuse.pcap"
    for args in ([], ["-2"]):
        rows = stat(tshark, pcap, "-z", "tcpwave,stat,tcp.flags.syn==1 && tcp.flags.ack==0", *args)
        assert rows["Four-way close"][0] == "1" and rows["Three-way close"][0] == "1"
        assert rows["Handshake incomplete"][0] == "0"
        rows = stat(tshark, pcap, "-z", "tcpwave,stat,tcp.stream==1", *args)
        assert rows["Four-way close"][0] == "0" and rows["Three-way close"][0] == "1"
        rows = stat(tshark, pcap, "-z", "tcpwave,stat,tcpwave.close.type==four-way", *args)
        assert rows["Four-way close"][0] == "1" and rows["Three-way close"][0] == "0"


def test_invalid_filter_is_a_clear_error(tshark):
    p = tshark.run("-q", "-r", PCAPS / "seed" / "seed-three-way.pcap", "-z", "tcpwave,stat,tcp.port==",
                   check=False)
    assert p.returncode != 0
    assert 'Filter "tcp.port==" is invalid' in p.stderr
    p = tshark.run("-q", "-r", PCAPS / "seed" / "seed-three-way.pcap", "-z", "tcpwave,ladder,nonsense.field==1",
                   check=False)
    assert p.returncode != 0 and "tcpwave,ladder" in p.stderr


def write_pcap(path, frames=()):
    """A classic pcap (Ethernet) holding the given raw frames, one second apart."""
    import pcapkit  # tools/: the one capture-file writer

    with pcapkit.PcapWriter(str(path)) as w:
        for i, frame in enumerate(frames):
            w.write(frame, (1700000000 + i) * 1_000_000_000)
    os.chmod(path, 0o644)


@pytest.fixture
def tmpdir_nobody():
    with tempfile.TemporaryDirectory(prefix="tcpwave-test-") as d:
        os.chmod(d, 0o755)
        yield Path(d)


def test_empty_capture_counts_nothing(tshark, tmpdir_nobody):
    pcap = tmpdir_nobody / "empty.pcap"
    write_pcap(pcap)
    rows = stat(tshark, pcap, "-z", "tcpwave,stat")
    assert [cells[0] for cells in rows.values()] == ["0"] * len(OUTCOMES)
    assert conv(tshark, pcap) == {}


def test_capture_without_tcp_counts_nothing(tshark, tmpdir_nobody):
    """One UDP datagram (IPv4, checksum 0 = none) and one ARP request."""
    ip_udp = bytes.fromhex("4500001c00010000401100000a0000010a000002") + bytes.fromhex("303900350008" "0000")
    eth_ip = bytes(6) + bytes.fromhex("020000000001") + b"\x08\x00" + ip_udp
    arp = b"\xff" * 6 + bytes.fromhex("020000000001") + b"\x08\x06" + bytes.fromhex(
        "0001080006040001020000000001" "0a000001" "000000000000" "0a000002")
    pcap = tmpdir_nobody / "no-tcp.pcap"
    write_pcap(pcap, [eth_ip, arp])
    rows = stat(tshark, pcap, "-z", "tcpwave,stat")
    assert [cells[0] for cells in rows.values()] == ["0"] * len(OUTCOMES)
    assert "tcpwave" not in tshark.run("-r", pcap, "-V").stdout


def test_midstream_only_is_no_handshake_seen(tshark, tmpdir_nobody):
    """Frames 4-5 of the kernel four-way close (data and its ACK): no SYN, no
    FIN, so the connection was open before and after the capture."""
    pcap = tmpdir_nobody / "midstream.pcap"
    subprocess.run(["editcap", "-r", PCAPS / "kernel" / "four_way_close.pcap", pcap, "4-5"], check=True)
    pcap.chmod(0o644)
    rows = stat(tshark, pcap, "-z", "tcpwave,stat")
    assert rows["No handshake seen"][0] == "1"
    assert sum(int(c[0]) for c in rows.values()) == 1
    assert conv(tshark, pcap)[0]["Handshake"] == "not seen"


def test_ladder_seed_four_way(tshark):
    """The textbook figure of seed listing 1: handshake and close lines with
    both states, each arrow named for what the segment does, the two data
    segments summarised.  The frames, as the listing has them: 1 SYN, 2
    SYN-ACK, 3 ACK (client port 27749 to server port 12456), 4-5 data and its
    ACK, then the client's FIN (6), the server's ACK of it (7), the server's
    FIN (8) and the client's ACK of it (9): a four-way close."""
    out = tshark.run("-q", "-r", PCAPS / "seed" / "seed-four-way.pcap", "-z", "tcpwave,ladder").stdout
    lines = [l for l in out.splitlines() if l.strip()]
    start = lines.index("Stream 0: client 127.0.0.1:27749 <-> server 127.0.0.1:12456")
    assert lines[start + 1] == "Outcome: Four-way close"
    body = lines[start + 3:-1]
    expected = [(None, "handshake"),
                ("1", "SYN_SENT", "SYN", "-->", "SYN_RECV", "1/3"),
                ("2", "ESTABLISHED", "SYN-ACK", "<--", "SYN_RECV", "2/3"),
                ("3", "ESTABLISHED", "ACK", "-->", "ESTABLISHED", "3/3"),
                (None, "... 2 data/ACK segments ..."),
                (None, "close"),
                ("6", "FIN_WAIT1", "first FIN", "-->", "CLOSE_WAIT", "1/4"),
                ("7", "FIN_WAIT2", "ACK of first FIN", "<--", "CLOSE_WAIT", "2/4"),
                ("8", "TIME_WAIT", "second FIN", "<--", "LAST_ACK", "3/4"),
                ("9", "TIME_WAIT", "final ACK", "-->", "CLOSED", "4/4")]
    assert len(body) == len(expected), body
    for line, want in zip(body, expected):
        if want[0] is None:
            assert line.strip() == want[1]
            continue
        frame, client, label, direction, server, step = want
        words = line.split()
        assert words[0] == frame and words[2] == client and words[-2:] == [server, step], line
        arrow = line[line.index(client) + len(client):line.rindex(server)]
        assert f" {label} " in arrow
        assert (arrow.strip().endswith(">") if direction == "-->" else arrow.strip().startswith("<")), line
    assert max(len(l) for l in out.splitlines()) <= 74  # 72 and a time column widened by the SYN-ACK's


@pytest.mark.parametrize("name", sorted(p.name[: -len(".tsv")] for p in (EXPECTED / "kernel").glob("*.tsv")
                                         if not p.name.endswith((".ss.tsv", ".onepass.tsv"))))
def test_ladder_draws_every_state_change_two_passes(tshark, name):
    """Each frame after which an end's state differs from the frame before,
    in the hand-written two-pass expectation of a kernel capture, has a line
    of its own in the two-pass ladder, with those states: the ladder folds
    data and ACKs, never a change (accept_overflow: the data copy after
    which the server is ESTABLISHED, frame 11)."""
    rows, before = [], ("CLOSED", "LISTEN")
    for line in (EXPECTED / "kernel" / f"{name}.tsv").read_text().splitlines():
        if line.startswith(("#", "frame\t")) or not line.strip():
            continue
        frame, _, client, server = line.split("\t")[:4]
        if (client, server) != before:
            rows.append((frame, client, server))
        before = (client, server)
    out = tshark.run("-2", "-q", "-r", PCAPS / "kernel" / f"{name}.pcap", "-z", "tcpwave,ladder").stdout
    drawn = {l.split()[0]: l.split() for l in out.splitlines() if l.split()[:1] and l.split()[0].isdigit()}
    for frame, client, server in rows:
        assert frame in drawn, (name, frame, out)
        words = drawn[frame]
        assert words[2] == client and server in words[-2:], (name, frame, words)


def test_ladder_readable_with_retransmissions_and_reset(tshark):
    """lost-final-ack: frame 10 repeats the server's FIN of frame 8 (seq 1,
    ack 14), its final ACK (frame 9) having been lost; the ladder draws it
    as the server's FIN again, named a retransmission."""
    out = tshark.run("-q", "-r", PCAPS / "crafted" / "lost-final-ack.pcap", "-z", "tcpwave,ladder").stdout
    again = [l for l in out.splitlines() if l.split()[:1] == ["10"]]
    assert len(again) == 1 and " FIN,ACK again -- " in again[0] and again[0].split()[-2:] == ["CLOSED", "3/4"], again
    out = tshark.run("-q", "-r", PCAPS / "crafted" / "reset-established.pcap", "-z", "tcpwave,ladder").stdout
    rst = next(l for l in out.splitlines() if " RST --" in l and "<" in l)
    assert rst.split()[0] == "7" and rst.split()[2] == "CLOSED" and rst.split()[-1] == "CLOSED"
