# SPDX-License-Identifier: GPL-2.0-or-later
"""What the GUI shows that can be checked without a display: the ladder
menu as Wireshark's plugin_if registry holds it, the ladder the menu's
"Selected Connection" draws (plugin/tcpwave-gui.c selects the connection
with the filter frame.number == N and renders it with the same function as
-z tcpwave,ladder), the names of the statistics, the protocol's names, the
field descriptions and the Info column.  The windows themselves are looked
at in the screenshots of scripts/screenshots.sh."""
import re

import pytest

from conftest import PCAPS, ROOT


def test_ladder_menu_registered_under_statistics(tshark):
    """TCPWAVE_DUMP_MENUS=1 lists ext_menubar_get_entries(): the menus the
    Qt GUI builds its menu bar from."""
    p = tshark.run("-r", PCAPS / "seed" / "seed-four-way.pcap", "-c", "1", extra_env={"TCPWAVE_DUMP_MENUS": "1"})
    menu = [l for l in p.stderr.splitlines() if l.startswith("tcpwave menu:")]
    assert menu == ['tcpwave menu: menu "TCP Connection Ladder (tcpwave)" under Statistics',
                    'tcpwave menu:   item "Selected Connection" (callback)',
                    'tcpwave menu:   item "Displayed Connections" (callback)',
                    'tcpwave menu: menu "TCP Hosts (tcpwave)" under Statistics',
                    'tcpwave menu:   item "Hosts" (callback)',
                    'tcpwave menu:   item "Tuning" (callback)']
    quiet = tshark.run("-r", PCAPS / "seed" / "seed-four-way.pcap", "-c", "1")
    assert "tcpwave menu:" not in quiet.stderr


def ladders(out):
    """Connection blocks of a ladder text: {stream: lines}."""
    blocks, stream = {}, None
    for line in out.splitlines():
        m = re.match(r"Stream (\d+): ", line)
        if m:
            stream = int(m.group(1))
            blocks[stream] = []
        if line.startswith("====="):
            stream = None
        if stream is not None and line.strip():
            blocks[stream].append(line)
    return blocks


def ladder(tshark, pcap, selection=None):
    arg = "tcpwave,ladder" + (f",{selection}" if selection else "")
    return tshark.run("-q", "-r", pcap, "-z", arg).stdout


def test_selected_frame_draws_its_whole_connection(tshark):
    """crafted/time-wait-reuse: a four-way close (stream 0, frames 1-10)
    then a new connection on the same 4-tuple (stream 1).  Selecting any
    frame draws that frame's connection, all of it, and nothing else."""
    pcap = PCAPS / "crafted" / "time-wait-reuse.pcap"
    whole = ladders(ladder(tshark, pcap))
    assert sorted(whole) == [0, 1]
    streams = [int(s) for (s,) in tshark.fields(pcap, ["tcp.stream"])]
    for frame, stream in enumerate(streams, 1):
        out = ladder(tshark, pcap, f"frame.number == {frame}")
        assert f"Filter: frame.number == {frame}" in out
        assert ladders(out) == {stream: whole[stream]}, frame


def test_filter_on_a_close_segment_draws_the_handshake_too(tshark):
    """One matching frame selects the connection: a filter on the merged
    FIN+ACK (seed listing 2, the client's FIN that acknowledges the
    server's) still draws the three handshake lines."""
    out = ladder(tshark, PCAPS / "seed" / "seed-three-way.pcap", 'tcpwave.role == "FIN+ACK"')
    body = [l.split() for l in ladders(out)[0]]
    heading = {"handshake": [], "close": []}
    current = None
    for words in body:
        if words in (["handshake"], ["close"]):
            current = heading[words[0]]
        elif current is not None and words[0].isdigit():
            current.append((words[0], words[-1]))
    assert heading == {"handshake": [("1", "1/3"), ("2", "2/3"), ("3", "3/3")],
                       "close": [("4", "1/3"), ("5", "2/3"), ("6", "3/3")]}


def test_ladder_says_when_nothing_matches(tshark):
    out = ladder(tshark, PCAPS / "seed" / "seed-four-way.pcap", "tcp.port == 1")
    assert "No connection matches the filter." in out and "Stream " not in out


def test_statistics_names(tshark):
    """One name per table: the -z name's title is the menu entry, and the
    table inside is named the same."""
    out = tshark.run("-q", "-r", PCAPS / "seed" / "seed-four-way.pcap", "-z", "tcpwave,stat", "-z", "tcpwave,conv",
                     "-z", "tcpwave,states", "-z", "tcpwave,phases").stdout
    for title in ("TCP Connection Outcomes", "TCP Connections", "TCP Connection States", "TCP Connection Phases"):
        assert f"{title} (tcpwave):" in out.splitlines() and title in out.splitlines()


