#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build tcpwave's fixture captures: the seed's two listings and the crafted cases.

Run with Debian's interpreter (it has python3-scapy) from anywhere:

    /usr/bin/python3 tests/craft/make_pcaps.py              # writes pcaps/seed, pcaps/crafted, pcaps/classes
    /usr/bin/python3 tests/craft/make_pcaps.py --out /tmp/x  # writes /tmp/x/seed, /tmp/x/crafted

Everything is fixed (addresses, ports, ISNs, IP ids, TCP timestamps, capture
times), so a rerun writes byte-identical files.  Packets are built with scapy,
which computes every IP/TCP/ICMP checksum; files are classic little-endian pcap
(DLT_EN10MB, microsecond timestamps) written with scapy's PcapWriter.  The
truncated capture is cut from a full one with editcap -s 54, as tcpdump -s 54
would have captured it.

pcaps/seed/README.md and pcaps/crafted/README.md tell each capture's story;
the expected plugin output is in tests/expected/, written by hand.
"""

import argparse
import calendar
import os
import struct
import subprocess
import sys
import tempfile

from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.inet6 import ICMPv6DestUnreach, IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import pcapkit  # noqa: E402  the one capture-file writer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

MAC_ZERO = "00:00:00:00:00:00"
MAC_CLIENT = "02:00:00:00:00:01"
MAC_SERVER = "02:00:00:00:00:02"
MAC_ROUTER = "02:00:00:00:00:fe"

SERVER_PORT = 12456          # the seed's server port, unregistered in Wireshark
GTP_U_PORT = 2152            # Wireshark decodes GTP on tcp.port 2152 by default
GTP_FLAGS_V1_PT = 0x30       # GTPv1, protocol type GTP, no optional fields
GTP_TYPE_G_PDU = 0xFF


def utc(year, month, day, hour, minute, second, usec):
    """(seconds, microseconds) since the epoch for a UTC wall-clock time."""
    secs = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return secs, usec


def add_usec(stamp, usec):
    secs, frac = stamp
    total = secs * 1000000 + frac + usec
    return total // 1000000, total % 1000000


def usec_between(first, later):
    return (later[0] - first[0]) * 1000000 + (later[1] - first[1])


def write_pcap(path, frames):
    """frames: list of (bytes, (sec, usec)). Classic pcap, little endian, microseconds."""
    with pcapkit.PcapWriter(path) as writer:
        for raw, (sec, usec) in frames:
            writer.write(raw, sec * 1_000_000_000 + usec * 1000)


# --------------------------------------------------------------------------
# A TCP endpoint and a connection between two of them.
# --------------------------------------------------------------------------

class Endpoint:
    def __init__(self, ip, port, mac, isn, ip_id, ts_base, window, wscale, mss):
        self.ip = ip
        self.port = port
        self.mac = mac
        self.isn = isn
        self.nxt = isn            # SND.NXT: next sequence number to send
        self.ip_id = ip_id        # next IPv4 identification value
        self.ts_base = ts_base    # TSval clock at the connection's time zero
        self.ts_recent = 0        # last TSval received from the peer (TSecr)
        self.window = window      # raw window field after the handshake
        self.wscale = wscale
        self.mss = mss

    def advance(self, nbytes):
        self.nxt = (self.nxt + nbytes) & 0xFFFFFFFF


class Connection:
    """Builds the segments of one TCP connection, in capture order.

    Sequence bookkeeping: each side's SND.NXT advances by SYN, FIN and payload
    unless the segment is sent with an explicit seq (retransmissions, probes).
    The ACK field defaults to the peer's SND.NXT, i.e. everything the peer has
    sent so far; cases where a side has not received everything pass ack=.
    """

    def __init__(self, frames, start, client, server, ipv6=False,
                 client_l2=None, server_l2=None):
        self.frames = frames
        self.now = start
        self.start = start
        self.c = client
        self.s = server
        self.ipv6 = ipv6
        # Link-layer addresses as seen at the capture point.
        self.client_l2 = client_l2 or (client.mac, server.mac)
        self.server_l2 = server_l2 or (server.mac, client.mac)

    def wait(self, usec):
        self.now = add_usec(self.now, usec)

    def elapsed_ms(self):
        return usec_between(self.start, self.now) // 1000

    def _ends(self, side):
        return (self.c, self.s) if side == "c" else (self.s, self.c)

    def ip_header(self, sender, receiver):
        if self.ipv6:
            return IPv6(src=sender.ip, dst=receiver.ip, hlim=64, fl=0)
        pkt = IP(src=sender.ip, dst=receiver.ip, ttl=64, flags="DF", id=sender.ip_id)
        sender.ip_id = (sender.ip_id + 1) & 0xFFFF
        return pkt

    def build(self, side, flags, payload=b"", seq=None, ack=None, options=None,
              window=None, sack=None, ts=True, socket_rst=False):
        """Return the bytes of one Ethernet frame carrying one TCP segment."""
        sender, receiver = self._ends(side)
        if seq is None:
            seq = sender.nxt
            consumed = len(payload) + ("S" in flags) + ("F" in flags)
            sender.advance(consumed)
        if ack is None:
            ack = receiver.nxt if "A" in flags else 0
        if options is None:
            tsval = sender.ts_base + self.elapsed_ms()
            if "S" in flags and "A" not in flags:
                options = [("MSS", sender.mss), ("SAckOK", b""),
                           ("Timestamp", (tsval, 0)), ("NOP", None),
                           ("WScale", sender.wscale)]
            elif "S" in flags:
                options = [("MSS", sender.mss), ("SAckOK", b""),
                           ("Timestamp", (tsval, sender.ts_recent)), ("NOP", None),
                           ("WScale", sender.wscale)]
            elif ("R" in flags and not socket_rst) or not ts:
                # A RST answering a segment for no socket (tcp_v4_send_reset)
                # carries no options.
                options = []
            else:
                options = [("NOP", None), ("NOP", None),
                           ("Timestamp", (tsval, sender.ts_recent))]
                if sack:
                    options += [("NOP", None), ("NOP", None), ("SAck", sack)]
            for kind, value in options:
                if kind == "Timestamp":
                    receiver.ts_recent = value[0]
        if window is None:
            if "R" in flags and not socket_rst:
                window = 0
            elif "S" in flags:
                window = 64240 if "A" not in flags else 65160
            else:
                window = sender.window
        tcp = TCP(sport=sender.port, dport=receiver.port, seq=seq, ack=ack,
                  flags=flags, window=window, options=options)
        l2_src, l2_dst = self.client_l2 if side == "c" else self.server_l2
        frame = Ether(src=l2_src, dst=l2_dst) / self.ip_header(sender, receiver) / tcp
        if payload:
            frame = frame / Raw(payload)
        return bytes(frame)

    def send(self, side, flags, payload=b"", gap_usec=1000, **kw):
        """Capture one segment gap_usec after the previous frame."""
        if self.frames:
            self.wait(gap_usec)
        raw = self.build(side, flags, payload, **kw)
        self.frames.append((raw, self.now))
        return raw

    def add_raw(self, raw, gap_usec=1000):
        if self.frames:
            self.wait(gap_usec)
        self.frames.append((raw, self.now))

    # Common sequences -----------------------------------------------------

    def handshake(self, gap_usec=1000):
        self.send("c", "S", gap_usec=gap_usec)
        self.send("s", "SA", gap_usec=gap_usec)
        self.send("c", "A", gap_usec=gap_usec)


def linux_pair(client_ip, client_port, server_ip, server_port, c_isn, s_isn,
               ipv6=False):
    mss = 1440 if ipv6 else 1460
    client = Endpoint(client_ip, client_port, MAC_CLIENT, c_isn, 0x1000,
                      100000, 502, 7, mss)
    server = Endpoint(server_ip, server_port, MAC_SERVER, s_isn, 0x2000,
                      700000, 509, 7, mss)
    return client, server


CRAFTED_T0 = utc(2024, 3, 1, 12, 0, 0, 0)


def new_case(c_isn, s_isn, client_port, ipv6=False, start=CRAFTED_T0, **kw):
    frames = []
    if ipv6:
        client, server = linux_pair("fd00::1", client_port, "fd00::2", SERVER_PORT,
                                    c_isn, s_isn, ipv6=True)
    else:
        client, server = linux_pair("10.0.0.1", client_port, "10.0.0.2", SERVER_PORT,
                                    c_isn, s_isn)
    return frames, Connection(frames, start, client, server, ipv6=ipv6, **kw)


# --------------------------------------------------------------------------
# Seed listings (pcaps/seed/)
# --------------------------------------------------------------------------

def seed_frame(src_port, dst_port, flags, seq, ack, window, options, payload,
               ip_id, stamp):
    ip = IP(src="127.0.0.1", dst="127.0.0.1", ttl=64, flags="DF", id=ip_id)
    tcp = TCP(sport=src_port, dport=dst_port, flags=flags, seq=seq, ack=ack,
              window=window, options=options)
    frame = Ether(src=MAC_ZERO, dst=MAC_ZERO) / ip / tcp
    if payload:
        frame = frame / Raw(payload)
    return bytes(frame), stamp


def syn_options(tsval, tsecr):
    return [("MSS", 65495), ("SAckOK", b""), ("Timestamp", (tsval, tsecr)),
            ("NOP", None), ("WScale", 11)]


def ts_options(tsval, tsecr):
    return [("NOP", None), ("NOP", None), ("Timestamp", (tsval, tsecr))]


def seed_four_way():
    """Listing 1: telnet 127.0.0.1 12456 from port 27749, 3 bytes, four-way close."""
    cli, srv = 27749, 12456
    c_isn, s_isn = 1527358664, 2031984515
    day = (2020, 4, 13)
    rows = [
        # (sender, flags, seq, ack, win, options, payload, ip_id, h, m, s, us)
        ("c", "S", c_isn, 0, 43690, syn_options(102124122, 0), b"",
         0x5A10, 2, 24, 3, 518594),
        ("s", "SA", s_isn, c_isn + 1, 43690, syn_options(102124122, 102124122), b"",
         0x0000, 22, 49, 27, 762588),
        ("c", "A", c_isn + 1, s_isn + 1, 22, ts_options(102124122, 102124122), b"",
         0x5A11, 2, 24, 3, 518636),
        ("c", "PA", c_isn + 1, s_isn + 1, 22, ts_options(102126076, 102124122), b"hi\n",
         0x5A12, 2, 24, 5, 472290),
        ("s", "A", s_isn + 1, c_isn + 4, 22, ts_options(102126076, 102126076), b"",
         0xC3E1, 2, 24, 5, 472304),
        ("c", "FA", c_isn + 4, s_isn + 1, 22, ts_options(102136219, 102126076), b"",
         0x5A13, 2, 24, 15, 614921),
        ("s", "A", s_isn + 1, c_isn + 5, 22, ts_options(102136259, 102136219), b"",
         0xC3E2, 2, 24, 15, 654843),
        ("s", "FA", s_isn + 1, c_isn + 5, 22, ts_options(102146219, 102136219), b"",
         0xC3E3, 2, 24, 25, 615242),
        ("c", "A", c_isn + 5, s_isn + 2, 22, ts_options(102146219, 102146219), b"",
         0x5A14, 2, 24, 25, 615276),
    ]
    return seed_rows(rows, cli, srv, day)


def seed_three_way():
    """Listing 2: telnet from port 25541; the server (12456) sends the first FIN."""
    cli, srv = 25541, 12456
    c_isn, s_isn = 2751955316, 2140744854
    day = (2020, 4, 13)
    rows = [
        ("c", "S", c_isn, 0, 43690, syn_options(54821043, 0), b"",
         0x7B20, 13, 15, 40, 439590),
        ("s", "SA", s_isn, c_isn + 1, 43690, syn_options(54821043, 54821043), b"",
         0x0000, 12, 3, 10, 399044),
        ("c", "A", c_isn + 1, s_isn + 1, 22, ts_options(54821043, 54821043), b"",
         0x7B21, 13, 15, 40, 439616),
        ("s", "FA", s_isn + 1, c_isn + 1, 22, ts_options(54838205, 54821043), b"",
         0x9E01, 13, 15, 57, 601816),
        ("c", "FA", c_isn + 1, s_isn + 2, 22, ts_options(54838206, 54838205), b"",
         0x7B22, 13, 15, 57, 602406),
        ("s", "A", s_isn + 2, c_isn + 2, 22, ts_options(54838206, 54838206), b"",
         0x9E02, 13, 15, 57, 602425),
    ]
    return seed_rows(rows, cli, srv, day)


def seed_rows(rows, cli, srv, day):
    frames = []
    for side, flags, seq, ack, win, opts, payload, ip_id, h, m, s, us in rows:
        sport, dport = (cli, srv) if side == "c" else (srv, cli)
        stamp = utc(day[0], day[1], day[2], h, m, s, us)
        frames.append(seed_frame(sport, dport, flags, seq, ack, win, opts, payload,
                                 ip_id, stamp))
    return frames


# --------------------------------------------------------------------------
# Crafted cases (pcaps/crafted/)
# --------------------------------------------------------------------------

REQUEST = b"GET /status\n"          # 12 bytes
REPLY = b"200 OK\n"                 # 7 bytes


def simultaneous_close():
    frames, k = new_case(0x11110000, 0x22220000, 40001)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.send("c", "A")
    # Both applications close at once; each FIN leaves before the other
    # arrives, so neither FIN's ACK field covers the peer's FIN.
    k.wait(500000)
    c_fin_seq = k.c.nxt
    k.send("c", "FA")                                  # client FIN
    k.send("s", "FA", ack=c_fin_seq, gap_usec=200)     # server FIN, ack excludes client FIN
    k.send("c", "A", gap_usec=800)                     # client ACKs server FIN
    k.send("s", "A", gap_usec=200)                     # server ACKs client FIN
    return frames


def retransmitted_fin():
    frames, k = new_case(0x33330000, 0x44440000, 40002)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "A")
    k.wait(300000)
    fin_seq = k.c.nxt
    k.send("c", "FA")                                  # first FIN (lost after the capture point)
    k.send("c", "FA", seq=fin_seq, gap_usec=204000)    # RTO: same FIN again
    k.send("s", "A")                                   # server ACKs the FIN
    k.send("s", "FA", gap_usec=50000)                  # server closes
    k.send("c", "A")
    return frames


def lost_final_ack():
    frames, k = new_case(0x55550000, 0x66660000, 40003)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "A")
    k.wait(300000)
    k.send("c", "FA")
    k.send("s", "A")
    s_fin_seq = k.s.nxt
    k.send("s", "FA", gap_usec=20000)
    k.send("c", "A")                                   # final ACK, lost after capture
    k.send("s", "FA", seq=s_fin_seq, gap_usec=204000)  # server's RTO: FIN again
    k.send("c", "A")                                   # client (TIME_WAIT) ACKs again
    return frames


def retransmitted_syn():
    frames, k = new_case(0x77770000, 0x88880000, 40004)
    syn_seq = k.c.nxt
    k.send("c", "S")
    k.send("c", "S", seq=syn_seq, gap_usec=1000000)    # initial RTO 1 s
    k.send("s", "SA")
    k.send("c", "A")
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "FA")                                  # merged: ACK of client FIN + own FIN
    k.send("c", "A")
    return frames


def midstream_data():
    frames, k = new_case(0x99990000, 0xAAAA0000, 40005)
    # Capture starts long after the handshake: advance both sides past it.
    k.c.advance(1 + 5000)
    k.s.advance(1 + 80000)
    k.c.ts_recent = k.s.ts_base
    k.s.ts_recent = k.c.ts_base
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.send("c", "A")
    k.wait(200000)
    k.send("c", "FA")
    k.send("s", "A")
    k.send("s", "FA", gap_usec=30000)
    k.send("c", "A")
    return frames


def midstream_synack():
    frames, k = new_case(0xBBBB0000, 0xCCCC0000, 40006)
    k.c.advance(1)                                     # its SYN was sent before the capture
    k.s.ts_recent = k.c.ts_base
    k.send("s", "SA")
    k.send("c", "A")
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.send("c", "A")
    k.wait(100000)
    k.send("s", "FA")                                  # the server closes first
    k.send("c", "A")
    k.send("c", "FA", gap_usec=40000)
    k.send("s", "A")
    return frames


def icmp_quote(raw_frame, limit):
    """The IP datagram inside an Ethernet frame, cut to `limit` bytes."""
    return raw_frame[14:14 + limit]


def icmp_frag_needed_v4():
    # The client reaches the server through a router (MAC_ROUTER) whose next
    # link has MTU 1200; capture on the client's interface.
    frames, k = new_case(0xDDDD0000, 0xEEEE0000, 40007,
                         client_l2=(MAC_CLIENT, MAC_ROUTER),
                         server_l2=(MAC_ROUTER, MAC_CLIENT))
    k.handshake()
    big = bytes((0x41 + i % 26) for i in range(1400))
    first_seq = k.c.nxt
    too_big = k.send("c", "PA", big)
    # Linux icmp_send() quotes as much of the datagram as fits in 576 bytes.
    quoted = icmp_quote(too_big, 576 - 20 - 8)
    icmp = (Ether(src=MAC_ROUTER, dst=MAC_CLIENT) /
            IP(src="10.0.0.254", dst="10.0.0.1", ttl=64, id=0x3000) /
            ICMP(type=3, code=4, nexthopmtu=1200) / Raw(quoted))
    k.add_raw(bytes(icmp), gap_usec=300)
    # Path MTU 1200: 1200 - 20 (IP) - 32 (TCP with timestamps) = 1148 bytes.
    k.send("c", "A", big[:1148], seq=first_seq, gap_usec=200)
    k.send("c", "PA", big[1148:], seq=(first_seq + 1148) & 0xFFFFFFFF, gap_usec=10)
    k.send("s", "A")
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "FA")
    k.send("c", "A")
    return frames


def icmpv6_port_unreachable():
    # A firewall on the server (ip6tables -j REJECT, default
    # icmp6-port-unreachable) rejects one segment; the rule is gone by the
    # time the client's RTO retransmits it.
    frames, k = new_case(0x12340000, 0x56780000, 40008, ipv6=True)
    k.handshake()
    seg_seq = k.c.nxt
    rejected = k.send("c", "PA", REQUEST)
    quoted = icmp_quote(rejected, 1280 - 40 - 8)        # the whole datagram fits in 1280
    icmp = (Ether(src=MAC_SERVER, dst=MAC_CLIENT) /
            IPv6(src="fd00::2", dst="fd00::1", hlim=64) /
            ICMPv6DestUnreach(code=4) / Raw(quoted))
    k.add_raw(bytes(icmp), gap_usec=300)
    k.send("c", "PA", REQUEST, seq=seg_seq, gap_usec=210000)
    k.send("s", "A")
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "A")
    k.send("s", "FA", gap_usec=20000)
    k.send("c", "A")
    return frames


def tcp_in_gtp():
    # Outer: a TCP connection to port 2152 carrying GTPv1-U G-PDUs, one per
    # segment.  Inner: a whole TCP connection between 192.168.100.1:50000 and
    # 192.168.100.2:12456 inside the tunnel.
    frames, outer = new_case(0x0A0A0000, 0x0B0B0000, 40009)
    outer.s.port = GTP_U_PORT
    inner_frames = []
    ic = Endpoint("192.168.100.1", 50000, MAC_CLIENT, 0x0C0C0000, 0x4000, 300000, 502, 7, 1400)
    is_ = Endpoint("192.168.100.2", SERVER_PORT, MAC_SERVER, 0x0D0D0000, 0x5000, 900000, 509, 7, 1400)
    inner = Connection(inner_frames, CRAFTED_T0, ic, is_)
    teid = 0x00000101

    def tunnel(side, flags, payload=b"", **kw):
        inner_frame = inner.build(side, flags, payload, **kw)
        inner_ip = inner_frame[14:]
        gpdu = struct.pack("!BBHI", GTP_FLAGS_V1_PT, GTP_TYPE_G_PDU, len(inner_ip), teid) + inner_ip
        inner.wait(1000)
        outer.send(side, "PA", gpdu)

    outer.handshake()
    tunnel("c", "S")
    tunnel("s", "SA")
    tunnel("c", "A")
    tunnel("c", "PA", REQUEST)
    tunnel("s", "A")
    tunnel("c", "FA")
    tunnel("s", "FA")
    tunnel("c", "A")
    outer.wait(100000)
    outer.send("c", "FA")
    outer.send("s", "FA")
    outer.send("c", "A")
    return frames


def reset_established():
    frames, k = new_case(0x13130000, 0x14140000, 40010)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "A")
    k.send("c", "PA", b"GET /more\n", gap_usec=50000)
    # The server application closes with unread data (or SO_LINGER 0):
    # Linux answers with RST,ACK and drops the connection.
    # tcp_send_active_reset() goes through tcp_transmit_skb(): timestamps
    # and the current window are included.
    k.send("s", "RA", gap_usec=300, socket_rst=True)
    return frames


def refused():
    frames, k = new_case(0x15150000, 0, 40011)
    k.send("c", "S")
    # No listener on 12456: the server's stack answers RST,ACK with seq 0
    # and ack = SYN's seq + 1 (RFC 9293 3.10.7.1).
    k.send("s", "RA", seq=0, ack=(k.c.isn + 1) & 0xFFFFFFFF, gap_usec=60)
    return frames


def syn_fin():
    frames, k = new_case(0x16160000, 0x17170000, 40012)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "A")
    # An injected SYN+FIN (with ACK, so Wireshark keeps it in the same
    # stream) at exactly the server's RCV.NXT.  RFC 9293 3.10.7.4 fourth:
    # SYN in a synchronized state -> challenge ACK, drop the segment.
    k.send("c", "FSA", seq=k.c.nxt, options=[], window=k.c.window, gap_usec=100000)
    k.send("s", "A", gap_usec=100)                     # challenge ACK
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "FA")
    k.send("c", "A")
    return frames


def syn_rst():
    frames, k = new_case(0x18180000, 0x19190000, 40013)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.send("c", "A")
    # SYN+RST (with ACK) at exactly the server's RCV.NXT.  RFC 9293
    # 3.10.7.4 checks RST (second) before SYN (fourth): the connection is reset.
    k.send("c", "SRA", seq=k.c.nxt, options=[], window=k.c.window, gap_usec=100000)
    return frames


def keepalive():
    frames, k = new_case(0x1A1A0000, 0x1B1B0000, 40014)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "A")
    # tcp_keepalive_time 60 s, tcp_keepalive_intvl 75 s on the client.
    k.send("c", "A", seq=(k.c.nxt - 1) & 0xFFFFFFFF, gap_usec=60000000)
    k.send("s", "A")
    # A second probe, BSD/Windows style: one garbage octet (RFC 9293 MAY-6).
    k.send("c", "A", b"\x00", seq=(k.c.nxt - 1) & 0xFFFFFFFF, gap_usec=75000000)
    k.send("s", "A")
    k.wait(5000000)
    k.send("c", "FA")
    k.send("s", "FA")
    k.send("c", "A")
    return frames


def reordering():
    frames, k = new_case(0x1C1C0000, 0x1D1D0000, 40015)
    k.handshake()
    k.send("c", "PA", REQUEST)
    # The server answers with three 100-byte segments E, F, G; F is delayed
    # in the network and reaches the client (capture point) after G.
    e_seq = k.s.nxt
    k.send("s", "A", b"E" * 100)
    k.send("c", "A")
    k.send("s", "A", b"G" * 100, seq=(e_seq + 200) & 0xFFFFFFFF, gap_usec=100)
    g_end = (e_seq + 300) & 0xFFFFFFFF
    k.s.nxt = g_end
    k.send("c", "A", ack=(e_seq + 100) & 0xFFFFFFFF,
           sack=((e_seq + 200) & 0xFFFFFFFF, g_end), gap_usec=50)
    k.send("s", "PA", b"F" * 100, seq=(e_seq + 100) & 0xFFFFFFFF, gap_usec=300)
    k.send("c", "A")
    # The client sends D, then closes; D is lost after the capture point,
    # so the server's ACK answering the FIN does not even cover D.
    d_seq = k.c.nxt
    k.send("c", "PA", b"D" * 100, gap_usec=20000)
    fin_seq = k.c.nxt
    k.send("c", "FA", gap_usec=100)
    k.send("s", "A", ack=d_seq, sack=(fin_seq, (fin_seq + 1) & 0xFFFFFFFF))
    k.send("c", "PA", b"D" * 100, seq=d_seq, gap_usec=1000)   # fast retransmit of D
    k.send("s", "A")                                   # acks D and the FIN
    k.send("s", "FA", gap_usec=10000)
    k.send("c", "A")
    return frames


def time_wait_reuse():
    frames, k = new_case(0x1E1E0000, 0x1F1F0000, 40016)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "A")
    k.send("s", "FA", gap_usec=20000)
    k.send("c", "A")
    # 1.5 s later, still within the client's 60 s TIME_WAIT, the client
    # connects again from the same port (net.ipv4.tcp_tw_reuse=1).  Linux's
    # tcp_twsk_unique() starts the new ISN at the old SND.NXT + 65535 + 2.
    new_isn = (k.c.nxt + 65535 + 2) & 0xFFFFFFFF
    k.c.isn = k.c.nxt = new_isn
    k.s.isn = k.s.nxt = 0x2F2F0000
    k.wait(1500000)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "FA")
    k.send("c", "A")
    return frames


def seq_wrap():
    frames, k = new_case(0xFFFFFFF0, 0xFFFFFFFA, 40017)
    k.handshake()
    k.send("c", "PA", b"ABCDEFGHIJKLMN")              # 14 bytes: 0xFFFFFFF1..0xFFFFFFFE
    k.send("s", "PA", b"wrap!\n")                     # 6 bytes: 0xFFFFFFFB..0x00000000
    k.wait(100000)
    k.send("c", "FA")                                 # FIN at 0xFFFFFFFF, acked by 0
    k.send("s", "A")
    k.send("s", "FA", gap_usec=20000)                 # FIN at 0x00000001
    k.send("c", "A")
    assert k.c.nxt == 0 and k.s.nxt == 2
    return frames


def truncated_full():
    """A dual-stack client: one IPv4 and then one IPv6 connection, full size."""
    frames, k4 = new_case(0x20200000, 0x21210000, 40018)
    k4.handshake()
    k4.send("c", "PA", REQUEST)
    k4.send("s", "PA", REPLY)
    k4.wait(100000)
    k4.send("c", "FA")
    k4.send("s", "A")
    k4.send("s", "FA", gap_usec=20000)
    k4.send("c", "A")
    c6, s6 = linux_pair("fd00::1", 40019, "fd00::2", SERVER_PORT,
                        0x22220000, 0x23230000, ipv6=True)
    k6 = Connection(frames, add_usec(k4.now, 1000000), c6, s6, ipv6=True)
    k6.handshake()
    k6.send("c", "PA", REQUEST)
    k6.send("s", "PA", REPLY)
    k6.wait(100000)
    k6.send("c", "FA")
    k6.send("s", "FA")
    k6.send("c", "A")
    return frames


def write_truncated(path):
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "full.pcap")
        write_pcap(full, truncated_full())
        subprocess.run(["editcap", "-F", "pcap", "-s", "54", full, path],
                       check=True, stdout=subprocess.DEVNULL)


SEED_CASES = {
    "seed-four-way.pcap": seed_four_way,
    "seed-three-way.pcap": seed_three_way,
}

CRAFTED_CASES = {
    "simultaneous-close.pcap": simultaneous_close,
    "retransmitted-fin.pcap": retransmitted_fin,
    "lost-final-ack.pcap": lost_final_ack,
    "retransmitted-syn.pcap": retransmitted_syn,
    "midstream-data.pcap": midstream_data,
    "midstream-synack.pcap": midstream_synack,
    "icmp-frag-needed.pcap": icmp_frag_needed_v4,
    "icmpv6-port-unreachable.pcap": icmpv6_port_unreachable,
    "tcp-in-gtp.pcap": tcp_in_gtp,
    "reset-established.pcap": reset_established,
    "refused.pcap": refused,
    "syn-fin.pcap": syn_fin,
    "syn-rst.pcap": syn_rst,
    "keepalive.pcap": keepalive,
    "reordering.pcap": reordering,
    "time-wait-reuse.pcap": time_wait_reuse,
    "seq-wrap.pcap": seq_wrap,
}



# --------------------------------------------------------------------------
# The defect classes found on real traffic (issue 11; pcaps/classes/)
# --------------------------------------------------------------------------

def request_reply_merged_close(k):
    """The request, the reply, then the client's FIN 50 ms later, the
    server's FIN+ACK and the final ACK (a three-way close)."""
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.send("c", "FA", gap_usec=50000)
    k.send("s", "FA")
    k.send("c", "A")


