# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile and odd captures: tcpwave must never crash, hang or trip a
sanitizer, and must meet every bad input with a clear expert note or a clean
"not analysed", never a confident wrong answer.

The captures are in pcaps/hostile/, written by fuzz/make_hostile.py; its
README.md tells how each was made and what tcpwave must do with it.  The big
ones (a SYN flood, a multi-gigabyte transfer) are written by the same script
at test time, into a temporary folder that tshark can read when it runs as
nobody.  Every expectation
comes from RFC 9293, SEMANTICS.md and docs/fields.md, not from the plugin's
output.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ALL_OUTPUTS, PCAPS, ROLES, ROOT, SIDES, STATES, Tshark

HOSTILE = PCAPS / "hostile"
MAKE = ROOT / "fuzz" / "make_hostile.py"
CONNECTION_STATES = {"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "CLOSING",
                     "LAST_ACK", "TIME_WAIT"}
# The textbook four-way close by the client (SEMANTICS.md, listing 1) with a
# request and a reply: (sender, role, client state, server state).
FOUR_WAY = [("client", "SYN", "SYN_SENT", "SYN_RECV"),
            ("server", "SYN-ACK", "ESTABLISHED", "SYN_RECV"),
            ("client", "handshake ACK", "ESTABLISHED", "ESTABLISHED"),
            ("client", "data", "ESTABLISHED", "ESTABLISHED"),
            ("server", "data", "ESTABLISHED", "ESTABLISHED"),
            ("client", "first FIN", "FIN_WAIT1", "CLOSE_WAIT"),
            ("server", "ACK of first FIN", "FIN_WAIT2", "CLOSE_WAIT"),
            ("server", "second FIN", "TIME_WAIT", "LAST_ACK"),
            ("client", "final ACK", "TIME_WAIT", "CLOSED")]
CLOSE = FOUR_WAY[5:]


# ---- reading tshark's output ------------------------------------------------

class Layer(dict):
    """One tcpwave subtree: field name -> list of 'show' values, plus the
    short names of its expert items (tcpwave.expert.X -> X)."""

    def __init__(self):
        super().__init__()
        self.experts = set()

    def one(self, name):
        values = self.get(name, [])
        assert len(values) <= 1, (name, values)
        return values[0] if values else None

    def state(self, side):
        v = self.one(f"tcpwave.state.{side}")
        return None if v is None else STATES.get(int(v), f"invalid ({v})")

    def prev(self, side):
        v = self.one(f"tcpwave.state.{side}.prev")
        return None if v is None else STATES.get(int(v), f"invalid ({v})")

    @property
    def role(self):
        v = self.one("tcpwave.role")
        return None if v is None else ROLES[int(v)]

    @property
    def sender(self):
        v = self.one("tcpwave.sender")
        return None if v is None else SIDES[int(v)]

    @property
    def stream(self):
        return int(self.one("tcpwave.stream"))

    def row(self):
        return (self.sender, self.role, self.state("client"), self.state("server"))



# tshark's exit status for a capture it cannot read: 2 in 4.0; from
# ws_exit_codes.h in 4.4 and later, WS_EXIT_INVALID_FILE (3),
# WS_EXIT_OPEN_ERROR (9) or WS_EXIT_READ_ERROR (14, 4.6: damage met while reading).
UNREADABLE_FILE_STATUS = (2, 3, 9, 14)

def dissect(tshark, pcap, *extra, two_pass=True, check=True):
    """frame number -> [Layer, ...], one per TCP layer.  check=False: also
    what tshark printed of a file it read only in part."""
    args = ["-r", pcap, "-T", "pdml", "-J", "tcpwave", *extra]
    if two_pass:
        args.append("-2")
    text = tshark.run(*args, check=check).stdout
    if "<pdml" not in text:
        return {}
    if "</pdml>" not in text:
        text += "</pdml>\n"
    out = {}
    for packet in ET.fromstring(text).iter("packet"):
        num = int(packet.find("proto[@name='geninfo']/field[@name='num']").get("show"))
        layers = []
        for proto in packet.findall("proto[@name='tcpwave']"):
            layer = Layer()
            for field in proto.iter("field"):
                name = field.get("name")
                if name.startswith("tcpwave.expert."):
                    layer.experts.add(name[len("tcpwave.expert."):])
                elif name.startswith("tcpwave."):
                    layer.setdefault(name, []).append(field.get("show"))
            layers.append(layer)
        out[num] = layers
    return out


