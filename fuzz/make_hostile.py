#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write tcpwave's hostile and odd captures into pcaps/hostile/ (deterministic).

    /usr/bin/python3 fuzz/make_hostile.py                # writes pcaps/hostile/*.pcap*
    /usr/bin/python3 fuzz/make_hostile.py --out DIR      # same, elsewhere
    /usr/bin/python3 fuzz/make_hostile.py --synflood N --out DIR   # DIR/synflood-N.pcap only
    /usr/bin/python3 fuzz/make_hostile.py --seqwrap-transfer GIB --out DIR

Each capture's story and what tcpwave must do with it are in
pcaps/hostile/README.md; tests/test_hostile.py checks it.  Frames are built
with tools/pcapkit.py (struct only: correct IPv4/IPv6/TCP/ICMP checksums);
every address, port, ISN, IP id and timestamp is fixed, and random choices
come from random.Random with a fixed seed, so reruns write identical files.
"""
import argparse
import io
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import pcapkit as pk  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
T0 = 1709294400 * 10**9          # 2024-03-01 12:00:00 UTC, in ns
MS = 10**6
SERVER_PORT = 12456              # unregistered in Wireshark: payload shows as data
REQUEST = b"GET /status\n"
REPLY = b"200 OK\n"


class Conn:
    """Segments of one TCP connection between client c and server s.

    Each side's SND.NXT advances with SYN, FIN and payload unless the segment
    is given an explicit seq; the ACK field defaults to the peer's SND.NXT.
    Frames go to `frames` as (bytes, time in ns, caplen or None)."""

    def __init__(self, frames, c, s, c_isn, s_isn, t=T0, c_port=40000, s_port=SERVER_PORT):
        self.frames = frames
        self.addr = {"c": (c, c_port), "s": (s, s_port)}
        self.nxt = {"c": c_isn & 0xFFFFFFFF, "s": s_isn & 0xFFFFFFFF}
        self.ident = {"c": 0x1000, "s": 0x2000}
        self.t = t

    def build(self, side, flags, payload=b"", seq=None, ack=None, options=None, window=502):
        peer = "s" if side == "c" else "c"
        fl = pk.flags_of(flags) if isinstance(flags, str) else flags
        if seq is None:
            seq = self.nxt[side]
            self.nxt[side] = (seq + len(payload) + bool(fl & pk.SYN) + bool(fl & pk.FIN)) & 0xFFFFFFFF
        if ack is None:
            ack = self.nxt[peer] if fl & pk.ACK else 0
        if options is None:
            tsval = (self.t // MS) & 0xFFFFFFFF
            if fl & pk.SYN:
                options = pk.tcp_options_syn(tsval)
            else:
                options = b"" if fl & pk.RST else pk.tcp_options_ts(tsval, tsval)
        (src, sport), (dst, dport) = self.addr[side], self.addr[peer]
        frame = pk.tcp_frame(src, dst, sport, dport, seq, ack, fl, payload, window, options, self.ident[side])
        self.ident[side] += 1
        return frame

    def send(self, side, flags, payload=b"", gap=MS, caplen=None, t=None, **kw):
        self.t = self.t + gap if t is None else t
        frame = self.build(side, flags, payload, **kw)
        self.frames.append((frame, self.t, caplen))
        return frame

    def handshake(self):
        self.send("c", "S")
        self.send("s", "SA")
        self.send("c", "A")

    def exchange(self):
        self.send("c", "PA", REQUEST)
        self.send("s", "PA", REPLY)

    def four_way(self, first="c"):
        other = "s" if first == "c" else "c"
        self.send(first, "FA")
        self.send(other, "A")
        self.send(other, "FA")
        self.send(first, "A")


def write_pcap(path, frames, nsec=False):
    with pk.PcapWriter(path, nsec=nsec) as w:
        for frame, t, caplen in frames:
            w.write(frame, t, caplen)


def basic(frames, c_port, t=T0, c="10.0.0.1", s="10.0.0.2", c_isn=0x10000000, s_isn=0x20000000):
    k = Conn(frames, c, s, c_isn, s_isn, t=t, c_port=c_port)
    k.handshake()
    k.exchange()
    k.four_way()
    return k


# ---- truncation -----------------------------------------------------------

def snaplen40():
    frames = []
    basic(frames, 41001)
    return [(f, t, 40) for f, t, _ in frames]


def snaplen54():
    """Four connections cut at 54 bytes: the fixed TCP header is whole for a
    plain IPv4 and for a VLAN-tagged one up to the window; IPv4 with 8 bytes
    of IP options leaves 12 TCP bytes (no flags); IPv6 leaves none."""
    frames = []
    basic(frames, 41011)                                   # plain IPv4: 20 TCP bytes
    vlan = []
    basic(vlan, 41012, t=T0 + 100 * MS)
    for f, t, _ in vlan:                                   # 802.1Q tag: 16 TCP bytes
        frames.append((f[:12] + b"\x81\x00\x00\x64" + f[12:], t, None))
    opts = []
    basic(opts, 41013, t=T0 + 200 * MS)
    for f, t, _ in opts:                                   # IPv4 + 8 bytes of options: 12 TCP bytes
        ip = f[14:]
        hdr = bytearray(ip[:20] + b"\x01\x01\x01\x01\x01\x01\x01\x00")   # NOPs, EOL
        hdr[0] = 0x47
        struct.pack_into("!H", hdr, 2, len(ip) + 8)
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, pk.checksum(bytes(hdr)))
        frames.append((f[:14] + bytes(hdr) + ip[20:], t, None))
    basic(frames, 41014, t=T0 + 300 * MS, c="fd00::1", s="fd00::2")   # IPv6: no TCP byte
    return [(f, t, 54) for f, t, _ in sorted(frames, key=lambda x: x[1])]


def synack_truncated():
    """The SYN-ACK is cut inside its TCP header (46 bytes: ports, seq, ack, no
    flags); everything else is whole."""
    frames = []
    basic(frames, 41021)
    f, t, _ = frames[1]
    frames[1] = (f, t, 46)
    return frames


def header_cuts():
    """A connection whose nine requests are captured with 12 to 20 bytes of
    TCP header (one each), then a whole reply and four-way close; and for each
    cut, a SYN on a 4-tuple of its own cut the same way.  Wireshark gives a
    segment tcp.stream once it has read 16 TCP bytes (4.0, 4.4) or 14 (4.6)."""
    frames = []
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41131)
    k.handshake()
    for n in range(12, 21):
        k.send("c", "PA", REQUEST, caplen=14 + 20 + n)
    k.send("s", "PA", REPLY)
    k.four_way()
    for n in range(12, 21):
        lone = Conn(frames, "10.0.0.1", "10.0.0.2", 0x30000000, 0x40000000, t=k.t + n * MS, c_port=41140 + n)
        lone.send("c", "S", caplen=14 + 20 + n)
    return frames


def syn_cut14():
    """A whole connection whose SYN alone is captured with 14 bytes of TCP
    header: ports, sequence and ACK numbers, data offset and flags, no more."""
    frames = []
    basic(frames, 41151)
    f, t, _ = frames[0]
    frames[0] = (f, t, 14 + 20 + 14)
    return frames


def exported_pdu_no_address(path):
    """One exported PDU (link type 252) that asks for the ip.proto table, value
    6, with no address tag: a TCP SYN reaches TCP (and tcpwave's hook) with
    no source or destination address at all."""
    def tlv(tag, value):
        return struct.pack(">HH", tag, len(value)) + value
    syn = pk.tcp_header(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 41161, SERVER_PORT, 0x10000000, 0, pk.SYN,
                        options=pk.tcp_options_syn(1))
    pdu = tlv(14, b"ip.proto") + tlv(32, struct.pack(">I", 6)) + tlv(0, b"") + syn
    with pk.PcapWriter(path, linktype=252) as w:
        w.write(pdu, T0)


def bogus_headers():
    """Segments whose TCP header length field or IP total length is wrong,
    injected into a normal connection, then the rest of it; last, a lone
    segment with data offset 0 on a 4-tuple of its own."""
    frames = []
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41031)
    k.handshake()
    k.exchange()
    seq, ack = k.nxt["c"], k.nxt["s"]
    for offset in (0, 1, 4, 15):                 # data offset < 5 words, or past the segment
        f = bytearray(k.build("c", "PA", b"x" * 8, seq=seq, ack=ack))
        f[14 + 20 + 12] = offset << 4
        k.t += MS
        frames.append((bytes(f), k.t, None))
    for total in (20, 24, 39):                   # IP total length ends inside the TCP header
        f = bytearray(k.build("c", "PA", b"y" * 8, seq=seq, ack=ack))
        struct.pack_into("!H", f, 14 + 2, total)
        struct.pack_into("!H", f, 14 + 10, 0)
        struct.pack_into("!H", f, 14 + 10, pk.checksum(bytes(f[14:34])))
        k.t += MS
        frames.append((bytes(f), k.t, None))
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.four_way()
    lone = Conn(frames, "10.0.0.1", "10.0.0.2", 0x50000000, 0x60000000, t=k.t, c_port=41032)
    f = bytearray(lone.build("c", "PA", b"x" * 8, ack=0x60000001))
    f[14 + 20 + 12] = 0
    frames.append((bytes(f), k.t + MS, None))
    return frames


# ---- capture files ------------------------------------------------------

def whole_frames():
    frames = []
    basic(frames, 41041)
    return frames


def whole_file_bytes():
    """A complete connection as the bytes of a classic pcap file."""
    out = io.BytesIO()
    with pk.PcapWriter(out) as w:
        for f, t, _ in whole_frames():
            w.write(f, t)
    return out.getvalue()


def capture_files(out):
    """Zero-length and corrupt capture files."""
    good = whole_file_bytes()
    header = good[:24]
    files = {
        "empty.pcap": b"",
        "header-only.pcap": header,
        "short-header.pcap": header[:10],
        "cut-mid-record.pcap": good[: len(good) - 30],
        "bogus-caplen.pcap": good[:24 + 16 + 74] + struct.pack("<IIII", 1709294400, 0, 0xFFFFFFF0, 0xFFFFFFF0)
        + b"\0" * 64,
        "bad-linktype.pcap": header[:20] + struct.pack("<I", 0xFFFF) + good[24:],
    }
    rng = random.Random(5)
    files["garbage.pcap"] = header + bytes(rng.randrange(256) for _ in range(4096))
    files["garbage-nomagic.bin"] = bytes(rng.randrange(256) for _ in range(4096))
    ng = bytearray(pk.pcapng_bytes([(f, t // 1000) for f, t, _ in whole_frames()], tsresol=6))
    bad = bytearray(ng)
    struct.pack_into("<I", bad, len(ng) - 4, 0x7FFFFFF1)  # trailing block length disagrees
    files["corrupt.pcapng"] = bytes(bad)
    zero = bytearray(ng)
    second_block = struct.unpack_from("<I", ng, 4)[0]
    struct.pack_into("<I", zero, second_block + 4, 0)     # an IDB of length 0
    files["zero-block.pcapng"] = bytes(zero)
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)


# ---- no TCP -------------------------------------------------------------

def no_tcp():
    frames = []
    t = T0
    for i in range(5):
        t += MS
        q = struct.pack("!HHHHHH", 0x1000 + i, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
        frames.append((pk.udp_frame("10.0.0.1", "10.0.0.53", 50000 + i, 53, q), t, None))
    for i in range(3):
        t += MS
        echo = struct.pack("!BBHHH", 8, 0, 0, 0x4242, i) + b"ping" * 8
        echo = echo[:2] + struct.pack("!H", pk.checksum(echo)) + echo[4:]
        frames.append((pk.ether(pk.ipv4("10.0.0.1", "10.0.0.2", 1, echo)), t, None))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, pk.MAC_A, bytes([10, 0, 0, 1]), b"\0" * 6,
                      bytes([10, 0, 0, 2]))
    frames.append((pk.ether(arp, 0x0806, dst=b"\xff" * 6), t + MS, None))
    # A UDP datagram on port 12456 carrying TCP-looking bytes: still not TCP.
    fake = pk.tcp_header(bytes(4), bytes(4), 40000, 12456, 1, 0, pk.SYN)
    frames.append((pk.udp_frame("10.0.0.1", "10.0.0.2", 40000, 12456, fake), t + 2 * MS, None))
    return frames


# ---- timestamps ---------------------------------------------------------

def time_backwards():
    """Two connections.  1: the handshake ACK is stamped 5 s before the SYN
    (a clock stepped back between them).  2: the final ACK is stamped 1 h
    before the first FIN, and the peer's FIN 2 s before it."""
    frames = []
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41051)
    k.send("c", "S", t=T0 + 10 * 10**9)
    k.send("s", "SA", t=T0 + 10 * 10**9 + MS)
    k.send("c", "A", t=T0 + 5 * 10**9)
    k.exchange()
    k.four_way()
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x30000000, 0x40000000, c_port=41052, t=T0 + 20 * 10**9)
    k.handshake()
    k.exchange()
    base = k.t
    k.send("c", "FA", t=base + 3600 * 10**9)
    k.send("s", "A", t=base + 3600 * 10**9 + MS)
    k.send("s", "FA", t=base + 3598 * 10**9)
    k.send("c", "A", t=base + 10 * MS)
    return frames


