#!/usr/bin/python3
"""Build the captures of Zeek's conn_state and history tests: pcaps/zeek/.

    /usr/bin/python3 tests/craft/make_zeek_pcaps.py             # writes pcaps/zeek/
    /usr/bin/python3 tests/craft/make_zeek_pcaps.py --out /tmp/x

One TCP connection per file, each built to reach one Zeek conn_state or to
show one history letter; pcaps/zeek/README.md tells each story and
tests/expected/zeek.tsv holds the expected values, worked out by hand from
Zeek's source.  Everything is fixed (addresses, ports, ISNs, times), so a
rerun writes byte-identical files.  scapy computes every checksum except the
one bad-checksum.pcap spoils on purpose.  Classic little-endian pcap,
DLT_EN10MB, microsecond timestamps.

Client 10.0.0.1 port 400NN, server 10.0.0.2 port 12456 (no likely server
port for Zeek, no Wireshark dissector), except where a case needs Zeek's
port heuristic (WantConnection()): port 80 there.  ISNs: client 1000,
server 5000.  Windows 64240 unless a case sets 0.
"""

import argparse
import os
import sys

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import pcapkit  # noqa: E402  the one capture-file writer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLIENT, SERVER = "10.0.0.1", "10.0.0.2"
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"
SERVER_PORT = 12456
C_ISN, S_ISN = 1000, 5000
T0 = 1700000000  # 2023-11-14 22:13:20 UTC


class Conn:
    """Packets of one connection; c() from the client side, s() from the server."""

    def __init__(self, cport, sport=SERVER_PORT):
        self.cport, self.sport = cport, sport
        self.pkts = []

    def _add(self, from_client, flags, seq, ack, payload=b"", window=64240, bad_checksum=False):
        src, dst = (CLIENT, SERVER) if from_client else (SERVER, CLIENT)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        tcp = TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack if "A" in flags else 0, window=window)
        pkt = Ether(src=MAC_C if from_client else MAC_S, dst=MAC_S if from_client else MAC_C) / \
            IP(src=src, dst=dst, ttl=64, flags="DF", id=len(self.pkts) + 1) / tcp
        if payload:
            pkt = pkt / Raw(payload)
        if bad_checksum:
            pkt = Ether(bytes(pkt))
            pkt[TCP].chksum ^= 0x5555
        self.pkts.append(pkt)

    def c(self, *a, **k):
        self._add(True, *a, **k)

    def s(self, *a, **k):
        self._add(False, *a, **k)

    def handshake(self):
        self.c("S", C_ISN, 0)
        self.s("SA", S_ISN, C_ISN + 1)
        self.c("A", C_ISN + 1, S_ISN + 1)

    def write(self, path):
        with pcapkit.PcapWriter(path) as w:
            for i, p in enumerate(self.pkts):
                w.write(bytes(p), pcapkit.usec_ns(T0 + i * 0.01))


