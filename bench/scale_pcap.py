#!/usr/bin/python3
"""Repeat a pcap file until it has at least N packets, each copy a new set of connections.

  scale_pcap.py --packets 1000000 base.pcap out.pcap

Copy k (k = 0, 1, ...) of the base is shifted so that its connections are
distinct from every other copy's:
  - IPv4 addresses: k added to the second and third octets (k mod 65536, as a
    16-bit number), the first and last octets kept (private stays private);
  - IPv6 addresses: k added to the third and fourth bytes (the second 16-bit
    group);
  - times: after the previous copy's last packet, with the base's own spacing.
Both directions of a connection get the same shift, so it stays one
connection.  The IPv4 header checksum and the TCP/UDP checksum (whose
pseudo-header holds the addresses) are updated (RFC 1624), so a checksum
that was right stays right.  Headers are found through Ethernet and 802.1Q /
802.1ad tags; anything else (other EtherTypes, tunnels' inner headers, the
headers quoted by ICMP errors) is copied unchanged.  The base must be pcap
(microseconds) with link type Ethernet.
"""
import argparse
import struct
import sys

ETH, VLAN_TYPES, IPV4, IPV6 = 1, (0x8100, 0x88A8, 0x9100), 0x0800, 0x86DD
TCP, UDP = 6, 17


def csum_add(c, old, new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), 16-bit words old -> new."""
    c = (~c & 0xFFFF) + (~old & 0xFFFF) + new
    c = (c & 0xFFFF) + (c >> 16)
    c = (c & 0xFFFF) + (c >> 16)
    return ~c & 0xFFFF


def fix_l4(b, off, proto, words):
    """Update the TCP or UDP checksum at b[off:] for the changed words [(old, new)]."""
    pos = off + (16 if proto == TCP else 6)
    if pos + 2 > len(b):
        return
    c = struct.unpack_from("!H", b, pos)[0]
    if proto == UDP and c == 0:
        return  # no checksum
    for old, new in words:
        c = csum_add(c, old, new)
    if proto == UDP and c == 0:
        c = 0xFFFF
    struct.pack_into("!H", b, pos, c)


def shift(b, k):
    """Shift the addresses of the Ethernet frame b (a bytearray) by copy number k."""
    if k == 0 or len(b) < 14:
        return
    off, etype = 14, struct.unpack_from("!H", b, 12)[0]
    while etype in VLAN_TYPES and off + 4 <= len(b):
        etype = struct.unpack_from("!H", b, off + 2)[0]
        off += 4
    k16 = k & 0xFFFF
    if etype == IPV4 and off + 20 <= len(b):
        ihl = (b[off] & 0x0F) * 4
        before = struct.unpack_from("!4H", b, off + 12)  # the address words of the pseudo-header
        for a in (off + 12, off + 16):
            struct.pack_into("!H", b, a + 1, (struct.unpack_from("!H", b, a + 1)[0] + k16) & 0xFFFF)
        after = struct.unpack_from("!4H", b, off + 12)
        if ihl >= 20 and off + ihl <= len(b):
            struct.pack_into("!H", b, off + 10, 0)
            hsum = sum(struct.unpack_from(f"!{ihl // 2}H", b, off))
            while hsum >> 16:
                hsum = (hsum & 0xFFFF) + (hsum >> 16)
            struct.pack_into("!H", b, off + 10, ~hsum & 0xFFFF)
            frag = struct.unpack_from("!H", b, off + 6)[0] & 0x1FFF
            if frag == 0 and b[off + 9] in (TCP, UDP):
                fix_l4(b, off + ihl, b[off + 9], list(zip(before, after)))
    elif etype == IPV6 and off + 40 <= len(b):
        words = []
        for a in (off + 8, off + 24):
            old = struct.unpack_from("!H", b, a + 2)[0]
            new = (old + k16) & 0xFFFF
            struct.pack_into("!H", b, a + 2, new)
            words.append((old, new))
        if b[off + 6] in (TCP, UDP):
            fix_l4(b, off + 40, b[off + 6], words)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packets", type=int, default=1000000)
    ap.add_argument("base")
    ap.add_argument("out")
    args = ap.parse_args()
    with open(args.base, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    if magic != 0xA1B2C3D4:
        sys.exit(f"scale_pcap.py: {args.base} is not a little-endian microsecond pcap")
    linktype = struct.unpack_from("<I", data, 20)[0]
    if linktype != ETH:
        sys.exit(f"scale_pcap.py: {args.base} has link type {linktype}, not Ethernet")
    records = []  # (seconds as float offset from the first packet, bytes)
    pos, t0 = 24, None
    while pos + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, pos)
        t = sec + usec / 1e6
        t0 = t if t0 is None else t0
        records.append((t, orig, data[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    if not records:
        sys.exit(f"scale_pcap.py: {args.base} has no packets")
    # The base's own spacing, made monotonic (concatenated captures jump in
    # time): each packet comes after the previous one by max(0, its gap), and
    # a jump of more than a second counts as a second.
    offsets, last, acc = [], records[0][0], 0.0
    for t, _, _ in records:
        gap = t - last
        acc += min(max(gap, 0.0), 1.0)
        offsets.append(acc)
        last = t
    span = acc + 1.0
    copies = -(-args.packets // len(records))
    start = 1_700_000_000.0
    with open(args.out, "wb") as out:
        out.write(data[:24])
        for k in range(copies):
            base_t = start + k * span
            for (t, orig, pkt), o in zip(records, offsets):
                b = bytearray(pkt)
                shift(b, k)
                ts = base_t + o
                sec = int(ts)
                usec = int(round((ts - sec) * 1e6))
                if usec >= 1000000:
                    sec, usec = sec + 1, usec - 1000000
                out.write(struct.pack("<IIII", sec, usec, len(b), orig))
                out.write(b)
    print(f"scale_pcap: {copies} copies of {len(records)} packets = {copies * len(records)} packets -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