def time_extremes():
    """pcapng, if_tsresol 10^0 (one unit per second): connection 0 runs from
    the epoch to 2^33 s (year 2242); connection 1 starts at 2^34 s (year
    2514, past what nanoseconds fit in 64 bits) and lasts 8 s; connection 2
    goes from 2^34 s back to 1 s; connection 3 starts at 2^64 - 5e9 units,
    which Wireshark reads as -5e9 s (1811 BC), and its handshake ACK comes
    at +5e9 s (2128): 1e10 s, more nanoseconds than int64 holds."""
    rows = []
    for port, stamps in ((41061, [0, 1, 2**33, 2**33 + 1, 2**33 + 2, 2**33 + 3, 2**33 + 4, 2**33 + 5, 2**33 + 6]),
                         (41062, [2**34 + i for i in range(9)]),
                         (41063, [2**34, 2**34 + 1, 1, 2, 3, 4, 5, 6, 7]),
                         (41064, [2**64 - 5 * 10**9, 2**64 - 5 * 10**9 + 1] + [5 * 10**9 + i for i in range(7)])):
        frames = []
        basic(frames, port)
        rows += [(f, ts) for (f, _, _), ts in zip(frames, stamps)]
    return pk.pcapng_bytes(rows, tsresol=0)


# ---- sequence numbers ---------------------------------------------------