def segments(frames):
    """(frame, Layer) for every analysed segment (a layer with a role)."""
    return [(n, layer) for n, layers in sorted(frames.items()) for layer in layers if layer.role]


def by_stream(frames):
    streams = {}
    for n, layer in segments(frames):
        streams.setdefault(layer.stream, []).append((n, layer))
    return streams


def table(output, title):
    """Rows of a stat_tap_table as tshark prints it: lists of cells."""
    lines = output.splitlines()
    rows = []
    for line in lines[lines.index(title) + 1:]:
        if line.startswith("====="):
            break
        rows.append([cell.strip() for cell in line.split("|")[:-1]])
    return rows


def outcomes(tshark, pcap, *extra):
    out = tshark.run("-q", "-2", "-r", pcap, "-z", "tcpwave,stat", *extra).stdout
    return {row[0]: (int(row[1]), int(row[3]), int(row[4])) for row in table(out, "TCP Connection Outcomes")}


def total_connections(tshark, pcap):
    return sum(n for n, _, _ in outcomes(tshark, pcap).values())


def check_invariants(frames):
    """What holds for every capture (the fuzzer's invariants, seen through
    tshark): states are valid values; prev equals the state after the
    connection's previous segment; a close (close, reset, refused) is
    counted at most once per connection; no state leaves CLOSED but by a
    new SYN."""
    last, closes = {}, {}
    for n, layer in segments(frames):
        s = layer.stream
        for side in ("client", "server"):
            assert layer.state(side) in STATES.values(), f"frame {n}: {side} state {layer.state(side)}"
            assert layer.prev(side) in STATES.values(), f"frame {n}: {side} prev {layer.prev(side)}"
        now = (layer.state("client"), layer.state("server"))
        before = (layer.prev("client"), layer.prev("server"))
        if s in last:
            assert before == last[s], f"frame {n}: prev {before} but the previous segment left {last[s]}"
            for side, was, is_ in zip(("client", "server"), before, now):
                if was == "CLOSED" and is_ != "CLOSED":
                    assert layer.role in ("SYN", "SYN-ACK"), f"frame {n}: {side} left CLOSED on a {layer.role}"
        last[s] = now
        closes[s] = closes.get(s, 0) + len(layer.experts & {"close", "reset", "refused"})
        assert closes[s] <= 1, f"frame {n}: stream {s} counted closed twice"
    for layers in frames.values():
        for layer in layers:
            for side in ("client", "server"):
                if layer.state(side) is not None:
                    assert layer.state(side) in STATES.values(), f"{side} state {layer.state(side)}"


def run_env(tshark, extra_env, *args, timeout=900):
    """Tshark.run (tests/conftest.py) with more environment variables."""
    return tshark.run(*args, timeout=timeout, extra_env=extra_env)


@pytest.fixture
def scratch():
    """A temporary folder tshark (nobody, when root) can read."""
    d = tempfile.mkdtemp(prefix="tcpwave-hostile-")
    os.chmod(d, 0o755)
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


def make(scratch, *args):
    out = subprocess.run(["/usr/bin/python3", MAKE, "--out", scratch, *map(str, args)], check=True,
                         capture_output=True, text=True).stdout.strip()
    os.chmod(out, 0o644)
    return Path(out)


# ---- every capture ------------------------------------------------------------

HOSTILE_FILES = sorted(p.name for p in HOSTILE.iterdir() if p.name != "README.md")
DAMAGED = {"empty.pcap", "header-only.pcap", "short-header.pcap", "cut-mid-record.pcap", "bogus-caplen.pcap",
           "bad-linktype.pcap", "garbage.pcap", "garbage-nomagic.bin", "corrupt.pcapng", "zero-block.pcapng"}


