#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A simultaneous close between two Linux sockets (RFC 9293 Figure 13), as a fixture.

Run as root (ip netns, veth, nft from the nftables package, tcpdump, ss):

    tests/capture/make_simultaneous_close.py [--pcap-dir D] [--ss-dir D]

Writes pcaps/kernel/simultaneous_close.pcap and
tests/expected/kernel/simultaneous_close.ss.tsv (the per-frame expectation,
simultaneous_close.tsv, is written by hand).

Two namespaces twc (10.77.0.1) and tws (10.77.0.2) on a veth pair, as
make_kernel_pcaps.py makes them.  10.77.0.1:40012 connects to 10.77.0.2:8000
and the server accept()s.  Then an nftables rule on each end's output drops
its FINs (before tcpdump sees them), both ends call shutdown(SHUT_WR) at the
same moment, and the driver waits until `ss` shows both sockets in
FIN_WAIT1; then the rules go.  The FINs the retransmission timer sends again
(both armed at the same moment with the same timeout) leave before either
arrives: each end receives the other's FIN in FIN_WAIT1, goes CLOSING
(tcp_fin(): "Simultaneous close"), acknowledges it, and goes TIME_WAIT when
the ACK of its own FIN arrives (tcp_rcv_state_process(), TCP_CLOSING).
tcpdump captures in twc.

Checkpoints (`ss -tan` in both namespaces): after the handshake, after both
shutdown()s (FINs not yet on the wire), and at the end.  A capture whose
FINs did not cross (the second FIN acknowledges the first) is made again, up
to 10 times.
"""

import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/capture free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The two hosts, as make_kernel_pcaps.py makes them (namespaces, veth, addresses, offloads off).
from make_kernel_pcaps import C4, CLIENT_IF, CLIENT_NS, S4, SERVER_NS, create_hosts, delete_hosts, run  # noqa: E402
from make_simultaneous_open import fixture_args, frames, ss_state, write_checkpoints  # noqa: E402

CLIENT, SERVER = (C4, 40012), (S4, 8000)

# One end: "client" connects, "server" listens and accepts.  Each waits for the
# driver's start time, then both shutdown(SHUT_WR) at that moment, read to the
# end (the other's FIN), and keep the socket open until told to close it.
PEER = r"""
import socket, sys, time
role, me, port, peer, peer_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
if role == "server":
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((me, port))
    ls.listen(1)
    print("listening", flush=True)
    s, _ = ls.accept()
else:
    s = socket.socket()
    s.bind((me, port))
    s.connect((peer, peer_port))
print("connected", flush=True)
t0 = float(sys.stdin.readline())
while time.time() < t0 - 0.005:
    time.sleep(0.001)
while time.time() < t0:
    pass
s.shutdown(socket.SHUT_WR)
print("shut", flush=True)
while s.recv(100):
    pass
print("eof", flush=True)
sys.stdin.readline()
s.close()
print("closed", flush=True)
"""


def fins(pcap):
    """(sender port, seq, ack) of every FIN in the capture, in order (absolute numbers)."""
    out = run("tcpdump", "-nSr", str(pcap), check=False).stdout
    found = []
    for line in out.splitlines():
        if "Flags [F" not in line:
            continue
        src = line.split(" IP ")[1].split(" > ")[0]
        seq = int(line.split(" seq ")[1].split(",")[0].split(":")[0])
        ack = int(line.split(" ack ")[1].split(",")[0])
        found.append((int(src.rsplit(".", 1)[1]), seq, ack))
    return found


def crossed(pcap):
    """The two FINs crossed: two FINs, one from each end, and the second does not acknowledge the first."""
    f = fins(pcap)
    return len(f) == 2 and f[0][0] != f[1][0] and f[1][2] == f[0][1]


def peer(role, me, other):
    return subprocess.Popen(["ip", "netns", "exec", CLIENT_NS if role == "client" else SERVER_NS, sys.executable,
                             "-c", PEER, role, me[0], str(me[1]), other[0], str(other[1])],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def capture(pcap):
    create_hosts()
    c, s = (f"{a}:{p}" for a, p in (CLIENT, SERVER))

    def check(note):
        return (frames(pcap), ss_state(CLIENT_NS, c, s), ss_state(SERVER_NS, s, c), note)

    def say(line):
        for p in peers:
            p.stdin.write(line + "\n")
            p.stdin.flush()

    def expect(word):
        said = [p.stdout.readline().strip() for p in peers]
        assert said == [word, word], (word, said)

    try:
        td = subprocess.Popen(["ip", "netns", "exec", CLIENT_NS, "tcpdump", "-i", CLIENT_IF, "-U", "--immediate-mode",
                               "-w", str(pcap), "tcp"], stderr=subprocess.DEVNULL)
        time.sleep(1)
        server = peer("server", SERVER, CLIENT)
        assert server.stdout.readline().strip() == "listening"
        client = peer("client", CLIENT, SERVER)
        peers = [client, server]
        expect("connected")
        time.sleep(0.3)
        checks = [check("handshake done, both accepted")]
        # Each end's FINs are dropped on their way out (before tcpdump sees them) until both are in FIN_WAIT1.
        for ns in (CLIENT_NS, SERVER_NS):
            run("nft", "add table inet tw; add chain inet tw out { type filter hook output priority 0; }; "
                "add rule inet tw out tcp flags & fin == fin drop", ns=ns)
        say(str(time.time() + 0.3))
        expect("shut")
        for _ in range(100):
            if ss_state(CLIENT_NS, c, s) == "FIN_WAIT1" and ss_state(SERVER_NS, s, c) == "FIN_WAIT1":
                break
            time.sleep(0.005)
        checks.append(check("both shutdown(SHUT_WR), FINs not yet on the wire"))
        for ns in (CLIENT_NS, SERVER_NS):
            run("nft", "delete table inet tw", ns=ns)
        expect("eof")
        time.sleep(0.5)
        checks.append(check("both read the other's FIN"))
        say("")
        expect("closed")
        for p in peers:
            p.wait()
        time.sleep(0.3)
        checks.append(check("both closed"))
        td.terminate()
        td.wait()
        return checks
    finally:
        delete_hosts()


def main():
    pcap_dir, ss_dir = fixture_args(__doc__)
    pcap = pcap_dir / "simultaneous_close.pcap"
    for attempt in range(10):
        checks = capture(pcap)
        if crossed(pcap):
            break
        print(f"attempt {attempt + 1}: the FINs did not cross ({fins(pcap)}), again", file=sys.stderr)
    else:
        sys.exit("no simultaneous close in 10 attempts")
    pcap.chmod(0o644)
    write_checkpoints(ss_dir / "simultaneous_close.ss.tsv", checks)
    print(pcap, checks)


if __name__ == "__main__":
    main()