def seq_wrap_jumps():
    """ISNs 0xFFFFFFFF (client) and 0x7FFFFFFF (server).  The client's data
    crosses 2^32 twice: each captured segment of 1000 bytes is 2^30 bytes
    after the previous one (the bytes between were not captured), the
    server ACKs everything so far each time; then a four-way close."""
    frames = []
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0xFFFFFFFF, 0x7FFFFFFF, c_port=41071)
    k.handshake()
    for i in range(10):
        k.nxt["c"] = (k.nxt["c"] + (2**30 - 1000 if i else 0)) & 0xFFFFFFFF
        k.send("c", "PA", b"d" * 1000)
        k.send("s", "A")
    k.send("s", "PA", REPLY)
    k.send("c", "A")
    k.four_way()
    return frames


def seq_wrap_transfer(gib, out):
    """A transfer of `gib` GiB from the server, every byte captured, written
    with snaplen 54 (TCP options and payload cut: tcp.len still comes from
    the IP length).  65483-byte segments (TSO size), an ACK every 16."""
    path = os.path.join(out, f"seqwrap-{gib}gib.pcap")
    k = Conn([], "10.0.0.1", "10.0.0.2", 0xF0000000, 0xFFFF0000, c_port=41072)
    size = 65483
    total = gib * 2**30
    with pk.PcapWriter(path, snaplen=54) as w:
        def flush():
            for f, t, cap in k.frames:
                w.write(f, t, cap)
            k.frames.clear()
        k.handshake()
        k.send("c", "PA", REQUEST)
        sent = n = 0
        payload = b"\0" * size
        while sent < total:
            chunk = payload if total - sent >= size else payload[: total - sent]
            k.send("s", "A", chunk, gap=10000)
            sent += len(chunk)
            n += 1
            if n % 16 == 0:
                k.send("c", "A", gap=1000)
                flush()
        k.send("c", "A")
        k.four_way(first="s")
        flush()
    return path