@pytest.mark.parametrize("name", HOSTILE_FILES)
@pytest.mark.parametrize("two_pass", [False, True], ids=["one-pass", "two-pass"])
def test_every_output_survives(tshark, name, two_pass):
    """With -V, the Info column and every statistic on, tshark ends within the
    time limit, without a signal or a sanitizer report (the fixture checks),
    with status 0, or where Wireshark cannot read the file one of its
    statuses for that (UNREADABLE_FILE_STATUS)."""
    args = ["-r", HOSTILE / name, *ALL_OUTPUTS] + (["-2"] if two_pass else [])
    p = tshark.run(*args, check=False, timeout=120)
    assert p.returncode in ((0, *UNREADABLE_FILE_STATUS) if name in DAMAGED else (0,)), p.stderr
    if p.returncode == 0 and name not in DAMAGED:
        assert "TCP Connection Outcomes" in p.stdout and "TCP Connection Ladder" in p.stdout


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_invariants_hold(tshark, name):
    """For every capture, in one pass and two: valid states, prev = the state
    after the previous segment, each connection's close counted at most
    once, no way out of CLOSED but a SYN; a state is shown only when known
    (docs/fields.md lists 1-11, no other)."""
    for two_pass in (False, True):
        check_invariants(dissect(tshark, HOSTILE / name, two_pass=two_pass, check=False))


# ---- truncation ---------------------------------------------------------------

def test_snaplen40_invents_nothing(tshark):
    """snaplen40.pcap: a complete connection, each frame cut after 6 bytes of
    TCP header.  Nothing of TCP's state can be read: no frame gets a
    tcpwave state, and the statistics count no connection."""
    frames = dissect(tshark, HOSTILE / "snaplen40.pcap")
    assert len(frames) == 9
    for n, layers in frames.items():
        for layer in layers:
            assert layer.state("client") is None and layer.role is None, f"frame {n}"
    assert total_connections(tshark, HOSTILE / "snaplen40.pcap") == 0


def test_snaplen54_whole_fixed_header_is_enough(tshark):
    """snaplen54.pcap: four complete connections cut at 54 bytes.  Plain IPv4
    (frames 1-9) keeps the whole 20-byte fixed TCP header and VLAN-tagged
    IPv4 (10-18) keeps 16 bytes of it (up to the window): everything tcpwave
    reads is there, so both read as the whole connection would.  IPv4 with
    IP options (19-27) keeps 12 TCP bytes (no flags) and IPv6 (28-36) none:
    no tcpwave state there."""
    frames = dissect(tshark, HOSTILE / "snaplen54.pcap")
    streams = by_stream(frames)
    assert len(streams) == 2
    for rows in streams.values():
        assert [layer.row() for _, layer in rows] == FOUR_WAY
    assert [n for rows in streams.values() for n, _ in rows] == list(range(1, 19))
    for n in range(19, 37):
        assert all(layer.role is None and layer.state("client") is None for layer in frames[n]), f"frame {n}"
    assert outcomes(tshark, HOSTILE / "snaplen54.pcap")["Four-way close"] == (2, 2, 0)


UNCERTAIN = {"inferred", "unexpected"}


def test_cut_synack_no_confident_syn_sent(tshark):
    """synack-truncated.pcap: the SYN-ACK (frame 2) is cut inside its TCP
    header.  It is not analysed.  The client then acknowledges the server
    and both send data: a SYN_SENT endpoint sends nothing but its SYN and a
    SYN_RECV one no data (RFC 9293 3.10.7.3, 3.10.7.4), so a segment of
    frames 3-9 that still shows the client SYN_SENT or the server SYN_RECV
    must carry a tcpwave note saying the states are uncertain: 'inferred'
    (the segment it answers was not analysed) or 'unexpected' (it makes no
    sense in the state shown), docs/fields.md.  Any other item (the
    handshake's chat, a close) says nothing of the kind."""
    frames = dissect(tshark, HOSTILE / "synack-truncated.pcap")
    assert all(layer.role is None for layer in frames[2])
    wrong = []
    for n, layer in segments(frames):
        if n >= 3 and (layer.state("client") == "SYN_SENT" or layer.state("server") == "SYN_RECV"):
            if not layer.experts & UNCERTAIN:
                wrong.append(f"frame {n}: {layer.role}, client {layer.state('client')}, "
                             f"server {layer.state('server')}, notes {sorted(layer.experts)}")
    assert not wrong, "\n".join(wrong)


