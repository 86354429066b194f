#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Kernel workloads for the per-host occupancy (issue 12), with the kernel's `ss` counts.

Run as root (ip netns, veth, tcpdump, ss):

    tests/capture/make_host_pcaps.py                 # all workloads
    tests/capture/make_host_pcaps.py server_time_wait

Writes, per workload NAME:
    pcaps/kernel/hosts/NAME.pcap             captured by tcpdump on the client's interface
    tests/expected/kernel/hosts/NAME.ss.json the workload's parameters and what `ss` counted,
                                             polled every POLL seconds during the run

Topology (names of its own, so that it never meets make_kernel_pcaps.py's):

    netns tw12c  c12 10.78.0.1/24  <--veth-->  s12 10.78.0.2/24  netns tw12s

Workloads:
    server_time_wait  N short connections; the server closes each first (it
                      holds TIME_WAIT); `ss -tan state time-wait` in the server
    close_wait        N connections the client closes and the server never
                      does; `state close-wait` in the server, `state
                      fin-wait-2` in the client
    keepalive         one idle connection with SO_KEEPALIVE, TCP_KEEPIDLE 1 s,
                      TCP_KEEPINTVL 1 s, kept RUN seconds
    port_reuse        N connections from one bound client port, each closed by
                      the client (client TIME_WAIT) and reopened after GAP
                      seconds, with net.ipv4.tcp_tw_reuse=1 in the client
    syn_backlog       a listener with listen(fd, 1) that accepts nothing for
                      ACCEPT_AT seconds, then accept()s ACCEPTS connections
                      and never again, with net.ipv4.tcp_syncookies=0 in the
                      server; the client makes one connection, then BURST
                      non-blocking connect()s at once and keeps them RUN
                      seconds.  Polled: `state syn-recv` in the server and
                      the listener's Recv-Q (`ss -ltn`: its accept queue);
                      recorded: the kernel's
                      counters (/proc/net/netstat, /proc/net/snmp: nstat)
                      in both namespaces, before and after, and what each
                      connect() saw (connected or not, after how long, and
                      tcpi_total_retrans from TCP_INFO: its SYN's
                      retransmissions)
    time_wait_restart one connection the server closes first (it holds
                      TIME_WAIT); NUDGES seconds later the client's namespace
                      sends it a bare in-window ACK (scapy, raw socket: the
                      sequence numbers read from the capture so far), which
                      Linux answers by restarting the TIME_WAIT timer
                      (tcp_timewait_state_process(): inet_twsk_reschedule(tw,
                      TCP_TIMEWAIT_LEN)).  Kept RUN seconds, past 60 s after
                      the server entered TIME_WAIT, with a last connect() at
                      MARK s (refused: the server has exited) so that the
                      capture's last segment is then; `ss -tano state
                      time-wait` at the end (its timer) is recorded
"""
import argparse
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PY = "/usr/bin/python3"
CNS, SNS = "tw12c", "tw12s"
CIF, SIF = "c12", "s12"
C4, S4 = "10.78.0.1", "10.78.0.2"
PORT = 8000
POLL = 0.05


def run(*args, ns=None, check=True):
    if ns:
        args = ("ip", "netns", "exec", ns) + args
    return subprocess.run(args, check=check, capture_output=True, text=True)


def delete_hosts():
    for ns in (CNS, SNS):
        run("ip", "netns", "del", ns, check=False)


def create_hosts():
    delete_hosts()
    for ns in (CNS, SNS):
        run("ip", "netns", "add", ns)
        run("ip", "link", "set", "lo", "up", ns=ns)
    run("ip", "link", "add", "t12c", "type", "veth", "peer", "name", "t12s")
    for dev, ns, name, a4 in (("t12c", CNS, CIF, C4), ("t12s", SNS, SIF, S4)):
        run("ip", "link", "set", dev, "netns", ns)
        run("ip", "link", "set", dev, "name", name, ns=ns)
        run("ethtool", "-K", name, "tso", "off", "gso", "off", "gro", "off", "tx", "off", ns=ns)
        run("ip", "addr", "add", a4 + "/24", "dev", name, ns=ns)
        run("ip", "link", "set", name, "up", ns=ns)


def ss_count(ns, state):
    out = run("ss", "-tanH", "state", state, ns=ns).stdout
    return sum(1 for line in out.splitlines() if line.strip() and f":{PORT}" in line)


def ss_listen_queue(ns):
    """Recv-Q of the listener on PORT: for a listening socket, the accept
    queue's length (sk_ack_backlog; net/ipv4/tcp_diag.c tcp_diag_get_info())."""
    out = run("ss", "-ltnH", f"sport = :{PORT}", ns=ns).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0] == "LISTEN":
            return int(f[1])
    return 0


def kernel_counters(ns):
    """nstat's view of one namespace: {name: value} from /proc/net/netstat
    and /proc/net/snmp (absolute values, -a; not written to nstat's history)."""
    out = run("nstat", "-asz", "--json", ns=ns).stdout
    return {k: int(v) for k, v in json.loads(out)["kernel"].items()}


class Poller:
    """Polls `ss` counts in a thread; keeps the peak and the last value of each."""

    def __init__(self, probes):
        self.probes = probes  # name -> (ns, state)
        self.peak = {k: 0 for k in probes}
        self.last = {k: 0 for k in probes}
        self.polls = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop)

    def loop(self):
        while not self.stop.is_set():
            self.sample()
            time.sleep(POLL)

    def sample(self):
        for k, (ns, state) in self.probes.items():
            n = ss_listen_queue(ns) if state == "listen-queue" else ss_count(ns, state)
            self.peak[k] = max(self.peak[k], n)
            self.last[k] = n
        self.polls += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.sample()  # the state when the capture stops


SERVER_CLOSES = """
import socket, sys
n = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8000)); l.listen(128); print("ready", flush=True)
for _ in range(n):
    s, _ = l.accept(); s.sendall(b"bye"); s.close()
"""

CLIENT_READS = """
import socket, sys, time
n, gap = int(sys.argv[1]), float(sys.argv[2])
for i in range(n):
    s = socket.create_connection(("10.78.0.2", 8000))
    while s.recv(100): pass
    s.close(); time.sleep(gap)
"""

SERVER_NEVER_CLOSES = """
import socket, sys, time
n = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8000)); l.listen(128); print("ready", flush=True)
kept = [l.accept()[0] for _ in range(n)]
time.sleep(600)
"""

CLIENT_CLOSES = """
import socket, sys, time
n, gap = int(sys.argv[1]), float(sys.argv[2])
for i in range(n):
    s = socket.create_connection(("10.78.0.2", 8000)); s.sendall(b"hi"); s.close(); time.sleep(gap)
"""

SERVER_KEEPS = """
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8000)); l.listen(8); print("ready", flush=True)
s, _ = l.accept(); time.sleep(600)
"""

CLIENT_KEEPALIVE = """
import socket, sys, time
s = socket.create_connection(("10.78.0.2", 8000))
s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
time.sleep(float(sys.argv[1]))
"""

SERVER_ECHO_CLOSE_AFTER = """
import socket, sys
n = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8000)); l.listen(128); print("ready", flush=True)
for _ in range(n):
    s, _ = l.accept()
    while s.recv(100): pass
    s.close()
"""

CLIENT_SAME_PORT = """
import socket, sys, time
n, gap = int(sys.argv[1]), float(sys.argv[2])
for i in range(n):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.78.0.1", 45000)); s.connect(("10.78.0.2", 8000)); s.sendall(b"x")
    s.shutdown(socket.SHUT_WR)
    while s.recv(100): pass
    s.close(); time.sleep(gap)
"""


SERVER_BACKLOG_1 = """
import socket, sys, time
accept_at, n = float(sys.argv[1]), int(sys.argv[2])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8000)); l.listen(1); print("ready", flush=True)
time.sleep(accept_at)
kept = [l.accept()[0] for _ in range(n)]
print("accepted", len(kept), flush=True)
time.sleep(600)
"""

CLIENT_BURST = """
import json, select, socket, struct, sys, time
burst, run_for = int(sys.argv[1]), float(sys.argv[2])
def info(s):
    # struct tcp_info (include/uapi/linux/tcp.h): u8 tcpi_state first,
    # u32 tcpi_total_retrans at byte 100.
    b = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return b[0], struct.unpack_from("I", b, 100)[0]
first = socket.create_connection(("10.78.0.2", 8000))
time.sleep(0.2)
socks, t0 = [], {}
for i in range(burst):
    s = socket.socket(); s.setblocking(False)
    t0[s.fileno()] = time.monotonic()
    try:
        s.connect(("10.78.0.2", 8000))
    except BlockingIOError:
        pass
    socks.append(s)
done = {}
end = time.monotonic() + run_for
while time.monotonic() < end:
    pending = [s for s in socks if s.fileno() not in done]
    if not pending:
        time.sleep(0.05); continue
    _, w, _ = select.select([], pending, [], 0.05)
    for s in w:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            done[s.fileno()] = (time.monotonic() - t0[s.fileno()], info(s)[1])
out = []
for s in [first] + socks:
    state, retrans = info(s)
    r = {"port": s.getsockname()[1], "tcpi_state": state, "tcpi_total_retrans": retrans}
    if s is first:
        r["connected_after"] = 0.0
    elif s.fileno() in done:
        r["connected_after"] = round(done[s.fileno()][0], 3)
        r["retrans_when_connected"] = done[s.fileno()][1]
    out.append(r)
print(json.dumps(out), flush=True)
"""


CLIENT_NUDGES = """
import socket, sys, time
from scapy.all import IP, TCP, rdpcap, send
pcap, mark, nudges = sys.argv[1], float(sys.argv[2]), [float(x) for x in sys.argv[3:]]
s = socket.create_connection(("10.78.0.2", 8000))
while s.recv(100): pass
s.close()
start = time.monotonic()
for at in nudges:
    time.sleep(max(0.0, start + at - time.monotonic()))
    segs = [p[TCP] for p in rdpcap(pcap) if TCP in p]
    fin_c = [t for t in segs if t.dport == 8000 and t.flags.F][-1]
    fin_s = [t for t in segs if t.sport == 8000 and t.flags.F][-1]
    # In window for the TIME_WAIT socket: seq = its rcv_nxt, ack = its snd_nxt; no options (no PAWS check).
    send(IP(src="10.78.0.1", dst="10.78.0.2") / TCP(sport=fin_c.sport, dport=8000, flags="A",
         seq=fin_c.seq + 1, ack=fin_s.seq + 1, window=fin_c.window), verbose=0)
    print("nudged", at, flush=True)
# A last segment at MARK s, so that the capture's end (its last segment) is then: a connect() to the
# listener, closed by now (the server accepted its one connection and exited): refused.
time.sleep(max(0.0, start + mark - time.monotonic()))
try:
    socket.create_connection(("10.78.0.2", 8000), timeout=2).close()
    print("marker connected", flush=True)
except OSError as e:
    print("marker", type(e).__name__, flush=True)
"""


def workload(name, server_code, server_args, client_code, client_args, probes, after=0.3, sysctls=(),
             counters=False, timers=False):
    pcap_dir = REPO / "pcaps/kernel/hosts"
    exp_dir = REPO / "tests/expected/kernel/hosts"
    pcap_dir.mkdir(parents=True, exist_ok=True)
    exp_dir.mkdir(parents=True, exist_ok=True)
    pcap = pcap_dir / f"{name}.pcap"
    create_hosts()
    try:
        for ns, key, value in sysctls:
            run("sysctl", "-qw", f"{key}={value}", ns=ns)
        tcpdump = subprocess.Popen(["ip", "netns", "exec", CNS, "tcpdump", "-i", CIF, "-n", "-U",
                                    "--immediate-mode", "-s", "128", "-w", str(pcap), "tcp"],
                                   stderr=subprocess.PIPE, text=True)
        tcpdump.stderr.readline()
        server = subprocess.Popen(["ip", "netns", "exec", SNS, PY, "-c", server_code, *map(str, server_args)],
                                  stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "ready"
        before = {ns: kernel_counters(ns) for ns in (CNS, SNS)} if counters else {}
        started = time.monotonic()
        with Poller(probes) as poller:
            args = [str(pcap) if a == "PCAP" else str(a) for a in client_args]
            client = subprocess.run(["ip", "netns", "exec", CNS, PY, "-c", client_code, *args],
                                    check=True, stdout=subprocess.PIPE, text=True)
            time.sleep(after)
        after_counters = {ns: kernel_counters(ns) for ns in (CNS, SNS)} if counters else {}
        # The TIME_WAIT sockets' timers when the capture stops (ss -o: timer:(timewait,REMAINING,0)).
        tw_timers = run("ss", "-tanoH", "state", "time-wait", ns=SNS).stdout.split("\n") if timers else []
        elapsed = time.monotonic() - started
        tcpdump.send_signal(signal.SIGINT)
        tcpdump.communicate(timeout=10)
        server.kill()
        server_said = server.stdout.read()
        server.wait()
    finally:
        delete_hosts()
    record = {
        "workload": name,
        "server_args": server_args,
        "client_args": client_args,
        "client": C4,
        "server": S4,
        "port": PORT,
        "poll_seconds": POLL,
        "polls": poller.polls,
        "seconds": round(elapsed, 3),
        "sysctls": [list(s) for s in sysctls],
        "ss_peak": poller.peak,
        "ss_end": poller.last,
    }
    if timers:
        record["ss_end_time_wait_timers"] = [line.strip() for line in tw_timers if line.strip()]
        record["client_said"] = client.stdout.split("\n")[:-1]
    if counters:
        # What the kernel counted during the run, per namespace (after - before; nonzero only).
        for ns, key in ((CNS, "client_counters"), (SNS, "server_counters")):
            record[key] = {k: v - before[ns].get(k, 0) for k, v in sorted(after_counters[ns].items())
                           if v - before[ns].get(k, 0)}
        record["server_said"] = server_said.split()
        record["connects"] = json.loads(client.stdout.strip().splitlines()[-1])
    (exp_dir / f"{name}.ss.json").write_text(json.dumps(record, indent=2) + "\n")
    print(name, json.dumps(record["ss_peak"]), json.dumps(record["ss_end"]))


WORKLOADS = {
    "server_time_wait": lambda: workload(
        "server_time_wait", SERVER_CLOSES, [200], CLIENT_READS, [200, 0.005],
        {"server_time_wait": (SNS, "time-wait"), "client_time_wait": (CNS, "time-wait")}),
    "close_wait": lambda: workload(
        "close_wait", SERVER_NEVER_CLOSES, [50], CLIENT_CLOSES, [50, 0.01],
        {"server_close_wait": (SNS, "close-wait"), "client_fin_wait2": (CNS, "fin-wait-2"),
         "client_time_wait": (CNS, "time-wait")}, after=1.0),
    "keepalive": lambda: workload(
        "keepalive", SERVER_KEEPS, [], CLIENT_KEEPALIVE, [3.5],
        {"server_close_wait": (SNS, "close-wait")}),
    "port_reuse": lambda: workload(
        "port_reuse", SERVER_ECHO_CLOSE_AFTER, [5], CLIENT_SAME_PORT, [5, 1.2],
        {"client_time_wait": (CNS, "time-wait")}, sysctls=[(CNS, "net.ipv4.tcp_tw_reuse", "1")]),
    "syn_backlog": lambda: workload(
        "syn_backlog", SERVER_BACKLOG_1, [2.0, 1], CLIENT_BURST, [10, 6.5],
        {"server_syn_recv": (SNS, "syn-recv"), "server_accept_queue": (SNS, "listen-queue"),
         "server_close_wait": (SNS, "close-wait")}, after=0.2,
        sysctls=[(SNS, "net.ipv4.tcp_syncookies", "0")], counters=True),
    "time_wait_restart": lambda: workload(
        "time_wait_restart", SERVER_CLOSES, [1], CLIENT_NUDGES, ["PCAP", 70.0, 20.0, 40.0],
        {"server_time_wait": (SNS, "time-wait")}, after=1.0, timers=True),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help=", ".join(WORKLOADS))
    args = ap.parse_args()
    for name in args.names or WORKLOADS:
        WORKLOADS[name]()


if __name__ == "__main__":
    sys.exit(main())
