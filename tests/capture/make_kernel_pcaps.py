#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture real Linux TCP connections, with the kernel's own `ss` states, as fixtures.

Run as root (needs `ip netns`, veth, tcpdump, ss, nft for syn_timeout):

    tests/capture/make_kernel_pcaps.py                  # all scenarios
    tests/capture/make_kernel_pcaps.py refused ipv6_close
    tests/capture/make_kernel_pcaps.py --pcap-dir /tmp/a --ss-dir /tmp/a   # elsewhere

Writes, per scenario NAME:
    pcaps/kernel/NAME.pcap                  one TCP connection, captured by tcpdump
    tests/expected/kernel/NAME.ss.tsv       kernel checkpoints: frame, client, server, note

It never writes tests/expected/kernel/NAME.tsv (the per-frame expectations are
written by hand; check them with tests/expectations.py --set kernel).

Topology: two network namespaces joined by a veth pair, i.e. two hosts on one wire:

    netns twc (client)  vc 10.77.0.1/24 fd77::1/64  <--veth-->  vs 10.77.0.2/24 fd77::2/64  netns tws (server)

tcpdump runs in twc on vc with the filter `tcp`, so ARP/NDP never reach the file.
Offloads (TSO/GSO/GRO, tx checksum) are off on both ends: every captured frame is
one wire segment with a correct checksum. Both namespaces are created fresh for each
scenario and deleted after it, so no TIME_WAIT socket of one scenario can meet the
next, and the ports can be fixed: client 4000N, server 8000.

At each checkpoint the driver sleeps SETTLE seconds (packets flow, delayed ACKs
fire), counts the frames tcpdump has written (-U --immediate-mode: written at once)
and reads `ss -tan` in both namespaces for the connection's 4-tuple. A socket that
is not listed is CLOSED. Before accept() the server's row is the child socket
(request socket in SYN-RECV, then the established child in the accept queue).

The socket work is done by sockagent.py, one agent per namespace, driven over
stdin/stdout, so that each step is an ordinary blocking socket call.

Each capture's segment sequence is checked against SHAPE (see pcapshape.py); a
capture that does not match (timing changed a merge) is retried, then reported.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/capture free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import pcapshape  # noqa: E402

PY = "/usr/bin/python3"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
AGENT = HERE / "sockagent.py"

CLIENT_NS, SERVER_NS = "twc", "tws"
CLIENT_IF, SERVER_IF = "vc", "vs"
CLIENT_MAC, SERVER_MAC = "02:77:00:00:00:01", "02:77:00:00:00:02"
C4, S4 = "10.77.0.1", "10.77.0.2"
C6, S6 = "fd77::1", "fd77::2"
SERVER_PORT = 8000
SETTLE = 0.3  # seconds between a step and its checkpoint

# ss state names -> Linux include/net/tcp_states.h names
SS_TO_LINUX = {
    "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV",
    "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2", "TIME-WAIT": "TIME_WAIT",
    "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING",
    "CLOSE": "CLOSED", "UNCONN": "CLOSED",
}


def run(*args, check=True, ns=None):
    if ns:
        args = ("ip", "netns", "exec", ns) + args
    return subprocess.run(args, check=check, capture_output=True, text=True)


# --------------------------------------------------------------------------- hosts

def delete_hosts():
    for ns in (CLIENT_NS, SERVER_NS):
        run("ip", "netns", "del", ns, check=False)


def create_hosts():
    delete_hosts()
    for ns in (CLIENT_NS, SERVER_NS):
        run("ip", "netns", "add", ns)
        run("ip", "link", "set", "lo", "up", ns=ns)
    run("ip", "link", "add", "tw-c", "type", "veth", "peer", "name", "tw-s")
    for dev, ns, name, mac, a4, a6 in (("tw-c", CLIENT_NS, CLIENT_IF, CLIENT_MAC, C4, C6),
                                       ("tw-s", SERVER_NS, SERVER_IF, SERVER_MAC, S4, S6)):
        run("ip", "link", "set", dev, "netns", ns)
        run("ip", "link", "set", dev, "name", name, "address", mac, ns=ns)
        run("ethtool", "-K", name, "tso", "off", "gso", "off", "gro", "off", "tx", "off", ns=ns)
        run("ip", "addr", "add", a4 + "/24", "dev", name, ns=ns)
        run("ip", "-6", "addr", "add", a6 + "/64", "dev", name, "nodad", ns=ns)
        run("ip", "link", "set", name, "up", ns=ns)


def drop_synacks_leaving_server():
    """nftables in the server namespace: every SYN-ACK the server sends is dropped."""
    rules = """
table inet tcpwave_drop {
    chain out {
        type filter hook output priority 0; policy accept;
        tcp flags & (syn | ack) == syn | ack drop
    }
}
"""
    subprocess.run(["ip", "netns", "exec", SERVER_NS, "nft", "-f", "-"],
                   input=rules, text=True, check=True)