def test_bogus_tcp_headers_not_analysed(tshark):
    """bogus-headers.pcap: frames 6-12 are client segments Wireshark cannot
    parse (data offset 0, 1, 4, 15; IP total length ending inside the TCP
    header).  None is analysed as a segment (no role; the 'not analysed'
    note at most), and the connection goes on as if they had not been sent:
    frames 13-14 are the request and the reply, then a four-way close.
    Frame 19, data offset 0 on a 4-tuple of its own, is not analysed either,
    and as nothing is known of its connection no state is shown."""
    frames = dissect(tshark, HOSTILE / "bogus-headers.pcap")
    for n in list(range(6, 13)) + [19]:
        for layer in frames[n]:
            assert layer.role is None, f"frame {n} analysed as {layer.role}"
    for layer in frames[19]:
        assert (layer.state("client"), layer.state("server")) == (None, None)
    rows = [layer.row() for n, layer in segments(frames)]
    assert rows == FOUR_WAY[:5] + FOUR_WAY[3:]


# ---- capture files --------------------------------------------------------------

def test_cut_mid_record_reads_what_is_there(tshark):
    """cut-mid-record.pcap: a complete connection with the file cut inside its
    final ACK.  tshark reports the cut (status 2); the 8 frames before it are
    analysed as usual."""
    p = tshark.run("-r", HOSTILE / "cut-mid-record.pcap", "-T", "fields", "-e", "frame.number", "-e",
                   "tcpwave.role", check=False)
    assert p.returncode in UNREADABLE_FILE_STATUS and "cut short" in p.stderr
    roles = [ROLES[int(line.split("\t")[1])] for line in p.stdout.splitlines()]
    assert roles == [role for _, role, _, _ in FOUR_WAY[:8]]


def test_header_only_file_has_empty_statistics(tshark):
    """header-only.pcap: a pcap header, no packet: the statistics print, with
    no connection."""
    assert total_connections(tshark, HOSTILE / "header-only.pcap") == 0


def test_no_tcp_no_tcpwave(tshark):
    """no-tcp.pcap: DNS, ICMP echo, ARP, and a UDP datagram whose payload
    looks like a TCP SYN.  No tcpwave subtree, no connection."""
    frames = dissect(tshark, HOSTILE / "no-tcp.pcap")
    assert len(frames) == 10
    assert all(not layers for layers in frames.values())
    assert total_connections(tshark, HOSTILE / "no-tcp.pcap") == 0
    out = tshark.run("-q", "-r", HOSTILE / "no-tcp.pcap", "-z", "tcpwave,conv").stdout
    assert table(out, "TCP Connections")[1:] == []


# ---- timestamps -----------------------------------------------------------------

DURATIONS = ("tcpwave.handshake.rtt", "tcpwave.close.fin_gap", "tcpwave.close.duration")


def test_time_backwards_no_negative_duration(tshark):
    """time-backwards.pcap.  Stream 0: the handshake ACK (frame 3) is stamped
    5 s before the SYN: no handshake time; its close (frames 6-9, times
    increasing) lasts 3 ms.  Stream 1: the peer's FIN (frame 17) is stamped
    before the first FIN (15) and the final ACK (18) before both: no FIN gap,
    no close duration; its handshake took 2 ms.  Frames 3, 17 and 18, each
    stamped before its connection's previous segment, carry the
    time_backwards note.  States and roles are those of two four-way
    closes."""
    for two_pass in (False, True):
        frames = dissect(tshark, HOSTILE / "time-backwards.pcap", two_pass=two_pass)
        streams = by_stream(frames)
        assert [[layer.row() for _, layer in rows] for rows in streams.values()] == [FOUR_WAY, FOUR_WAY]
        shown = {(layer.stream, d): layer.one(d) for _, layer in segments(frames) for d in DURATIONS
                 if layer.one(d) is not None}
        assert all(not v.startswith("-") for v in shown.values()), shown
        assert (0, "tcpwave.handshake.rtt") not in shown
        assert (1, "tcpwave.close.fin_gap") not in shown and (1, "tcpwave.close.duration") not in shown
        assert Decimal(shown[(0, "tcpwave.close.duration")]) == Decimal("0.003")
        assert Decimal(shown[(1, "tcpwave.handshake.rtt")]) == Decimal("0.002")
        noted = [n for n, layer in segments(frames) if "time_backwards" in layer.experts]
        assert noted == [3, 17, 18]