def both_fins_no_final_ack():
    """Class 1: a four-way close whose last ACK never reached the capture."""
    frames, k = new_case(0x10100000, 0x20200000, 41001)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "A")
    k.send("s", "FA", gap_usec=30000)
    return frames


def fin_retransmitted_with_ack():
    """Class 2: the FINs cross; the client's FIN goes again carrying the
    first ACK of the server's FIN."""
    frames, k = new_case(0x10110000, 0x20210000, 41002)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.send("c", "A")
    k.wait(200000)
    c_fin = k.c.nxt
    k.send("c", "FA")                              # client FIN
    k.send("s", "FA", ack=c_fin, gap_usec=200)     # server FIN, does not cover the client's
    k.send("c", "FA", seq=c_fin, gap_usec=200000)  # client's FIN again, now acking the server's
    k.send("s", "A", gap_usec=300)                 # server ACKs the client's FIN
    return frames


def server_direction_only():
    """Class 3: only the server's direction was captured (asymmetric routing)."""
    frames, k = new_case(0x10120000, 0x20220000, 41003)
    k.send("s", "SA", ack=k.c.isn + 1)             # the client's SYN took another path
    k.c.advance(1)
    k.c.advance(len(REQUEST))                      # the request, not captured
    k.send("s", "A", gap_usec=2000)                # acks the request
    k.send("s", "PA", REPLY, gap_usec=500)
    k.wait(100000)
    k.c.advance(1)                                 # the client's FIN, not captured
    k.send("s", "FA")                              # the server's FIN+ACK acknowledges it
    return frames                                  # (the client's last ACK: not captured)


