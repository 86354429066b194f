# SPDX-License-Identifier: GPL-2.0-or-later
"""time_wait_schedule.py OUT.pcap - the workload of the README's I/O Graph
(scripts/screenshots.sh draws it, tests/test_gui.py checks it): one server
whose TIME_WAIT count follows a schedule known by construction.

Client 10.9.0.1, server 10.9.0.2:80, client ports 20000 and up.  Each
connection is a handshake and a three-way close started by the server 10 ms
after the SYN (FIN from the server at +10 ms, the client's FIN+ACK at +11 ms,
the server's final ACK at +12 ms), so the server holds TIME_WAIT from +11 ms
for 60 s (Linux's TCP_TIMEWAIT_LEN, tcpwave's default).

- Phase 1: 240 connections, one every 0.25 s from t = 0: the count climbs by
  one each 0.25 s, to 240 at 59.761 s (the 240th close).
- Phase 2: 60 connections, one every 2 s from t = 60 s.  Phase 1's sockets
  leave one every 0.25 s (the first at 60.011 s, as the first new one
  enters) and new ones come one every 2 s, so the count falls to 30 (60 s /
  2 s) when the last of phase 1 leaves (119.761 s) and stays at 30 to the
  end (the last connection at 178 s).

Times start at 1000 s (pcap time), microseconds.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pcapkit  # noqa: E402  (tools/: the one capture-file writer)
from pcapkit import ACK, FIN, SYN  # noqa: E402

CLIENT, SERVER, PORT = "10.9.0.1", "10.9.0.2", 80
STARTS = [i * 0.25 for i in range(240)] + [60.0 + i * 2.0 for i in range(60)]


def segments(i, t0):
    """(time, from_client, flags, seq, ack) of connection i."""
    c, s = 1000, 5000
    return ((t0, True, SYN, c, 0), (t0 + 0.001, False, SYN | ACK, s, c + 1), (t0 + 0.002, True, ACK, c + 1, s + 1),
            (t0 + 0.010, False, FIN | ACK, s + 1, c + 1), (t0 + 0.011, True, FIN | ACK, c + 1, s + 2),
            (t0 + 0.012, False, ACK, s + 2, c + 2))


def write(path):
    with pcapkit.PcapWriter(str(path)) as w:
        for i, t0 in enumerate(STARTS):
            sport = 20000 + i
            for t, from_client, flags, seq, ack in segments(i, t0):
                if from_client:
                    frame = pcapkit.tcp_frame(CLIENT, SERVER, sport, PORT, seq, ack, flags)
                else:
                    frame = pcapkit.tcp_frame(SERVER, CLIENT, PORT, sport, seq, ack, flags)
                w.write(frame, pcapkit.usec_ns(1000.0 + t))


if __name__ == "__main__":
    write(sys.argv[1])
