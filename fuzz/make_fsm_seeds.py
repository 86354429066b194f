#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpus of the state-machine fuzzer (fuzz/corpus/fsm/) and
its known reproducers (fuzz/regress/fsm/).

Each seed is one textbook situation, encoded in fsm_fuzz.c's input layout
(see the comment at its top): a header byte, then 12 bytes per segment.
Sequence and acknowledgement numbers are given as modes relative to the
connection's own numbers, so the seeds stay valid whatever ISNs they use.

    /usr/bin/python3 fuzz/make_fsm_seeds.py [--out DIR] [--regress DIR]
"""
import argparse
import os
import struct

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
# seq modes (record byte 0, bits 3-7)
SEQ_NXT, SEQ_KEEPALIVE, SEQ_ISN, SEQ_FIN_AGAIN, SEQ_GAP, SEQ_RAW, SEQ_FAR = 8, 1, 2, 3, 4, 5, 7
SEQ_NXT_PLUS = 0
# ack modes (byte 2, bits 0-3)
ACK_NXT, ACK_NXT_PLUS, ACK_ISN1, ACK_FIN1, ACK_BEFORE_FIN, ACK_RAW, ACK_ZERO = 8, 0, 1, 2, 3, 4, 6
# length modes (byte 2, bits 4-7): 0 none, 9 the raw 16-bit length
LEN_NONE, LEN_ONE, LEN_RAW = 0, 5, 9
# time units (byte 11, bits 0-2)
NS, US, MS, S = 0, 1, 2, 3
T_MIN, T_MAX = 5, 6          # absolute: INT64_MIN + dt, INT64_MAX - dt
A, B = 0, 1


def seg(direction, flags, conn=0, seq=SEQ_NXT, seq_d=0, ack=ACK_NXT, ack_d=0, length=0, dt=1, unit=MS, skip=0):
    len_mode = LEN_NONE if length == 0 else LEN_RAW
    b0 = (conn & 3) | (direction << 2) | (seq << 3)
    return struct.pack("<BBBhhHhB", b0, flags, ack | (len_mode << 4), seq_d, ack_d, length, dt, unit | (skip << 3))


def first_syn(direction=A, conn=0, isn_hi=0x1000, isn_lo=0x0000, flags=SYN, dt=1, unit=MS):
    """A SYN opening a connection: the raw seq is seq_d << 16 | ack_d."""
    return struct.pack("<BBBHHHhB", (conn & 3) | (direction << 2) | (SEQ_RAW << 3), flags, ACK_ZERO, isn_hi,
                       isn_lo, 0, dt, unit)


def handshake(conn=0):
    return [first_syn(conn=conn), seg(B, SYN | ACK, conn, seq=SEQ_RAW), seg(A, ACK, conn)]


def exchange(conn=0):
    return [seg(A, PSH | ACK, conn, length=12), seg(B, PSH | ACK, conn, length=7)]


SEEDS = {
    "four-way": [0x00] + handshake() + exchange() + [seg(A, FIN | ACK), seg(B, ACK), seg(B, FIN | ACK), seg(A, ACK)],
    "three-way": [0x00] + handshake() + exchange() + [seg(B, FIN | ACK), seg(A, FIN | ACK), seg(B, ACK)],
    "simultaneous": [0x00] + handshake() + [seg(A, FIN | ACK), seg(B, FIN | ACK, ack=ACK_BEFORE_FIN, dt=200, unit=US),
                                            seg(A, ACK), seg(B, ACK)],
    "reset": [0x00] + handshake() + exchange() + [seg(A, RST | ACK)],
    "refused": [0x00, first_syn(), seg(B, RST | ACK, seq=SEQ_RAW, ack=ACK_ISN1)],
    "midstream": [0x00, seg(A, PSH | ACK, seq=SEQ_RAW, ack=ACK_RAW, length=100), seg(B, ACK),
                  seg(B, FIN | ACK), seg(A, ACK), seg(A, FIN | ACK), seg(B, ACK)],
    "syn-missing": [0x00, seg(B, SYN | ACK, seq=SEQ_RAW, ack=ACK_RAW), seg(A, ACK)] + exchange(),
    "keepalive": [0x00] + handshake() + exchange() + [seg(A, ACK, seq=SEQ_KEEPALIVE, dt=75, unit=S), seg(B, ACK)],
    "retransmitted-fin": [0x00] + handshake() + [seg(A, FIN | ACK), seg(A, FIN | ACK, seq=SEQ_FIN_AGAIN, dt=200),
                                                 seg(B, ACK), seg(B, FIN | ACK), seg(A, ACK)],
    "time-backwards": [0x00] + handshake()[:2] + [seg(A, ACK, dt=-5, unit=S)] + exchange()
    + [seg(A, FIN | ACK), seg(B, FIN | ACK, dt=-3, unit=S), seg(A, ACK)],
    "seq-wrap": [0x00, first_syn(isn_hi=0xFFFF, isn_lo=0xFFF0), seg(B, SYN | ACK, seq=SEQ_RAW), seg(A, ACK),
                 seg(A, PSH | ACK, length=40), seg(B, ACK), seg(A, FIN | ACK), seg(B, FIN | ACK), seg(A, ACK)],
    "gap-and-fill": [0x00] + handshake() + [seg(A, PSH | ACK, seq=SEQ_NXT_PLUS, seq_d=1000, length=500),
                                            seg(A, PSH | ACK, seq=SEQ_GAP, length=1000), seg(B, ACK),
                                            seg(A, PSH | ACK, seq=SEQ_ISN, seq_d=1, length=100)],
    "two-connections": [0x01] + [r for pair in zip(handshake(0), handshake(1)) for r in pair]
    + [seg(A, FIN | ACK, 1), seg(A, RST | ACK, 0), seg(B, FIN | ACK, 1), seg(A, ACK, 1)],
    "same-address": [0x0C] + handshake() + [seg(B, FIN | ACK), seg(A, FIN | ACK), seg(B, ACK)],
}

# Inputs that broke an invariant once (fuzz/regress/fsm/): fuzz/fsm.sh
# replays them before fuzzing, and each must pass.
REGRESS = {
    # The durations of a connection whose frames span more than 2^63 ns
    # (times as far apart as the plugin can hand over): tw_conn_interval()
    # must not overflow into a negative or wrong duration.
    "interval-overflow": [0x00, first_syn(dt=1, unit=T_MIN), seg(B, SYN | ACK, seq=SEQ_RAW, dt=1, unit=T_MIN),
                          seg(A, ACK, dt=1, unit=T_MAX)],
    # A SYN+FIN probe (dropped: client CLOSED, server LISTEN), answered by
    # an RST from the server's port.  A listener stays LISTEN after sending an
    # RST (RFC 9293 3.10.7.2): no state leaves LISTEN without a SYN, and no
    # connection was reset.
    "listen-rst": [0x00, first_syn(flags=SYN | FIN), seg(B, RST | ACK, seq=SEQ_RAW)],
    # The same probe, then a FIN from the listening side: LISTEN cannot send
    # a FIN (nothing to close), it must not become FIN_WAIT1.
    "listen-fin": [0x00, first_syn(flags=SYN | FIN), seg(B, FIN | ACK, seq=SEQ_RAW)],
    # Probe, RST, then a real SYN refused by an RST+ACK: one connection
    # counted closed twice (reset, then refused).
    "closed-twice": [0x00, first_syn(flags=SYN | FIN), seg(B, RST | ACK, seq=SEQ_RAW),
                     seg(A, SYN, seq=SEQ_ISN, seq_d=7), seg(B, RST | ACK, seq=SEQ_RAW, ack=ACK_NXT)],
}


def write(folder, table):
    os.makedirs(folder, exist_ok=True)
    for name, parts in table.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(bytes([parts[0]]) + b"".join(parts[1:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "corpus", "fsm"), help="seed corpus folder")
    ap.add_argument("--regress", default=os.path.join(here, "regress", "fsm"), help="reproducers folder")
    args = ap.parse_args()
    write(args.out, SEEDS)
    write(args.regress, REGRESS)


if __name__ == "__main__":
    main()