def fast_open():
    """Class 4: TCP Fast Open (RFC 7413), the SYN's data acknowledged by the
    SYN-ACK; then a merged close."""
    frames, k = new_case(0x10130000, 0x20230000, 41004)
    k.send("c", "S", REQUEST)
    k.send("s", "SA")                              # ack = ISN + 1 + 12
    k.send("c", "A")
    k.send("s", "PA", REPLY)
    k.send("c", "FA", gap_usec=50000)
    k.send("s", "FA")
    k.send("c", "A")
    return frames


def fast_open_data_refused():
    """Class 4: the server takes the SYN but not its data (no valid cookie):
    the SYN-ACK acknowledges ISN + 1 and the client sends the data again."""
    frames, k = new_case(0x10140000, 0x20240000, 41005)
    isn = k.c.isn
    k.send("c", "S", REQUEST)
    k.c.nxt = isn + 1                              # only the SYN is acknowledged
    k.send("s", "SA")
    k.send("c", "PA", REQUEST)                     # the data again, with the handshake's ACK
    k.send("s", "PA", REPLY)
    k.send("c", "FA", gap_usec=50000)
    k.send("s", "FA")
    k.send("c", "A")
    return frames


def stale_ack_then_rst():
    """Class 5: the server still holds an older connection on the 4-tuple
    and answers the SYN with an ACK of that one; the client resets it
    (RST <SEQ=SEG.ACK>) and its retransmitted SYN opens the connection."""
    frames, k = new_case(0x10150000, 0x20250000, 41006)
    syn_isn = k.c.isn
    k.send("c", "S")
    stale_ack = 0x0BADF00D
    k.send("s", "A", seq=0x7777AAAA, ack=stale_ack, gap_usec=300)
    k.send("c", "R", seq=stale_ack, ack=0, gap_usec=100)
    k.send("c", "S", seq=syn_isn, gap_usec=1000000)  # RTO: the SYN again
    k.send("s", "SA")
    k.send("c", "A")
    request_reply_merged_close(k)
    return frames