def test_time_extremes_durations_exact_or_absent(tshark):
    """time-extremes.pcapng: timestamps in whole seconds from -5e9 s to 2^34 s.
    Each duration shown equals its frames' time difference exactly (no
    wrap-around, no overflow: the sanitizer build would report one); one that
    would be negative (stream 2's handshake: its ACK is stamped 2^34 s before
    its SYN) is not shown.  Stream 3's handshake lasts 1e10 s, which Wireshark
    can show, but not in int64 nanoseconds: shown exactly, or not at all."""
    pcap = HOSTILE / "time-extremes.pcapng"
    frames = dissect(tshark, pcap)
    # frame.time_epoch: PDML's capture time is wrong beyond 2^32 s.
    stamp = {int(n): Decimal(t) for n, t in tshark.fields(pcap, ["frame.number", "frame.time_epoch"])}
    links = {"tcpwave.handshake.rtt": ("tcpwave.handshake.syn_frame", "tcpwave.handshake.ack_frame"),
             "tcpwave.close.fin_gap": ("tcpwave.close.fin1_frame", "tcpwave.close.fin2_frame"),
             "tcpwave.close.duration": ("tcpwave.close.fin1_frame", "tcpwave.close.final_ack_frame")}
    checked = 0
    for n, layer in segments(frames):
        for name, (a, b) in links.items():
            value = layer.one(name)
            if value is None:
                continue
            ends = [int(layer.one(x)) if layer.one(x) else n for x in (a, b)]
            want = stamp[ends[1]] - stamp[ends[0]]
            assert want >= 0 and Decimal(value) == want, f"frame {n}: {name} {value}, timestamps say {want}"
            checked += 1
    assert checked > 0
    rtt_2 = [layer.one("tcpwave.handshake.rtt") for n, layer in segments(frames) if layer.stream == 2]
    assert rtt_2 == [None] * len(rtt_2)


# ---- sequence numbers ----------------------------------------------------------

def test_seq_wrap_jumps(tshark):
    """seq-wrap-jumps.pcap: the client's data crosses 2^32 twice in jumps of
    2^30 bytes.  All modulo 2^32 (RFC 9293 3.4): each segment brings new data
    (role data, never a retransmission), each ACK is an ACK, then the reply
    and a four-way close."""
    frames = dissect(tshark, HOSTILE / "seq-wrap-jumps.pcap")
    rows = [layer.row() for _, layer in segments(frames)]
    transfer = [("client", "data", "ESTABLISHED", "ESTABLISHED"), ("server", "ACK", "ESTABLISHED", "ESTABLISHED")]
    assert rows == FOUR_WAY[:3] + transfer * 10 + [FOUR_WAY[4], ("client", "ACK", "ESTABLISHED", "ESTABLISHED")] \
        + CLOSE


def test_seq_wrap_full_transfer(tshark, scratch):
    """A 5 GiB transfer from the server, every segment captured (snaplen 54,
    tcp.len from the IP length): the server's sequence numbers wrap past
    2^32 and past its ISN.  Made at test time (make_hostile.py
    --seqwrap-transfer 5).  Every server segment is data, none a
    retransmission; the close by the server is four-way."""
    pcap = make(scratch, "--seqwrap-transfer", 5)
    out = tshark.run("-r", pcap, "-T", "fields", "-e", "tcpwave.sender", "-e", "tcpwave.role").stdout
    rows = [tuple(line.split("\t")) for line in out.splitlines()]
    server_roles = {ROLES[int(r)] for s, r in rows[4:-4] if SIDES[int(s)] == "server"}
    assert server_roles == {"data"}
    assert [ROLES[int(r)] for _, r in rows[-4:]] == ["first FIN", "ACK of first FIN", "second FIN", "final ACK"]


# ---- floods ---------------------------------------------------------------------