def cases():
    d10, d20, d50, d100 = b"a" * 10, b"b" * 20, b"c" * 50, b"d" * 100

    k = Conn(40101)  # S1: handshake and data, never closed
    k.handshake()
    k.c("PA", C_ISN + 1, S_ISN + 1, d10)
    k.s("A", S_ISN + 1, C_ISN + 11)
    k.s("PA", S_ISN + 1, C_ISN + 11, d20)
    k.c("A", C_ISN + 11, S_ISN + 21)
    yield "s1-open", k

    k = Conn(40102)  # S2: the client's FIN, unanswered
    k.handshake()
    k.c("FA", C_ISN + 1, S_ISN + 1)
    yield "s2-orig-fin", k

    k = Conn(40103)  # S3: the server's FIN, unanswered
    k.handshake()
    k.s("FA", S_ISN + 1, C_ISN + 1)
    yield "s3-resp-fin", k

    k = Conn(40104)  # RSTOS0: SYN, then the client's own RST
    k.c("S", C_ISN, 0)
    k.c("R", C_ISN + 1, 0)
    yield "rstos0", k

    k = Conn(40105, 80)  # RSTRH: SYN-ACK from port 80 (SYN not captured), then its RST
    k.s("SA", S_ISN, C_ISN + 1)
    k.s("R", S_ISN + 1, 0)
    yield "rstrh", k

    k = Conn(40106)  # SH: SYN, then the client's FIN
    k.c("S", C_ISN, 0)
    k.c("FA", C_ISN + 1, 0)
    yield "sh", k

    k = Conn(40107, 80)  # SHR: SYN-ACK from port 80, then its FIN
    k.s("SA", S_ISN, C_ISN + 1)
    k.s("FA", S_ISN + 1, C_ISN + 1)
    yield "shr", k

    k = Conn(40108)  # OTH: mid-stream data, no SYN
    k.c("PA", C_ISN + 1, S_ISN + 1, d100)
    k.s("A", S_ISN + 1, C_ISN + 101)
    yield "oth-midstream", k

    k = Conn(40109)  # REJ with both sides reset: SYN, own RST, the server's RST
    k.c("S", C_ISN, 0)
    k.c("R", C_ISN + 1, 0)
    k.s("RA", 0, C_ISN + 1)
    yield "rej-both-reset", k

    k = Conn(40110, 50110)  # H, s, ^: SYN-ACK captured before the SYN it answers
    k.c("SA", C_ISN, S_ISN + 1)
    k.s("S", S_ISN, 0)
    k.c("A", C_ISN + 1, S_ISN + 1)
    yield "synack-before-syn", k

    k = Conn(40111)  # W, w: zero windows
    k.handshake()
    k.c("PA", C_ISN + 1, S_ISN + 1, d10)
    k.s("A", S_ISN + 1, C_ISN + 11, window=0)
    k.c("A", C_ISN + 11, S_ISN + 1, window=0)
    yield "zero-window", k

    k = Conn(40112)  # C: a data segment with a bad checksum, then its good copy
    k.handshake()
    k.c("PA", C_ISN + 1, S_ISN + 1, d10, bad_checksum=True)
    k.c("PA", C_ISN + 1, S_ISN + 1, d10)
    k.s("A", S_ISN + 1, C_ISN + 11)
    yield "bad-checksum", k

    k = Conn(40113)  # G, g: data acknowledged that the capture never saw, then a clean close
    k.handshake()
    k.c("PA", C_ISN + 101, S_ISN + 1, d100)      # the client's first 100 bytes are missing
    k.s("A", S_ISN + 1, C_ISN + 201)
    k.s("PA", S_ISN + 51, C_ISN + 201, d50)      # the server's first 50 bytes are missing
    k.c("A", C_ISN + 201, S_ISN + 101)
    k.c("FA", C_ISN + 201, S_ISN + 101)
    k.s("FA", S_ISN + 101, C_ISN + 202)
    k.c("A", C_ISN + 202, S_ISN + 102)
    yield "content-gap", k

    k = Conn(40114)  # t (at 1 and 10), T: retransmitted payload
    k.handshake()
    for _ in range(11):
        k.s("PA", S_ISN + 1, C_ISN + 1, d20)
    k.c("PA", C_ISN + 1, S_ISN + 21, d10)
    k.c("PA", C_ISN + 1, S_ISN + 21, d10)
    yield "retransmissions", k

    k = Conn(40115)  # I: FIN and RST together
    k.handshake()
    k.c("FRA", C_ISN + 1, S_ISN + 1)
    yield "fin-rst", k

    k = Conn(40116)  # Q: SYN+FIN
    k.c("SF", C_ISN, 0)
    yield "syn-fin", k

    k = Conn(40117)  # q: SYN+RST from the server
    k.c("S", C_ISN, 0)
    k.s("SR", S_ISN, 0)
    yield "syn-rst-reply", k


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "pcaps"))
    args = ap.parse_args()
    out = os.path.join(args.out, "zeek")
    os.makedirs(out, exist_ok=True)
    for name, k in cases():
        k.write(os.path.join(out, name + ".pcap"))
        print(name)


if __name__ == "__main__":
    main()