def ack_before_fin():
    """Class 6: captured on a span port that reorders: the client's final
    ACK appears before the server's FIN it acknowledges."""
    frames, k = new_case(0x10160000, 0x20260000, 41007)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.wait(100000)
    k.send("c", "FA")
    k.send("s", "A")
    s_fin = k.s.nxt
    k.s.advance(1)                                 # the server's FIN, captured late
    k.send("c", "A", gap_usec=20000)               # acks it
    k.send("s", "FA", seq=s_fin, gap_usec=50)
    return frames


def handshake_ack_out_of_window():
    """Class 7: a handshake ACK far outside the server's receive window,
    then the real one."""
    frames, k = new_case(0x10170000, 0x20270000, 41008)
    k.send("c", "S")
    k.send("s", "SA")
    k.send("c", "A", seq=(k.c.nxt + 5000000) & 0xFFFFFFFF)
    k.send("c", "A")
    request_reply_merged_close(k)
    return frames


def rst_acceptance():
    """Class 8: the same exact RST with and without the ACK of the data
    before it (both reset); an RST ahead of RCV.NXT inside the window
    (challenge ACK, nothing reset), then the exact one."""
    frames = []
    start = CRAFTED_T0
    for port, with_ack in ((41009, True), (41010, False)):
        _, k = new_case(0x10180000 + port, 0x20280000 + port, port, start=start)
        k.frames = frames
        k.handshake()
        k.send("c", "PA", REQUEST)
        if with_ack:
            k.send("s", "A")
        k.send("c", "RA", socket_rst=True)
        start = add_usec(k.now, 1000)
    _, k = new_case(0x101A0000, 0x202A0000, 41011, start=start)
    k.frames = frames
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "A")
    k.send("c", "RA", seq=(k.c.nxt + 1000) & 0xFFFFFFFF, socket_rst=True)  # ahead: challenge ACK
    k.send("s", "A")                                                        # the challenge ACK
    k.send("c", "RA", socket_rst=True)                                      # at RCV.NXT
    return frames