def test_syn_flood_memory_and_time(tshark, scratch):
    """131072 SYNs from distinct addresses and ports (make_hostile.py
    --synflood, at test time), each its own connection: every one is a SYN,
    client SYN_SENT, server SYN_RECV.  The plugin's own tables
    (TCPWAVE_MEMSTATS=1) hold at most 512 bytes per connection, and the
    plugin at most quadruples tshark's time (plus 10 s): no per-connection
    cost that grows with the number of connections."""
    pcap = make(scratch, "--synflood", 131072)
    started = time.monotonic()
    p = run_env(tshark, {"TCPWAVE_MEMSTATS": "1"}, "-r", pcap, "-T", "fields", "-e", "tcpwave.role", "-e",
                "tcpwave.state.client", "-e", "tcpwave.state.server")
    with_plugin = time.monotonic() - started
    assert set(p.stdout.splitlines()) == {"1\t2\t3"}
    m = re.search(r"tcpwave memory: frames (\d+) records (\d+) connections (\d+) \|.* total (\d+)", p.stderr)
    assert m, p.stderr
    frames, records, connections, total = map(int, m.groups())
    assert frames == records == connections == 131072
    assert total / connections <= 512, f"{total / connections:.0f} bytes per connection"

    empty = scratch / "no-plugins"
    empty.mkdir()
    empty.chmod(0o755)
    started = time.monotonic()
    run_env(Tshark(str(empty)), {}, "-r", pcap, "-T", "fields", "-e", "frame.number")
    without = time.monotonic() - started
    assert with_plugin <= 4 * without + 10, f"{with_plugin:.1f}s with tcpwave, {without:.1f}s without"


def test_blind_rst_flood_resets_nothing(tshark):
    """rst-flood-blind.pcap: 300 forged RSTs (frames 6-305), each at least
    2^30 + 2^17 from the receiver's RCV.NXT.  An RST outside the receive
    window is dropped (RFC 9293 3.10.7.4 first check; RFC 5961 3.2): each
    keeps its role RST with the note that its receiver dropped it
    (tcpwave.expert.ignored, a rule of TCP's, not an unexplained segment),
    states stay ESTABLISHED, no reset is counted, and the connection carries
    on (request, reply) to its four-way close."""
    frames = dissect(tshark, HOSTILE / "rst-flood-blind.pcap")
    rows = segments(frames)
    flood = [(n, layer) for n, layer in rows if 6 <= n <= 305]
    assert len(flood) == 300
    wrong = [f"frame {n}: {layer.row()} {sorted(layer.experts)}" for n, layer in flood
             if layer.role != "RST" or "ignored" not in layer.experts or "unexpected" in layer.experts
             or (layer.state("client"), layer.state("server")) != ("ESTABLISHED", "ESTABLISHED")
             or layer.one("tcpwave.close.type") is not None]
    assert not wrong, f"{len(wrong)} RSTs taken as resets, e.g.\n" + "\n".join(wrong[:5])
    rest = [layer.row() for n, layer in rows if n > 305]
    assert rest == FOUR_WAY[3:]
    stats = outcomes(tshark, HOSTILE / "rst-flood-blind.pcap")
    assert stats["Reset"][0] == 0 and stats["Four-way close"][0] == 1


def test_rst_backscatter_marked_midstream(tshark):
    """rst-flood-backscatter.pcap: 500 lone RST+ACKs to distinct 4-tuples.
    Each is its own stream whose start was not captured: sides unknown and
    tcpwave.midstream set (docs/fields.md), with the midstream note."""
    rows = segments(dissect(tshark, HOSTILE / "rst-flood-backscatter.pcap"))
    assert len(rows) == 500 and len({layer.stream for _, layer in rows}) == 500
    for n, layer in rows:
        # a true boolean prints as 1 in 4.0, True from 4.2 on
        assert layer.sender == "unknown" and layer.one("tcpwave.midstream") in ("1", "True"), f"frame {n}"
        assert "midstream" in layer.experts, f"frame {n}"


def test_repeated_rst_counted_once(tshark):
    """rst-repeated.pcap: a reset (frame 6) then 100 copies of the same RST.
    One reset, initiated by the client; the copies are retransmissions
    (docs/fields.md: a second copy of an RST), CLOSED/CLOSED, without the
    reset note."""
    rows = segments(dissect(tshark, HOSTILE / "rst-repeated.pcap"))
    assert rows[5][1].row() == ("client", "RST", "CLOSED", "CLOSED") and "reset" in rows[5][1].experts
    for n, layer in rows[6:]:
        assert layer.row() == ("client", "retransmission", "CLOSED", "CLOSED"), f"frame {n}"
        assert "reset" not in layer.experts, f"frame {n}"
    assert outcomes(tshark, HOSTILE / "rst-repeated.pcap")["Reset"] == (1, 1, 0)


# ---- flags ----------------------------------------------------------------------

def odd_flag_streams(tshark):
    rows = by_stream(dissect(tshark, HOSTILE / "odd-flags.pcap"))
    assert len(rows) == 9
    return rows