# ---- floods -------------------------------------------------------------

def synflood(n, out, answered=False):
    """n SYNs from 198.18.x.y (RFC 2544 benchmark space), every one from a
    distinct address and port, to 10.0.0.2:80, 1 us apart.  Fast: one
    template, patched per SYN."""
    path = os.path.join(out, f"synflood-{n}.pcap")
    rng = random.Random(n)
    with pk.PcapWriter(path) as w:
        t = T0
        for i in range(n):
            src = f"198.18.{(i >> 8) & 0xFF}.{i & 0xFF}" if n <= 65536 else \
                f"198.{18 + (i >> 16)}.{(i >> 8) & 0xFF}.{i & 0xFF}"
            sport = 1024 + (i * 7919) % 64000
            w.write(pk.tcp_frame(src, "10.0.0.2", sport, 80, rng.getrandbits(32), 0, pk.SYN, window=1024,
                                 ident=i), t)
            t += 1000
    return path


def rst_flood_blind():
    """An established connection bombarded with 300 spoofed RSTs (150 from
    each side's address and port) whose sequence numbers are far outside any
    receive window (at least 2^30 + 2^17 away from the receiver's RCV.NXT);
    the connection then carries on and closes four-way."""
    frames = []
    rng = random.Random(81)
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41081)
    k.handshake()
    k.exchange()
    for i in range(300):
        side = "c" if i % 2 == 0 else "s"
        far = rng.randrange(2**30 + 2**17, 2**32 - 2**30 - 2**17)
        k.send(side, "R", seq=(k.nxt[side] + far) & 0xFFFFFFFF, ack=0, gap=10000)
    k.exchange()
    k.four_way()
    return frames