# --------------------------------------------------------------------------- agents

class Agent:
    """A sockagent.py process in one namespace. start() queues, wait() collects."""

    def __init__(self, ns):
        self.ns = ns
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, PY, "-u", str(AGENT)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.queued = []

    def start(self, op, **args):
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        self.queued.append(op)

    def wait(self, expect_error=None):
        op = self.queued.pop(0)
        answer = json.loads(self.proc.stdout.readline())
        if expect_error:
            if answer["ok"] or expect_error not in answer["error"]:
                raise RuntimeError(f"{self.ns} {op}: expected {expect_error}, got {answer}")
        elif not answer["ok"]:
            raise RuntimeError(f"{self.ns} {op}: {answer['error']}")
        return answer

    def call(self, op, expect_error=None, **args):
        self.start(op, **args)
        return self.wait(expect_error)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=5)


# --------------------------------------------------------------------------- one run

class Capture:
    """One scenario run: hosts, tcpdump, agents, checkpoints."""

    def __init__(self, name, client_port, pcap_path):
        self.name = name
        self.client_port = client_port
        self.pcap = pcap_path
        self.rows = []
        self.t0 = None

    def __enter__(self):
        create_hosts()
        if self.pcap.exists():
            self.pcap.unlink()
        self.tcpdump = subprocess.Popen(
            ["ip", "netns", "exec", CLIENT_NS, "tcpdump", "-i", CLIENT_IF, "-n", "-U",
             "--immediate-mode", "-Z", "root", "-w", str(self.pcap), "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.tcpdump.stderr.readline()  # "listening on vc, link-type EN10MB ..."
        if "listening on" not in line:
            raise RuntimeError(f"tcpdump did not start: {line}")
        self.client = Agent(CLIENT_NS)
        self.server = Agent(SERVER_NS)
        return self

    def __exit__(self, *exc):
        time.sleep(SETTLE)
        for agent in (self.client, self.server):
            agent.stop()
        self.tcpdump.send_signal(signal.SIGINT)
        _, err = self.tcpdump.communicate(timeout=10)
        if "0 packets dropped by kernel" not in err:
            print(f"  WARNING tcpdump: {err.strip()}", file=sys.stderr)
        delete_hosts()

    def frames(self):
        return pcapshape.count_frames(self.pcap)

    def wait_frames(self, n, timeout=10.0):
        end = time.monotonic() + timeout
        while self.frames() < n:
            if time.monotonic() > end:
                raise RuntimeError(f"{self.name}: waited for {n} frames, have {self.frames()}")
            time.sleep(0.02)

    def ss_state(self, ns, local_port, peer_port):
        out = run("ss", "-tanH", ns=ns).stdout
        states = []
        for line in out.splitlines():
            fields = line.split()
            if len(fields) < 5:
                continue
            local, peer = fields[3], fields[4]
            if local.rsplit(":", 1)[1] == str(local_port) and peer.rsplit(":", 1)[1] == str(peer_port):
                states.append(SS_TO_LINUX[fields[0]])
        if len(states) > 1:
            raise RuntimeError(f"{ns}: several sockets for one 4-tuple: {out}")
        return states[0] if states else "CLOSED"

    def checkpoint(self, note, settle=SETTLE):
        time.sleep(settle)
        row = (self.frames(),
               self.ss_state(CLIENT_NS, self.client_port, SERVER_PORT),
               self.ss_state(SERVER_NS, SERVER_PORT, self.client_port),
               note)
        self.rows.append(row)
        print(f"  checkpoint frame={row[0]:<3} client={row[1]:<12} server={row[2]:<12} {note}")


# --------------------------------------------------------------------------- scenarios

SCENARIOS = {}


def scenario(client_port, shape, v6=False):
    def register(fn):
        SCENARIOS[fn.__name__] = dict(fn=fn, client_port=client_port, shape=shape, v6=v6)
        return fn
    return register


def open_connection(cap, v6=False):
    """listen, connect (handshake), then accept: the usual first three frames."""
    srv_addr, cli_addr = (S6, C6) if v6 else (S4, C4)
    cap.server.call("listen", name="L", addr=srv_addr, port=SERVER_PORT)
    cap.checkpoint("server listening, before connect()")
    cap.client.call("connect", name="c", addr=srv_addr, port=SERVER_PORT,
                    local_addr=cli_addr, local_port=cap.client_port)
    cap.checkpoint("connect() returned, before accept()")
    cap.server.call("accept", name="s", listener="L")
    cap.server.call("close", name="L")  # the listener plays no further part


HANDSHAKE = ["c:S", "s:SA", "c:A"]


@scenario(40001, HANDSHAKE + ["c:A+3", "s:A", "c:FA", "s:FA", "c:A"])
def three_way_close(cap):
    """Client closes; server read()s 0 and close()s at once: its ACK rides on its FIN."""
    open_connection(cap)
    cap.client.call("send", name="c", data="abc")
    cap.server.call("recv", name="s", n=3)
    cap.checkpoint("client sent 3 bytes, server read them")
    cap.server.start("recv_eof", name="s")
    cap.server.start("close", name="s")  # queued: runs the moment read() returns 0
    cap.client.call("close", name="c")
    cap.server.wait()
    cap.server.wait()
    cap.checkpoint("client close(); server read() returned 0 and server close() at once")


@scenario(40002, HANDSHAKE + ["c:A+3", "s:A", "c:FA", "s:A", "s:FA", "c:A"])
def four_way_close(cap):
    """Client closes; server waits 0.5 s after read()==0: its delayed ACK goes alone."""
    open_connection(cap)
    cap.client.call("send", name="c", data="abc")
    cap.server.call("recv", name="s", n=3)
    cap.checkpoint("client sent 3 bytes, server read them")
    cap.server.start("recv_eof", name="s")
    cap.client.call("close", name="c")
    cap.server.wait()
    cap.checkpoint("client close(); server read() returned 0, server not closed yet",
                   settle=0.5)
    cap.server.call("close", name="s")
    cap.checkpoint("server close()")


@scenario(40003, HANDSHAKE + ["s:A+5", "c:A", "s:FA", "c:FA", "s:A"])
def server_close(cap):
    """Server sends 5 bytes and closes first; client read()s 0 and closes at once."""
    open_connection(cap)
    cap.server.call("send", name="s", data="hello")
    cap.client.call("recv", name="c", n=5)
    cap.checkpoint("server sent 5 bytes, client read them")
    cap.client.start("recv_eof", name="c")
    cap.client.start("close", name="c")
    cap.server.call("close", name="s")
    cap.client.wait()
    cap.client.wait()
    cap.checkpoint("server close(); client read() returned 0 and client close() at once")


@scenario(40004, HANDSHAKE + ["c:A+3", "s:A", "c:RA"])
def linger_rst(cap):
    """Client sets SO_LINGER {1, 0}; its close() aborts the connection with a RST."""
    open_connection(cap)
    cap.client.call("send", name="c", data="abc")
    cap.server.call("recv", name="s", n=3)
    cap.checkpoint("client sent 3 bytes, server read them")
    cap.client.call("linger0", name="c")
    cap.client.call("close", name="c")
    cap.checkpoint("client set SO_LINGER {1,0} and close()d")
    cap.server.call("recv_eof", name="s", expect_error="ConnectionResetError")
    cap.server.call("close", name="s")
    cap.checkpoint("server read() failed with ECONNRESET, server close()d")


@scenario(40005, HANDSHAKE + ["c:A+3", "s:A", "s:RA"])
def unread_rst(cap):
    """Server close()s with 3 unread bytes in its receive queue: the kernel sends a RST."""
    open_connection(cap)
    cap.client.call("send", name="c", data="abc")
    cap.checkpoint("client sent 3 bytes, server did not read them")
    cap.server.call("close", name="s")
    cap.checkpoint("server close() with 3 unread bytes")
    cap.client.call("recv_eof", name="c", expect_error="ConnectionResetError")
    cap.client.call("close", name="c")
    cap.checkpoint("client read() failed with ECONNRESET, client close()d")


@scenario(40006, HANDSHAKE + ["c:A+4", "s:A", "c:FA", "s:A", "s:A+6", "c:A", "s:A+6", "c:A",
                              "s:FA", "c:A"])
def half_close_data(cap):
    """Client sends a request and shutdown(SHUT_WR)s; server answers after the FIN, closes."""
    open_connection(cap)
    cap.client.call("send", name="c", data="GET\n")
    cap.server.call("recv", name="s", n=4)
    cap.checkpoint("client sent 4 bytes, server read them")
    cap.server.start("recv_eof", name="s")
    cap.client.call("shutdown_wr", name="c")
    cap.server.wait()
    cap.checkpoint("client shutdown(SHUT_WR); server read() returned 0", settle=0.5)
    cap.server.call("send", name="s", data="part1\n")
    cap.client.call("recv", name="c", n=6)
    cap.checkpoint("server sent 6 bytes after the FIN, client read them")
    cap.server.call("send", name="s", data="part2\n")
    cap.client.call("recv", name="c", n=6)
    cap.checkpoint("server sent 6 more bytes, client read them")
    cap.server.call("close", name="s")
    cap.client.call("recv_eof", name="c")
    cap.checkpoint("server close(); client read() returned 0")
    cap.client.call("close", name="c")
    cap.checkpoint("client close() (nothing sent: already TIME_WAIT)")


@scenario(40007, ["c:S", "s:RA"])
def refused(cap):
    """connect() to a port with no listener: SYN, then RST,ACK; connect() fails."""
    cap.checkpoint("nothing listening on the server port, before connect()")
    cap.client.call("connect", name="c", addr=S4, port=SERVER_PORT, local_addr=C4,
                    local_port=cap.client_port, expect_error="ConnectionRefusedError")
    cap.checkpoint("connect() failed with ECONNREFUSED")
    cap.client.call("close", name="c")
    cap.checkpoint("client close()")


@scenario(40008, HANDSHAKE + ["c:A+4", "s:A", "s:A+4", "c:A", "c:FA", "s:FA", "c:A"], v6=True)
def ipv6_close(cap):
    """IPv6 fd77::1 -> fd77::2: request, reply, client closes, server closes at once."""
    open_connection(cap, v6=True)
    cap.client.call("send", name="c", data="ping")
    cap.server.call("recv", name="s", n=4)
    cap.checkpoint("client sent 4 bytes, server read them")
    cap.server.call("send", name="s", data="pong")
    cap.client.call("recv", name="c", n=4)
    cap.checkpoint("server sent 4 bytes, client read them")
    cap.server.start("recv_eof", name="s")
    cap.server.start("close", name="s")
    cap.client.call("close", name="c")
    cap.server.wait()
    cap.server.wait()
    cap.checkpoint("client close(); server read() returned 0 and server close() at once")


@scenario(40009, ["c:S", "c:S", "c:S"])
def syn_timeout(cap):
    """Server's SYN-ACKs are dropped by nftables before they leave its host; the client
    retransmits its SYN (1 s apart: tcp_syn_linear_timeouts) and the application gives
    up on connect() after 2.5 s and closes the socket, which sends nothing."""
    drop_synacks_leaving_server()
    cap.server.call("listen", name="L", addr=S4, port=SERVER_PORT)
    cap.checkpoint("server listening, SYN-ACKs dropped on output, before connect()")
    cap.client.start("connect", name="c", addr=S4, port=SERVER_PORT, local_addr=C4,
                     local_port=cap.client_port, timeout=2.5)
    for n in (1, 2, 3):
        cap.wait_frames(n)
        cap.checkpoint(f"connect() in progress, {'first SYN' if n == 1 else 'SYN retransmission'} captured")
    cap.client.wait(expect_error="TimeoutError")
    cap.checkpoint("connect() timed out in the application (2.5 s), socket still open", settle=0.1)
    cap.client.call("close", name="c")
    cap.checkpoint("client close() after the timeout")


# --------------------------------------------------------------------------- main

def run_scenario(name, pcap_dir, ss_dir, attempts=3):
    sc = SCENARIOS[name]
    pcap = pcap_dir / f"{name}.pcap"
    for attempt in range(1, attempts + 1):
        print(f"{name} (attempt {attempt})")
        with Capture(name, sc["client_port"], pcap) as cap:
            sc["fn"](cap)
        got = pcapshape.shapes(pcap, sc["client_port"])
        print("  frames:", " ".join(got))
        if got == sc["shape"]:
            break
        print(f"  shape differs from the expected {' '.join(sc['shape'])}", file=sys.stderr)
    else:
        raise SystemExit(f"{name}: no capture with the expected shape in {attempts} attempts")
    with open(ss_dir / f"{name}.ss.tsv", "w") as f:
        f.write("frame\tclient\tserver\tnote\n")
        for row in cap.rows:
            f.write("\t".join(str(x) for x in row) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help=f"scenarios (default all): {' '.join(SCENARIOS)}")
    ap.add_argument("--pcap-dir", type=Path, default=REPO / "pcaps" / "kernel")
    ap.add_argument("--ss-dir", type=Path, default=REPO / "tests" / "expected" / "kernel")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (network namespaces, tcpdump)")
    for name in opts.names:
        if name not in SCENARIOS:
            raise SystemExit(f"unknown scenario {name}; known: {' '.join(SCENARIOS)}")
    opts.pcap_dir.mkdir(parents=True, exist_ok=True)
    opts.ss_dir.mkdir(parents=True, exist_ok=True)
    print("kernel", os.uname().release)
    names = opts.names or list(SCENARIOS)
    try:
        for name in names:
            run_scenario(name, opts.pcap_dir, opts.ss_dir)
    finally:
        delete_hosts()

    # The hand-written per-frame expectations must still hold for the new captures.
    sys.path.insert(0, str(REPO / "tests"))
    import expectations
    failed = False
    for name in names:
        if (expectations.EXPECTED / "kernel" / f"{name}.tsv").exists():
            errors = expectations.check("kernel", name, opts.pcap_dir, opts.ss_dir)
            print(f"{'expectations hold' if not errors else 'EXPECTATIONS FAIL'}: {name}")
            for e in errors:
                print("    " + e)
            failed |= bool(errors)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