@pytest.mark.parametrize("stream", [0, 1, 2], ids=["syn-fin", "syn-rst", "syn-fin-psh-urg"])
def test_lone_syn_with_fin_or_rst_opens_nothing(tshark, stream):
    """odd-flags.pcap streams 0-2: a lone SYN+FIN, SYN+RST, SYN+FIN+PSH+URG.
    Linux drops SYN+FIN (other/unexpected with a note); a listener ignores
    an RST (RFC 9293 3.10.7.2: role RST, with the note that its receiver
    dropped it); no endpoint in a connection state."""
    (n, layer), = odd_flag_streams(tshark)[stream]
    if stream == 1:
        assert layer.role == "RST" and "ignored" in layer.experts and "unexpected" not in layer.experts
    else:
        assert layer.role == "other/unexpected" and "unexpected" in layer.experts
    assert not {layer.state("client"), layer.state("server")} & CONNECTION_STATES


@pytest.mark.parametrize("stream", [3, 4, 5], ids=["fin-no-ack", "no-flags", "xmas"])
def test_segment_without_ack_is_dropped(tshark, stream):
    """odd-flags.pcap streams 3-5: in ESTABLISHED, a FIN without ACK, a segment
    with no flag carrying 8 bytes, FIN+PSH+URG without ACK.  'If the ACK bit
    is off drop the segment and return' (RFC 9293 3.10.7.4, fifth check):
    other/unexpected with a note, states unchanged; then request, reply and
    the four-way close as usual."""
    rows = [layer for _, layer in odd_flag_streams(tshark)[stream]]
    odd = rows[5]
    assert (odd.role, odd.state("client"), odd.state("server")) == ("other/unexpected", "ESTABLISHED",
                                                                    "ESTABLISHED")
    assert "unexpected" in odd.experts
    assert [layer.row() for layer in rows[:5] + rows[6:]] == FOUR_WAY[:5] + FOUR_WAY[3:]


def test_syn_rst_ack_refuses(tshark):
    """odd-flags.pcap stream 6: SYN answered by SYN+RST+ACK acknowledging it.
    RST is checked before SYN (RFC 9293 3.10.7.3): refused, both CLOSED, no
    reset note."""
    syn, rst = [layer for _, layer in odd_flag_streams(tshark)[6]]
    assert rst.row() == ("server", "RST", "CLOSED", "CLOSED")
    assert "refused" in rst.experts and "reset" not in rst.experts


@pytest.mark.parametrize("stream", [7, 8], ids=["rst", "fin"])
def test_probe_answer_opens_and_closes_nothing(tshark, stream):
    """odd-flags.pcap streams 7 and 8: a SYN+FIN probe (dropped), then RST+ACK
    or FIN+ACK from the server's port.  No connection was opened: nothing is
    reset or closed (no reset or close note, no close type, no close step)
    and no endpoint is in a connection state."""
    probe, answer = [layer for _, layer in odd_flag_streams(tshark)[stream]]
    assert not answer.experts & {"reset", "close"} and answer.one("tcpwave.close.type") is None
    assert not (answer.one("tcpwave.step") or "").startswith("close")
    assert not {answer.state("client"), answer.state("server")} & CONNECTION_STATES


# ---- reuse ----------------------------------------------------------------------

def test_tuple_reused_sixty_times(tshark):
    """tuple-reuse.pcap: 60 connections on one 4-tuple.  Each is its own
    stream with its own handshake; connection i ends four-way by the client
    (i % 3 = 0), four-way by the server (1) or reset by the client (2).  The
    SYN of connection i carries time_wait_reuse exactly when connection i-1
    left a side in TIME_WAIT (i % 3 = 1 or 2)."""
    streams = by_stream(dissect(tshark, HOSTILE / "tuple-reuse.pcap"))
    assert sorted(streams) == list(range(60))
    server_close = [("server", "first FIN", "CLOSE_WAIT", "FIN_WAIT1"),
                    ("client", "ACK of first FIN", "CLOSE_WAIT", "FIN_WAIT2"),
                    ("client", "second FIN", "LAST_ACK", "TIME_WAIT"),
                    ("server", "final ACK", "CLOSED", "TIME_WAIT")]
    for i in range(60):
        rows = streams[i]
        end = [CLOSE, server_close, [("client", "RST", "CLOSED", "CLOSED")]][i % 3]
        assert [layer.row() for _, layer in rows] == FOUR_WAY[:5] + end, f"connection {i}"
        assert ("time_wait_reuse" in rows[0][1].experts) == (i % 3 in (1, 2)), f"connection {i}"
    stats = outcomes(tshark, HOSTILE / "tuple-reuse.pcap")
    assert stats["Four-way close"] == (40, 20, 20) and stats["Reset"] == (20, 20, 0)


