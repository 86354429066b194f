# SPDX-License-Identifier: GPL-2.0-or-later
"""Minimal reader for the classic pcap files written by tcpdump (Ethernet link type).

Used by make_kernel_pcaps.py to count frames at a checkpoint and to check that a
capture has the segment sequence ("shape") a scenario expects. No third-party
modules: the capture driver must run with the system /usr/bin/python3.

A segment's shape is a short string:

    <dir>:<flags>[+<payload length>][!]

    dir    'c' (sent by the client) or 's' (sent by the server)
    flags  the subset of F, S, R, A that is set, in that order (PSH, ECE, CWR ignored)
    +N     the TCP payload length, when it is not zero
    !      the ACK number does not cover everything the peer had sent before
           (sequence space incl. SYN/FIN flags, as captured); never set on a RST
"""

import struct

LINKTYPE_ETHERNET = 1
TH_FIN, TH_SYN, TH_RST, TH_ACK = 0x01, 0x02, 0x04, 0x10


def read_frames(path):
    """Return the list of raw link-layer frames in a pcap file.

    A record cut short at the end of the file (tcpdump still writing) is ignored.
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError(f"{path}: link type {linktype}, expected Ethernet")
    frames, off = [], 24
    while off + 16 <= len(data):
        incl_len = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        if off + 16 + incl_len > len(data):
            break
        frames.append(data[off + 16:off + 16 + incl_len])
        off += 16 + incl_len
    return frames


def count_frames(path):
    try:
        return len(read_frames(path))
    except FileNotFoundError:
        return 0


def parse_tcp(frame):
    """Return (src, sport, dst, dport, seq, ack, flags, payload_len) or None."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800:
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack("!H", ip[2:4])[0]
        src, dst = ip[12:16], ip[16:20]
        tcp, tcp_total = ip[ihl:], total - ihl
    elif ethertype == 0x86DD:
        if ip[6] != 6:  # no extension headers expected in these captures
            return None
        plen = struct.unpack("!H", ip[4:6])[0]
        src, dst = ip[8:24], ip[24:40]
        tcp, tcp_total = ip[40:], plen
    else:
        return None
    sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
    doff = (tcp[12] >> 4) * 4
    flags = tcp[13]
    return src, sport, dst, dport, seq, ack, flags, tcp_total - doff


def shapes(path, client_port):
    """Shape strings of the TCP segments in a pcap; 'c' is the side using client_port."""
    out = []
    next_seq = {}  # direction -> sequence number after the last byte/flag it sent
    for frame in read_frames(path):
        seg = parse_tcp(frame)
        if seg is None:
            out.append("non-tcp")
            continue
        _, sport, _, _, seq, ack, flags, plen = seg
        me = "c" if sport == client_port else "s"
        peer = "s" if me == "c" else "c"
        text = me + ":" + "".join(
            ch for bit, ch in ((TH_FIN, "F"), (TH_SYN, "S"), (TH_RST, "R"), (TH_ACK, "A"))
            if flags & bit)
        if plen:
            text += f"+{plen}"
        if (flags & TH_ACK) and not (flags & TH_RST) and peer in next_seq:
            behind = (next_seq[peer] - ack) & 0xFFFFFFFF
            if 0 < behind < 0x80000000:
                text += "!"
        end = (seq + plen + (1 if flags & TH_SYN else 0) + (1 if flags & TH_FIN else 0)) & 0xFFFFFFFF
        if me not in next_seq or ((end - next_seq[me]) & 0xFFFFFFFF) < 0x80000000:
            next_seq[me] = end
        out.append(text)
    return out


if __name__ == "__main__":
    import sys
    for s in shapes(sys.argv[1], int(sys.argv[2])):
        print(s)
