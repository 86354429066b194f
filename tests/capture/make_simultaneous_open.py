#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A simultaneous open between two Linux sockets (RFC 9293 Figure 8), as a fixture.

Run as root (ip netns, veth, nft from the nftables package, tcpdump, ss):

    tests/capture/make_simultaneous_open.py [--pcap-dir D] [--ss-dir D]

Writes pcaps/kernel/simultaneous_open.pcap and
tests/expected/kernel/simultaneous_open.ss.tsv (the per-frame expectation,
simultaneous_open.tsv, is written by hand).

Two namespaces twc (10.77.0.1) and tws (10.77.0.2) on a veth pair, as
make_kernel_pcaps.py makes them.  Each side binds its port (40010 and 40011)
and connect()s to the other's.  An nftables rule on each end's output drops
its SYNs (before tcpdump sees them) until `ss` shows both sockets in
SYN_SENT; then the rules go, and the SYNs sent again by the retransmission
timer (1 s) meet sockets that are both connecting: each receives the other's
SYN in SYN_SENT (tcp_rcv_synsent_state_process(): "simultaneous connect with
crossed SYNs"), goes SYN_RECV, sends a SYN-ACK, and is ESTABLISHED when the
other's SYN-ACK arrives.  tcpdump captures in twc.  Then twc sends 5 bytes
and closes; tws reads to the end and closes.

Checkpoints (`ss -tan` in both namespaces): after both connect()s returned,
and at the end.  A capture that is not a simultaneous open (a SYN not
crossed: SYN, SYN-ACK, ACK; or a SYN refused because it came before the other
connect()) is made again, up to 10 times.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/capture free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The two hosts, as make_kernel_pcaps.py makes them (namespaces, veth, addresses, offloads off).
from make_kernel_pcaps import C4, CLIENT_IF, CLIENT_NS, S4, SERVER_NS, SS_TO_LINUX, create_hosts, delete_hosts, run  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
NS = {CLIENT_NS: (C4, 40010), SERVER_NS: (S4, 40011)}

PEER = r"""
import socket, sys, time
me, port, peer, peer_port, t0 = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
s = socket.socket()
s.bind((me, port))
while time.time() < t0 - 0.005:
    time.sleep(0.001)
while time.time() < t0:
    pass
try:
    s.connect((peer, peer_port))
except OSError as e:  # the other's socket was not connecting yet: its kernel refused
    print("failed", e, flush=True)
    sys.exit(0)
print("connected", flush=True)
sys.stdin.readline()  # the driver's checkpoint
if me.endswith(".1"):
    s.sendall(b"hello")
    time.sleep(0.5)
else:
    while s.recv(100):
        pass
s.close()
time.sleep(0.5)
print("closed", flush=True)
"""


def setup():
    create_hosts()
    # Each end's first SYN is dropped on its way out (before tcpdump sees it) until both are in SYN_SENT.
    for ns in NS:
        run("nft", "add table inet tw; add chain inet tw out { type filter hook output priority 0; }; "
            "add rule inet tw out tcp flags & (syn | ack) == syn drop", ns=ns)


def ss_state(ns, local, remote):
    for line in run("ss", "-tanH", ns=ns).stdout.splitlines():
        f = line.split()
        if len(f) >= 5 and f[3] == local and f[4] == remote:
            return SS_TO_LINUX.get(f[0], f[0])
    return "CLOSED"


def frames(pcap):
    out = run("tcpdump", "-nr", str(pcap), check=False).stdout
    return len(out.splitlines())


def flags(pcap):
    out = run("tcpdump", "-nr", str(pcap), check=False).stdout
    return [line.split("Flags [")[1].split("]")[0] for line in out.splitlines() if "Flags [" in line]


def capture(pcap):
    setup()
    try:
        td = subprocess.Popen(["ip", "netns", "exec", CLIENT_NS, "tcpdump", "-i", CLIENT_IF, "-U", "--immediate-mode",
                               "-w", str(pcap), "tcp"], stderr=subprocess.DEVNULL)
        time.sleep(1)
        t0 = time.time() + 0.5
        peers = {}
        for ns, (addr, port) in NS.items():
            other = [v for k, v in NS.items() if k != ns][0]
            peers[ns] = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", PEER, addr, str(port),
                                          other[0], str(other[1]), str(t0)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        c, s = (f"{a}:{p}" for a, p in NS.values())
        for _ in range(200):
            if ss_state(CLIENT_NS, c, s) == "SYN_SENT" and ss_state(SERVER_NS, s, c) == "SYN_SENT":
                break
            time.sleep(0.01)
        for ns in NS:
            run("nft", "delete table inet tw", ns=ns)
        said = [p.stdout.readline().strip() for p in peers.values()]
        if said != ["connected", "connected"]:
            for p in peers.values():
                p.kill()
            td.terminate()
            td.wait()
            return None
        time.sleep(0.5)
        checks = [(frames(pcap), ss_state(CLIENT_NS, c, s), ss_state(SERVER_NS, s, c), "both connect()s returned")]
        for p in peers.values():
            p.stdin.write("\n")
            p.stdin.flush()
        for p in peers.values():
            assert p.stdout.readline().strip() == "closed"
            p.wait()
        time.sleep(0.5)
        checks.append((frames(pcap), ss_state(CLIENT_NS, c, s), ss_state(SERVER_NS, s, c), "both closed"))
        td.terminate()
        td.wait()
        return checks
    finally:
        delete_hosts()


def fixture_args(doc):
    """--pcap-dir and --ss-dir, as the fixture scripts beside this one take them."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pcap-dir", default=str(REPO / "pcaps/kernel"))
    ap.add_argument("--ss-dir", default=str(REPO / "tests/expected/kernel"))
    a = ap.parse_args()
    return Path(a.pcap_dir), Path(a.ss_dir)


def write_checkpoints(path, checks):
    """NAME.ss.tsv: frame, client, server, note (pcaps/kernel/README.md)."""
    with open(path, "w") as f:
        f.write("frame\tclient\tserver\tnote\n")
        for frame, client, server, note in checks:
            f.write(f"{frame}\t{client}\t{server}\t{note}\n")


def main():
    pcap_dir, ss_dir = fixture_args(__doc__)
    pcap = pcap_dir / "simultaneous_open.pcap"
    for attempt in range(10):
        checks = capture(pcap)
        if checks and flags(pcap)[:2] == ["S", "S"]:
            break
        print(f"attempt {attempt + 1}: the SYNs did not cross ({flags(pcap)[:3]}), again", file=sys.stderr)
    else:
        sys.exit("no simultaneous open in 10 attempts")
    pcap.chmod(0o644)
    write_checkpoints(ss_dir / "simultaneous_open.ss.tsv", checks)
    print(pcap, checks)


if __name__ == "__main__":
    main()