def test_replayed_capture_changes_nothing(tshark):
    """replayed-twice.pcap: a connection, then the same frames again.
    Duplicates change nothing (SEMANTICS.md): frames 10-18 leave the client
    TIME_WAIT and the server CLOSED, no second handshake or close is
    counted."""
    frames = dissect(tshark, HOSTILE / "replayed-twice.pcap")
    rows = segments(frames)
    assert [layer.row() for _, layer in rows[:9]] == FOUR_WAY
    for n, layer in rows[9:]:
        assert (layer.state("client"), layer.state("server")) == ("TIME_WAIT", "CLOSED"), f"frame {n}"
        assert not layer.experts & {"handshake", "close", "reset"}, f"frame {n}"
    assert total_connections(tshark, HOSTILE / "replayed-twice.pcap") == 1


# ---- ICMP -----------------------------------------------------------------------

def test_icmp_errors_change_nothing(tshark):
    """icmp-errors.pcap: 54 ICMP/ICMPv6 errors (frames 4-57) quoting TCP
    headers, forged, cut to 8 bytes, nested, or for 4-tuples never seen.
    None is a segment: no role; where a state is shown it is the
    connection's (ESTABLISHED/ESTABLISHED) and a quoted header with any
    tcpwave subtree says icmp_quoted; for a 4-tuple never seen no state is
    known, so none is shown.  The connection itself: handshake, request,
    reply, four-way close, sides known."""
    frames = dissect(tshark, HOSTILE / "icmp-errors.pcap")
    wrong = []
    for n in range(4, 58):
        for layer in frames[n]:
            if layer.role is not None:
                wrong.append(f"frame {n}: analysed as {layer.role}")
            states = (layer.state("client"), layer.state("server"))
            if states != (None, None) and states != ("ESTABLISHED", "ESTABLISHED"):
                wrong.append(f"frame {n}: states {states}")
            if "icmp_quoted" not in layer.experts:
                wrong.append(f"frame {n}: no icmp_quoted note")
    assert not wrong, "\n".join(wrong)
    assert [layer.row() for n, layer in segments(frames)] == FOUR_WAY


def test_icmp_quoted_syn_does_not_split_the_connection(tshark):
    """icmp-quoted-syn.pcap: a forged ICMP error (frame 5) quotes a SYN of the
    connection's 4-tuple with another ISN.  It is not a segment of the
    connection (docs/fields.md, icmp_quoted): the reply and the four-way close
    that follow are still that connection's, sides known, not mid-stream.
    (Wireshark gives them a new tcp.stream.)"""
    rows = [layer for _, layer in segments(dissect(tshark, HOSTILE / "icmp-quoted-syn.pcap"))]
    assert [layer.row() for layer in rows] == FOUR_WAY
    assert not any(layer.one("tcpwave.midstream") for layer in rows)


def test_colliding_tuples_stay_two_connections(tshark):
    """tuple-collision.pcap: two connections with distinct 4-tuples whose
    client endpoints collide under a 32-bit FNV-1a of address and port.
    Connection A (frames 1-4, 8-12) is a complete connection; B (frames 5-7)
    starts mid-stream with sequence numbers inside A's windows.  Distinct
    4-tuples are distinct connections (RFC 9293 3.2): A reads as the textbook
    connection, B on its own, mid-stream (sides guessed), and the statistics
    count two connections."""
    pcap = HOSTILE / "tuple-collision.pcap"
    frames = dissect(tshark, pcap)
    rows = segments(frames)
    a = [layer.row() for n, layer in rows if n not in (5, 6, 7)]
    assert a == FOUR_WAY
    for n, layer in rows:
        if n in (5, 6, 7):
            assert layer.sender == "unknown" and layer.one("tcpwave.midstream") in ("1", "True"), f"frame {n}: {layer.row()}"
    assert total_connections(tshark, pcap) == 2
