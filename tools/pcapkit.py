# SPDX-License-Identifier: GPL-2.0-or-later
"""The one capture-file writer of tcpwave's tooling (crafted, class, Zeek, hostile and test-time
captures), and a minimal, fast packet builder for the hostile captures.

Builds Ethernet / IPv4 / IPv6 / TCP / ICMP frames with correct checksums using
only struct, so that floods of a million segments take seconds rather than the
minutes scapy would need.  Files are classic little-endian pcap (microsecond
or nanosecond timestamps) or minimal pcapng.  Everything is deterministic.
"""
import ipaddress
import struct

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
PROTO_TCP = 6
PROTO_ICMP = 1
PROTO_ICMPV6 = 58
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def flags_of(text):
    """'SA' -> SYN|ACK, as tcpdump/scapy spell flags (F S R P A U)."""
    bits = {"F": FIN, "S": SYN, "R": RST, "P": PSH, "A": ACK, "U": URG}
    value = 0
    for ch in text:
        value |= bits[ch]
    return value


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp_options_ts(tsval, tsecr):
    """nop, nop, timestamps: what Linux puts on every non-SYN segment."""
    return b"\x01\x01\x08\x0a" + struct.pack("!II", tsval & 0xFFFFFFFF, tsecr & 0xFFFFFFFF)


def tcp_options_syn(tsval, tsecr=0, mss=1460):
    """mss, sackOK, timestamps, nop, wscale 7: a Linux SYN's options."""
    return (struct.pack("!BBH", 2, 4, mss) + b"\x04\x02" + b"\x08\x0a"
            + struct.pack("!II", tsval & 0xFFFFFFFF, tsecr & 0xFFFFFFFF) + b"\x01\x03\x03\x07")


def tcp_header(src, dst, sport, dport, seq, ack, flags, payload=b"", window=502, options=b"", v6=False):
    """A TCP header plus payload with its checksum over the IPv4/IPv6 pseudo-header."""
    options += b"\0" * (-len(options) % 4)
    offset = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, offset << 4,
                      flags & 0xFF, window, 0, 0) + options
    seg = hdr + payload
    if v6:
        pseudo = src + dst + struct.pack("!I3xB", len(seg), PROTO_TCP)
    else:
        pseudo = src + dst + struct.pack("!xBH", PROTO_TCP, len(seg))
    csum = checksum(pseudo + seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def ipv4(src, dst, proto, payload, ident=0, ttl=64, total_length=None):
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    length = 20 + len(payload) if total_length is None else total_length
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, ident & 0xFFFF, 0x4000, ttl, proto, 0, s, d)
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, proto, payload, hlim=64):
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, hlim, s, d) + payload


def ether(payload, ethertype=ETH_IPV4, src=MAC_A, dst=MAC_B):
    return dst + src + struct.pack("!H", ethertype) + payload


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b"", window=502, options=b"", ident=0,
              ip_total_length=None):
    """One Ethernet frame carrying one TCP segment, IPv4 or IPv6 by address."""
    if ":" in src:
        s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
        seg = tcp_header(s, d, sport, dport, seq, ack, flags, payload, window, options, v6=True)
        return ether(ipv6(src, dst, PROTO_TCP, seg), ETH_IPV6)
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    seg = tcp_header(s, d, sport, dport, seq, ack, flags, payload, window, options)
    return ether(ipv4(src, dst, PROTO_TCP, seg, ident, total_length=ip_total_length))


def icmp_error(router, dst, quoted_ip, icmp_type=3, code=3, rest=0):
    """ICMPv4 error from `router` to `dst` quoting the start of an IP datagram."""
    body = struct.pack("!BBHI", icmp_type, code, 0, rest) + quoted_ip
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    return ether(ipv4(router, dst, PROTO_ICMP, body))


def icmpv6_error(router, dst, quoted_ip, icmp_type=1, code=4, rest=0):
    """ICMPv6 error (default: destination unreachable, port unreachable)."""
    s, d = ipaddress.IPv6Address(router).packed, ipaddress.IPv6Address(dst).packed
    body = struct.pack("!BBHI", icmp_type, code, 0, rest) + quoted_ip
    pseudo = s + d + struct.pack("!I3xB", len(body), PROTO_ICMPV6)
    body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
    return ether(ipv6(router, dst, PROTO_ICMPV6, body), ETH_IPV6)


def udp_frame(src, dst, sport, dport, payload):
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = s + d + struct.pack("!xBH", 17, len(udp))
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    return ether(ipv4(src, dst, 17, udp))


# ---- capture files -------------------------------------------------------

class PcapWriter:
    """Classic little-endian pcap, DLT_EN10MB.  Times are integer nanoseconds
    since the epoch; with nsec=False they are written in microseconds.
    snaplen cuts every frame (its original length is kept)."""

    def __init__(self, path, nsec=False, snaplen=65535, linktype=1):
        """path: a file name, or a binary file object (left open by close())."""
        self.own = not hasattr(path, "write")
        self.f = open(path, "wb") if self.own else path
        self.nsec = nsec
        self.snaplen = snaplen
        magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
        self.f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))

    def write(self, frame, t_ns, caplen=None, origlen=None):
        cap = min(len(frame), self.snaplen if caplen is None else caplen)
        orig = len(frame) if origlen is None else origlen
        secs, frac = divmod(t_ns, 1_000_000_000)
        if not self.nsec:
            frac //= 1000
        self.f.write(struct.pack("<IIII", secs, frac, cap, orig))
        self.f.write(frame[:cap])

    def close(self):
        if self.own:
            self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _pcapng_block(block_type, body):
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def pcapng_bytes(frames, tsresol=9):
    """A pcapng file: one section, one Ethernet interface with if_tsresol
    `tsresol` (a raw option byte: 10^-n units, or 2^-n with the top bit), and
    one Enhanced Packet Block per (frame, timestamp in interface units)."""
    out = _pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    out += _pcapng_block(1, struct.pack("<HHI", 1, 0, 65535) + opts)
    for frame, units in frames:
        body = struct.pack("<IIIII", 0, (units >> 32) & 0xFFFFFFFF, units & 0xFFFFFFFF, len(frame), len(frame))
        out += _pcapng_block(6, body + frame)
    return out


def usec_ns(seconds):
    """A float time (scapy's packet.time) as integer nanoseconds, rounded to the microsecond as a
    microsecond pcap stores it."""
    whole = int(seconds)
    return whole * 1_000_000_000 + int(round((seconds - whole) * 1_000_000)) * 1000
