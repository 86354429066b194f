# SPDX-License-Identifier: GPL-2.0-or-later
"""Expert info on the fixtures: which frames carry which tcpwave.expert.*
item, written from how each capture was made (pcaps/*/README.md)."""
import pytest

from conftest import PCAPS

EXTRA = {"crafted/tcp-in-gtp": ("-d", "tcp.port==2152,gtp")}

# (capture, expert item, frames that must carry it, and only those)
CASES = [
    # seed listing 1: the SYN-ACK is stamped 22:49:27, the ACK after it 02:24:03 the same day
    ("seed/seed-four-way", "time_backwards", [3]),
    ("seed/seed-four-way", "handshake", [3]),
    ("seed/seed-four-way", "close", [9]),
    # seed listing 2: the SYN-ACK (12:03:10) is stamped before the SYN (13:15:40)
    ("seed/seed-three-way", "time_backwards", [2]),
    ("seed/seed-three-way", "close", [6]),
    ("crafted/simultaneous-close", "crossed_fins", [8]),
    ("crafted/simultaneous-close", "close", [10]),
    ("crafted/lost-final-ack", "ack_lost", [10]),
    ("crafted/lost-final-ack", "close", [9]),
    ("crafted/midstream-data", "midstream", [1]),
    ("crafted/midstream-synack", "syn_missing", [1]),
    ("crafted/midstream-synack", "midstream", []),
    ("crafted/time-wait-reuse", "time_wait_reuse", [10]),
    ("crafted/refused", "refused", [2]),
    ("crafted/refused", "reset", []),
    ("kernel/refused", "refused", [2]),
    ("crafted/reset-established", "reset", [7]),
    ("kernel/unread_rst", "reset", [6]),
    ("kernel/half_close_data", "data_after_fin", [8, 10]),
    ("crafted/syn-fin", "unexpected", [6]),
    ("crafted/icmp-frag-needed", "icmp_quoted", [5]),
    ("crafted/icmpv6-port-unreachable", "icmp_quoted", [5]),
    # both ends connect(): the other end's own SYN (2); the second SYN-ACK completes the handshake (4)
    ("kernel/simultaneous_open", "sim_open", [2]),
    ("kernel/simultaneous_open", "handshake", [4]),
]


def frames_with(tshark, capture, item):
    rows = tshark.fields(PCAPS / f"{capture}.pcap", ["frame.number"], "-Y", f"tcpwave.expert.{item}",
                         *EXTRA.get(capture, ()))
    return [int(r[0]) for r in rows]


@pytest.mark.parametrize("capture,item,frames", CASES, ids=[f"{c}:{i}" for c, i, _ in CASES])
def test_expert_item_on_expected_frames(tshark, capture, item, frames):
    assert frames_with(tshark, capture, item) == frames


@pytest.mark.parametrize("capture", sorted(p.parent.name + "/" + p.stem for p in PCAPS.glob("[ks]*/*.pcap")))
def test_real_stacks_send_nothing_unexpected(tshark, capture):
    """Linux sockets (pcaps/kernel) and the seed's listings are well-behaved
    TCP: no segment may be called unexpected."""
    assert frames_with(tshark, capture, "unexpected") == []


def test_simultaneous_open_handshake_note_says_so(tshark):
    """The handshake note of a simultaneous open names it (RFC 9293 Figure 8)."""
    rows = tshark.fields(PCAPS / "kernel/simultaneous_open.pcap", ["_ws.expert.message"], "-Y", "tcpwave.expert.handshake")
    assert len(rows) == 1 and "Simultaneous open completed" in rows[0][0]