def rst_flood_backscatter():
    """500 RST+ACKs from 10.0.0.2:80 to 500 distinct spoofed sources: the
    backscatter of a SYN flood with forged addresses.  No other segment."""
    frames = []
    rng = random.Random(82)
    t = T0
    for i in range(500):
        t += 100000
        dst = f"203.0.113.{i % 250 + 1}"
        frames.append((pk.tcp_frame("10.0.0.2", dst, 80, 1024 + i, 0, rng.getrandbits(32), pk.RST | pk.ACK,
                                    window=0), t, None))
    return frames


def rst_repeated():
    """An established connection reset by the client (RST at the exact
    RCV.NXT), then the same RST 100 more times, 1 ms apart."""
    frames = []
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41083)
    k.handshake()
    k.exchange()
    rst = k.send("c", "RA", options=b"")
    for _ in range(100):
        k.t += MS
        frames.append((rst, k.t, None))
    return frames


# ---- flags ----------------------------------------------------------------

def odd_flags():
    """One stream per case (client ports 41091...):
    1 SYN+FIN as the first segment (a scan), nothing else;
    2 SYN+RST as the first segment, nothing else;
    3 SYN+FIN+PSH+URG as the first segment;
    4 established, then a FIN without ACK at the client's exact SND.NXT,
      then normal data and a four-way close;
    5 established, then a segment with no flag at all carrying 8 bytes,
      then normal data and a four-way close;
    6 established, then FIN+PSH+URG (nmap's Xmas probe, no ACK) at the
      exact SND.NXT, then a four-way close;
    7 SYN, then SYN+RST+ACK from the server acknowledging the SYN, then
      nothing;
    8 SYN+FIN as the first segment, answered by RST+ACK from the server's
      port (a closed port answers a probe), nothing else;
    9 SYN+FIN as the first segment, then FIN+ACK from the server's port."""
    frames = []
    t = T0
    for port, flags in ((41091, pk.SYN | pk.FIN), (41092, pk.SYN | pk.RST), (41093, pk.SYN | pk.FIN | pk.PSH | pk.URG)):
        k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000 + port, 0x20000000, t=t, c_port=port)
        k.send("c", flags, options=b"")
        t += 100 * MS
    for port, flags, payload in ((41094, pk.FIN, b""), (41095, 0, b"nullscan"), (41096, pk.FIN | pk.PSH | pk.URG, b"")):
        k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000 + port, 0x20000000, t=t, c_port=port)
        k.handshake()
        k.exchange()
        k.send("c", flags, payload, seq=k.nxt["c"], ack=0, options=b"")
        k.send("c", "PA", REQUEST)
        k.send("s", "PA", REPLY)
        k.four_way()
        t += 100 * MS
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, t=t, c_port=41097)
    k.send("c", "S")
    k.send("s", pk.SYN | pk.RST | pk.ACK, options=b"")
    t += 100 * MS
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, t=t, c_port=41098)
    k.send("c", pk.SYN | pk.FIN, options=b"")
    k.send("s", "RA", seq=0, ack=k.nxt["c"], options=b"")
    t += 100 * MS
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, t=t, c_port=41099)
    k.send("c", pk.SYN | pk.FIN, options=b"")
    k.send("s", "FA", ack=k.nxt["c"])
    return sorted(frames, key=lambda x: x[1])