def test_protocol_name_reads_once(tshark):
    """The status bar shows "name (short name)": they must differ."""
    rows = [l.split("\t")[:3] for l in tshark.run("-G", "protocols").stdout.splitlines()]  # 4.6 adds columns
    assert ["TCP connection lifecycle", "tcpwave", "tcpwave"] in rows


def test_every_field_has_a_description(tshark):
    """(Expert items are registered by Wireshark with their text only.)"""
    rows = [l.split("\t") for l in tshark.run("-G", "fields").stdout.splitlines() if l.startswith("F\t")]
    ours = [r for r in rows if r[2].startswith("tcpwave.") and not r[2].startswith("tcpwave.expert.")]
    assert len(ours) >= 24
    blank = [r[2] for r in ours if not r[-1].strip()]
    assert not blank


# Seed listing 2 (pcaps/seed/seed-three-way.pcap, the post's second capture):
# the server (port 12456) closes first and the client's FIN carries the ACK
# of it.  Steps and states as docs/semantics.md's tables give them.
SEED_THREE_WAY_INFO = [
    "[handshake 1/3: SYN | client SYN_SENT, server SYN_RECV]",
    "[handshake 2/3: SYN-ACK | client ESTABLISHED, server SYN_RECV]",
    "[handshake 3/3: ACK | client ESTABLISHED, server ESTABLISHED]",
    "[close 1/3: first FIN | client CLOSE_WAIT, server FIN_WAIT1]",
    "[close 2/3: FIN+ACK | client LAST_ACK, server TIME_WAIT]",
    "[close 3/3: final ACK | client CLOSED, server TIME_WAIT]",
]


@pytest.mark.parametrize("two_pass", [False, True], ids=["one-pass", "two-pass"])
def test_info_column_compact(tshark, two_pass):
    # The summary lines, as a user reads them (4.6 fills -e _ws.col.Info before post-dissectors append).
    out = tshark.run("-r", PCAPS / "seed" / "seed-three-way.pcap", "-o", "tcpwave.info_column:TRUE",
                     *(["-2"] if two_pass else [])).stdout
    got = [line[line.rindex(" ["):].strip() for line in out.splitlines() if line.strip()]
    want = list(SEED_THREE_WAY_INFO)
    if not two_pass:  # at the first FIN, one pass cannot know yet that the close takes three steps
        want[3] = want[3].replace("close 1/3", "close 1/?")
    assert got == want
    for text in got:  # the step and the role repeat no word (both states may be the same)
        words = re.findall(r"[A-Za-z_]+", text.split("|")[0])
        assert len(words) == len(set(words)), text


def test_info_column_off_by_default(tshark):
    out = tshark.run("-r", PCAPS / "seed" / "seed-three-way.pcap").stdout
    assert out.strip() and not any("| client " in line for line in out.splitlines())


def test_io_graph_workload_draws_its_schedule(tshark, tmp_path):
    """The README's I/O Graph (scripts/screenshots.sh): MAX(tcpwave.host.time_wait)
    per second over the packets with ip.addr == 10.9.0.2, on
    tools/time_wait_schedule.py's capture.  By construction (see that file):
    a close every 0.25 s for 60 s, so 4 more each second up to 240; then a
    close every 2 s while the first 240 leave one every 0.25 s, down to 30 at
    120 s; 30 to the end."""
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import time_wait_schedule

    tmp_path.chmod(0o755)
    pcap = tmp_path / "schedule.pcap"
    time_wait_schedule.write(pcap)
    pcap.chmod(0o644)
    rows = tshark.fields(pcap, ["frame.time_relative", "tcpwave.host.time_wait"], "-Y",
                         "ip.addr == 10.9.0.2 && tcpwave.host.time_wait")
    curve = {}
    for t, values in rows:
        second = int(float(t))
        curve[second] = max([curve.get(second, 0)] + [int(v) for v in values.split(",")])
    assert [curve[s] for s in range(60)] == [4 * (s + 1) for s in range(60)]
    assert max(curve.values()) == 240
    falling = [curve[s] for s in range(60, 120) if s in curve]
    # at 60.011 s the first new close enters as the first old one leaves: still 240 in second 60
    assert falling == sorted(falling, reverse=True) and falling[0] == 240 and falling[-1] > 30
    assert {curve[s] for s in curve if s >= 120} == {30} and max(curve) == 178
