#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mutate the timestamps of a pcapng file (fuzz/tshark-fuzz.sh uses it).

    /usr/bin/python3 fuzz/retime.py IN.pcapng OUT.pcapng SEED

editcap -E changes packet bytes, never times.  This rewrites each interface's
timestamp resolution (if_tsresol: microseconds, nanoseconds, whole seconds,
2^0 or 2^-30 units) and about one packet time in eight: far future, far past
(a 64-bit value above 2^63, which Wireshark reads as negative), the largest
values, zero, or a step back.  Times that no int64 of nanoseconds can hold,
going backwards, or wrapping are what tcpwave's durations must survive.
Deterministic for a given SEED.
"""
import random
import struct
import sys

SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
RESOLUTIONS = [6, 9, 0, 0x80, 0x80 | 30, 3]


def blocks(data):
    """(type, body) of each block; stops at the first damaged one."""
    pos = 0
    while pos + 12 <= len(data):
        btype, length = struct.unpack_from("<II", data, pos)
        if length < 12 or length % 4 or pos + length > len(data):
            return
        yield btype, data[pos + 8:pos + length - 4]
        pos += length


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def idb_with_resolution(body, tsresol):
    """An IDB body whose options are replaced by one if_tsresol."""
    return body[:8] + struct.pack("<HHB3xHH", 9, 1, tsresol, 0, 0)


def new_time(rng, old):
    choice = rng.randrange(7)
    if choice == 0:
        return rng.getrandbits(64)
    if choice == 1:
        return (1 << 63) + rng.getrandbits(40)          # read back as negative
    if choice == 2:
        return (1 << 64) - 1 - rng.getrandbits(20)
    if choice == 3:
        return 0
    if choice == 4:
        return max(0, old - rng.getrandbits(36))          # backwards
    if choice == 5:
        return (old + rng.getrandbits(62)) & ((1 << 64) - 1)
    return (1 << 63) - 1 - rng.getrandbits(20)


def main(src, dst, seed):
    rng = random.Random(seed)
    data = open(src, "rb").read()
    if len(data) < 4 or struct.unpack_from("<I", data)[0] != SHB:
        open(dst, "wb").write(data)
        return
    out = bytearray()
    for btype, body in blocks(data):
        if btype == IDB and len(body) >= 8 and rng.random() < 0.5:
            body = idb_with_resolution(body, rng.choice(RESOLUTIONS))
        elif btype == EPB and len(body) >= 20 and rng.random() < 0.125:
            iface, hi, lo = struct.unpack_from("<III", body)
            t = new_time(rng, hi << 32 | lo)
            body = struct.pack("<III", iface, t >> 32, t & 0xFFFFFFFF) + body[12:]
        out += block(btype, body)
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