# ---- reuse ----------------------------------------------------------------

def tuple_reuse(count=60):
    """`count` connections one after the other on the same 4-tuple
    10.0.0.1:41101 -> 10.0.0.2:12456, 10 ms apart, each with a new ISN 2^24
    above the previous one's (so the ISNs wrap around 2^32 as well).  The
    client closes first when i % 3 == 0, the server when i % 3 == 1; when
    i % 3 == 2 the client resets."""
    frames = []
    for i in range(count):
        k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x01000000 * (i + 1), 0x80000000 + 0x01000000 * i,
                 t=T0 + i * 10 * MS, c_port=41101)
        k.handshake()
        k.exchange()
        if i % 3 == 0:
            k.four_way("c")
        elif i % 3 == 1:
            k.four_way("s")
        else:
            k.send("c", "RA", options=b"")
    return frames


def replayed_twice():
    """One connection, then exactly the same frames again 60 s later (a
    capture merged with itself, or a replay with tcpreplay)."""
    frames = []
    basic(frames, 41111)
    return frames + [(f, t + 60 * 10**9, c) for f, t, c in frames]


# ---- ICMP -----------------------------------------------------------------

def icmp_errors():
    """Connection 10.0.0.1:41121 -> 10.0.0.2:12456 with ICMP errors arriving
    while it is established:
    - 50 "fragmentation needed" errors from a router 10.0.0.254 quoting 68
      bytes of client segments with random sequence and acknowledgement
      numbers and the flags FIN+ACK, RST+ACK, PSH+ACK or ACK in turn;
    - an error quoting only 8 bytes of the TCP header (RFC 792's minimum);
    - an error quoting an ICMP error that quotes the client's FIN (nested);
    - an ICMPv6 error quoting the SYN of an IPv6 4-tuple never seen;
    - an ICMP port unreachable quoting the SYN of an IPv4 4-tuple never seen;
    then request, reply and a four-way close by the client."""
    frames = []
    rng = random.Random(121)
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41121)
    k.handshake()
    for i in range(50):
        fl = ["FA", "RA", "PA", "A"][i % 4]
        quoted = k.build("c", fl, b"z" * 40, seq=rng.getrandbits(32), ack=rng.getrandbits(32))[14:14 + 68]
        k.t += MS
        frames.append((pk.icmp_error("10.0.0.254", "10.0.0.1", quoted, code=4, rest=1200), k.t, None))
    short = k.build("c", "PA", REQUEST, seq=k.nxt["c"], ack=k.nxt["s"])[14:14 + 28]
    k.t += MS
    frames.append((pk.icmp_error("10.0.0.254", "10.0.0.1", short), k.t, None))
    inner = pk.icmp_error("10.0.0.2", "10.0.0.1", k.build("c", "FA", seq=k.nxt["c"], ack=k.nxt["s"])[14:14 + 60])
    k.t += MS
    frames.append((pk.icmp_error("10.0.0.254", "10.0.0.2", inner[14:]), k.t, None))
    v6 = pk.tcp_frame("fd00::9", "fd00::10", 41122, 443, 7, 0, pk.SYN, options=pk.tcp_options_syn(1))
    k.t += MS
    frames.append((pk.icmpv6_error("fd00::fe", "fd00::9", v6[14:]), k.t, None))
    ghost = pk.tcp_frame("10.0.0.1", "10.0.0.3", 41123, 443, 99, 0, pk.SYN, options=pk.tcp_options_syn(1))
    k.t += MS
    frames.append((pk.icmp_error("10.0.0.3", "10.0.0.1", ghost[14:]), k.t, None))
    k.exchange()
    k.four_way()
    return frames