def rst_labels():
    """Class 9: the client closes, the server resets; the client's ACK of
    the server's data was already on its way (it crosses the RST); the
    client's own RST answering nothing is no copy of the server's; the
    server's RST again is."""
    frames, k = new_case(0x101B0000, 0x202B0000, 41012)
    k.handshake()
    k.send("c", "PA", REQUEST)
    k.send("s", "PA", REPLY)
    k.wait(100000)
    k.send("c", "FA")
    rst_seq = k.s.nxt
    k.send("s", "RA", seq=rst_seq, socket_rst=True)
    k.send("c", "A", gap_usec=100)                 # sent before the RST arrived
    k.send("c", "R", seq=k.c.nxt, ack=0, gap_usec=100)
    k.send("s", "RA", seq=rst_seq, socket_rst=True, gap_usec=100)
    return frames



def tuple_hash_collision(ipv6):
    """Class 11: two clients whose addresses have the same 32-bit FNV-1a hash
    (the hash tcpwave once compared instead of the addresses), same port and
    server, the second SYN with the first's ISN, interleaved: two
    connections, never one."""
    if ipv6:
        a, b, server = "fd00::1:8629:dba:3e5e:2cd8", "fd00::1:428b:5047:6918:2560", "fd00::2"
    else:
        a, b, server = "173.61.138.230", "137.134.30.225", "10.0.0.2"
    frames = []
    conns = []
    for ip in (a, b):
        client, srv = linux_pair(ip, 41020, server, SERVER_PORT, 0x10200000, 0x20300000 + len(conns),
                                 ipv6=ipv6)
        conns.append(Connection(frames, CRAFTED_T0, client, srv, ipv6=ipv6))
    ka, kb = conns
    ka.send("c", "S")
    kb.now = ka.now
    kb.send("c", "S")                              # same ISN, same port, the colliding address
    ka.now = kb.now
    ka.send("s", "SA")
    kb.now = ka.now
    kb.send("s", "SA")
    for k in (ka, kb):
        k.now = max(ka.now, kb.now)
        k.send("c", "A")
    for k in (ka, kb):
        k.now = max(ka.now, kb.now)
        k.send("c", "PA", REQUEST)
        k.send("s", "PA", REPLY)
    for k in (ka, kb):
        k.now = max(ka.now, kb.now)
        k.send("c", "FA")
        k.send("s", "FA")
        k.send("c", "A")
    return frames

