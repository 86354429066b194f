#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A connection whose handshake ACK meets a full accept queue, as a fixture.

Run as root (ip netns, veth, nft from the nftables package, tcpdump, ss):

    tests/capture/make_accept_overflow.py [--pcap-dir D] [--ss-dir D]

Writes pcaps/kernel/accept_overflow.pcap and
tests/expected/kernel/accept_overflow.ss.tsv (the per-frame expectation,
accept_overflow.tsv, is written by hand).

Two namespaces twc (10.77.0.1) and tws (10.77.0.2) on a veth pair, as
make_kernel_pcaps.py makes them.  The server listen()s with a backlog of 2
(the accept queue holds 3) and does not accept() yet; 10.77.0.1:40020 and
:40021 connect and fill two places.  Then an nftables rule on the client's
output drops its pure ACKs (before tcpdump sees them) while :40022 and
:40023 connect: both requests wait in SYN_RECV.  The rule goes; the server's
SYN-ACK timer sends both SYN-ACKs again, the client answers each; :40022's
ACK takes the last place, :40023's meets a full queue: tcp_check_req()
drops it and keeps the request (listen_overflow, counted in
ListenOverflows).  Which of the two, the order of the request timers
decides: both are captured, to files of their own, and the one whose ACK
met the full queue is kept.  The
client, ESTABLISHED, sends 2 bytes, which the request drops too, and sends
them again; the SYN-ACK comes once more.  Then the server accept()s all
four: the next copy of the data completes the connection, and the server
acknowledges it.  Both close.  tcpdump captures in twc.

Checkpoints (`ss -tan` in both namespaces, that connection): after its first
SYN-ACK (its ACK dropped before the capture point), after the ACK that met
the full queue, after the data was sent, after accept(), and at the end.
A capture whose shape differs (the overflow did not happen) is made again,
up to 5 times.
"""

import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/capture free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_kernel_pcaps import C4, CLIENT_IF, CLIENT_NS, S4, SERVER_NS, create_hosts, delete_hosts, run  # noqa: E402
from make_simultaneous_open import fixture_args, frames, ss_state, write_checkpoints  # noqa: E402

PORTS = (40020, 40021, 40022, 40023)
WATCHED = PORTS[2:]

SERVER = r"""
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("10.77.0.2", 8000))
ls.listen(2)
print("listening", flush=True)
sys.stdin.readline()
conns = [ls.accept()[0] for _ in range(4)]
print("accepted", flush=True)
for s in conns:
    s.recv(100)
sys.stdin.readline()
for s in conns:
    s.close()
print("closed", flush=True)
"""

CLIENT = r"""
import socket, sys
ports = [int(p) for p in sys.argv[1:]]
socks = []
def connect(port, block):
    s = socket.socket()
    s.bind(("10.77.0.1", port))
    s.setblocking(block)
    try:
        s.connect(("10.77.0.2", 8000))
    except BlockingIOError:
        pass
    socks.append(s)
connect(ports[0], True)
connect(ports[1], True)
print("two", flush=True)
sys.stdin.readline()
connect(ports[2], False)
connect(ports[3], False)
print("connecting", flush=True)
sys.stdin.readline()
for s in socks:
    s.setblocking(True)
    s.send(b"hi")
print("sent", flush=True)
sys.stdin.readline()
for s in socks:
    s.close()
print("closed", flush=True)
"""


def shape(pcap):
    """tcpdump's flags, and the length, of each frame."""
    out = run("tcpdump", "-nr", str(pcap), check=False).stdout
    return [line.split("Flags [")[1].split("]")[0] + ("+" + line.rsplit("length ", 1)[1] if not
                                                     line.endswith("length 0") else "")
            for line in out.splitlines() if "Flags [" in line]


def capture(pcap):
    """Both late connections are captured, each to a file of its own, with
    ss checkpoints for each: which of them the full queue met depends on the
    order in which the request timers fire.  Returns {port: (file, checks)}."""
    create_hosts()
    files = {p: pcap.with_name(f"{pcap.stem}.{p}.pcap") for p in WATCHED}
    checks = {p: [] for p in WATCHED}

    def check(note):
        for p in WATCHED:
            c, s = f"{C4}:{p}", f"{S4}:8000"
            checks[p].append((frames(files[p]), ss_state(CLIENT_NS, c, s), ss_state(SERVER_NS, s, c), note))

    try:
        run("sysctl", "-w", "net.ipv4.tcp_syncookies=0", ns=SERVER_NS)  # the request stays a request
        tds = [subprocess.Popen(["ip", "netns", "exec", CLIENT_NS, "tcpdump", "-i", CLIENT_IF, "-U",
                                 "--immediate-mode", "-w", str(files[p]), f"tcp port {p}"], stderr=subprocess.DEVNULL)
               for p in WATCHED]
        time.sleep(1)
        server = subprocess.Popen(["ip", "netns", "exec", SERVER_NS, sys.executable, "-c", SERVER],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "listening"
        client = subprocess.Popen(["ip", "netns", "exec", CLIENT_NS, sys.executable, "-c", CLIENT] +
                                  [str(p) for p in PORTS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def tell(p, expect):
            if p.stdin:
                p.stdin.write("\n")
                p.stdin.flush()
            assert p.stdout.readline().strip() == expect

        assert client.stdout.readline().strip() == "two"
        run("nft", "add table inet tw; add chain inet tw out { type filter hook output priority 0; }; "
            "add rule inet tw out tcp flags == ack drop", ns=CLIENT_NS)
        tell(client, "connecting")
        time.sleep(0.3)
        check("SYN-ACK answered, its ACK dropped before the capture point")
        run("nft", "delete table inet tw", ns=CLIENT_NS)
        time.sleep(1.5)  # the SYN-ACK timer (1 s): sent again, answered, the ACK meets the full queue
        check("the ACK after the SYN-ACK sent again met the full accept queue")
        tell(client, "sent")
        time.sleep(1.5)
        check("data sent and sent again, not taken")
        tell(server, "accepted")
        time.sleep(2.5)  # the data's next copy completes the request
        check("after accept(): the copy of the data sent then was taken")
        tell(client, "closed")
        time.sleep(0.3)
        tell(server, "closed")
        time.sleep(0.5)
        check("both closed")
        for td in tds:
            td.terminate()
            td.wait()
        return {p: (files[p], checks[p]) for p in WATCHED}
    finally:
        delete_hosts()


def main():
    pcap_dir, ss_dir = fixture_args(__doc__)
    pcap = pcap_dir / "accept_overflow.pcap"
    for attempt in range(5):
        runs = capture(pcap)
        met = [(f, checks) for f, checks in runs.values()
               if [(cl, sv) for _, cl, sv, _ in checks[:3]] == [("ESTABLISHED", "SYN_RECV")] * 3 and
               checks[3][2] == "ESTABLISHED"]
        if len(met) == 1:
            break
        print(f"attempt {attempt + 1}: no overflow ({runs}), again", file=sys.stderr)
    else:
        sys.exit("no accept queue overflow in 5 attempts")
    kept, checks = met[0]
    kept.rename(pcap)
    for f, _ in runs.values():
        f.unlink(missing_ok=True)
    pcap.chmod(0o644)
    write_checkpoints(ss_dir / "accept_overflow.ss.tsv", checks)
    print(pcap, checks, shape(pcap))


if __name__ == "__main__":
    main()