def icmp_quoted_syn():
    """Connection 10.0.0.1:41124 -> 10.0.0.2:12456: handshake, request;
    then a forged ICMP port unreachable (as if from the server) quoting a
    SYN of the same 4-tuple with another ISN; then the reply and a four-way
    close by the client."""
    frames = []
    k = Conn(frames, "10.0.0.1", "10.0.0.2", 0x10000000, 0x20000000, c_port=41124)
    k.handshake()
    k.send("c", "PA", REQUEST)
    quoted = k.build("c", "S", seq=0x77777777, ack=0)[14:14 + 60]
    k.t += MS
    frames.append((pk.icmp_error("10.0.0.2", "10.0.0.1", quoted), k.t, None))
    k.send("s", "PA", REPLY)
    k.four_way()
    return frames


def tuple_collision():
    """Two connections to 10.0.0.2:12456 from 198.18.112.73:54816 (A) and
    198.19.37.227:12328 (B): distinct 4-tuples, which Wireshark numbers as two
    streams.  (The two client endpoints were found by a birthday search to
    collide under a 32-bit FNV-1a of the address mixed with the port, as a
    hasty hash of the 4-tuple would.)  A: handshake and request.  B, whose
    start is not captured: a request with sequence numbers in A's windows,
    the reply, an ACK.  Then A's reply and four-way close."""
    frames = []
    a = Conn(frames, "198.18.112.73", "10.0.0.2", 0x10000000, 0x20000000, c_port=54816)
    a.handshake()
    a.send("c", "PA", REQUEST)
    b = Conn(frames, "198.19.37.227", "10.0.0.2", a.nxt["c"] + 50, a.nxt["s"], t=a.t, c_port=12328)
    b.send("c", "PA", REQUEST)
    b.send("s", "PA", REPLY)
    b.send("c", "A")
    a.t = b.t
    a.send("s", "PA", REPLY)
    a.four_way()
    return frames


SMALL = {
    "snaplen40.pcap": snaplen40,
    "snaplen54.pcap": snaplen54,
    "synack-truncated.pcap": synack_truncated,
    "bogus-headers.pcap": bogus_headers,
    "header-cuts.pcap": header_cuts,
    "syn-cut14.pcap": syn_cut14,
    "no-tcp.pcap": no_tcp,
    "time-backwards.pcap": time_backwards,
    "seq-wrap-jumps.pcap": seq_wrap_jumps,
    "rst-flood-blind.pcap": rst_flood_blind,
    "rst-flood-backscatter.pcap": rst_flood_backscatter,
    "rst-repeated.pcap": rst_repeated,
    "odd-flags.pcap": odd_flags,
    "tuple-reuse.pcap": tuple_reuse,
    "replayed-twice.pcap": replayed_twice,
    "icmp-errors.pcap": icmp_errors,
    "icmp-quoted-syn.pcap": icmp_quoted_syn,
    "tuple-collision.pcap": tuple_collision,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "pcaps", "hostile"))
    ap.add_argument("--synflood", type=int, metavar="N", help="write only synflood-N.pcap")
    ap.add_argument("--seqwrap-transfer", type=int, metavar="GIB", help="write only seqwrap-GIB.pcap")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.synflood:
        print(synflood(args.synflood, args.out))
        return
    if args.seqwrap_transfer:
        print(seq_wrap_transfer(args.seqwrap_transfer, args.out))
        return
    for name, make in SMALL.items():
        write_pcap(os.path.join(args.out, name), make())
    exported_pdu_no_address(os.path.join(args.out, "exported-pdu-no-address.pcap"))
    with open(os.path.join(args.out, "time-extremes.pcapng"), "wb") as fh:
        fh.write(time_extremes())
    capture_files(args.out)


if __name__ == "__main__":
    main()