CLASS_CASES = {
    "both-fins-no-final-ack.pcap": both_fins_no_final_ack,
    "fin-retransmitted-with-ack.pcap": fin_retransmitted_with_ack,
    "server-direction-only.pcap": server_direction_only,
    "fast-open.pcap": fast_open,
    "fast-open-data-refused.pcap": fast_open_data_refused,
    "stale-ack-then-rst.pcap": stale_ack_then_rst,
    "ack-before-fin.pcap": ack_before_fin,
    "handshake-ack-out-of-window.pcap": handshake_ack_out_of_window,
    "rst-acceptance.pcap": rst_acceptance,
    "rst-labels.pcap": rst_labels,
    "tuple-hash-collision-v4.pcap": lambda: tuple_hash_collision(False),
    "tuple-hash-collision-v6.pcap": lambda: tuple_hash_collision(True),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=os.path.abspath, default=os.path.join(ROOT, "pcaps"),
                        help="folder that receives seed/, crafted/ and classes/ (default: the repository's pcaps/)")
    opts = parser.parse_args()
    seed_dir = os.path.join(opts.out, "seed")
    crafted_dir = os.path.join(opts.out, "crafted")
    classes_dir = os.path.join(opts.out, "classes")
    os.makedirs(seed_dir, exist_ok=True)
    os.makedirs(crafted_dir, exist_ok=True)
    os.makedirs(classes_dir, exist_ok=True)
    for name, build in SEED_CASES.items():
        write_pcap(os.path.join(seed_dir, name), build())
    for name, build in CRAFTED_CASES.items():
        write_pcap(os.path.join(crafted_dir, name), build())
    write_truncated(os.path.join(crafted_dir, "truncated-snaplen54.pcap"))
    for name, build in CLASS_CASES.items():
        write_pcap(os.path.join(classes_dir, name), build())
    return 0


if __name__ == "__main__":
    sys.exit(main())
