# SPDX-License-Identifier: GPL-2.0-or-later
"""-z tcpwave,hosts, -z tcpwave,tuning and the tcpwave.host.* fields (issue 12).

Truth comes from two places, never from tcpwave's own output:
- the kernel: pcaps/kernel/hosts/*.pcap were captured by
  tests/capture/make_host_pcaps.py while `ss -tan state ...` was polled in each
  namespace; tests/expected/kernel/hosts/*.ss.json holds the peak and final
  counts ss showed, and the workload's parameters (TCP_KEEPIDLE, the gap
  between reuses of one port);
- a schedule: captures written here with scapy, N closes by one host at a
  fixed interval, whose TIME_WAIT peak follows from the interval and the
  TIME_WAIT duration.
"""
import json
import math
import re
from pathlib import Path

import pytest

from conftest import STATES

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "pcaps/kernel/hosts"
SS = ROOT / "tests/expected/kernel/hosts"


def hosts(tshark, pcap, *extra):
    out = tshark.run("-q", "-r", str(pcap), "-z", "tcpwave,hosts", *extra).stdout
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("Host|"))
    cols = lines[head].split("|")
    rows = {}
    for line in lines[head + 1:]:
        if not line.strip():
            break
        cells = line.split("|")
        rows[cells[0]] = dict(zip(cols, cells))
    return rows, out


def ports(out):
    """The listening ports table of a -z tcpwave,hosts output: {(server, port): row}."""
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("Server|Port|"))
    cols = lines[head].split("|")
    rows = {}
    for line in lines[head + 1:]:
        if not line.strip() or line.startswith("="):
            break
        cells = line.split("|")
        rows[cells[0], int(cells[1])] = dict(zip(cols, cells))
    return rows


def tuning(tshark, pcap, *extra):
    return tshark.run("-q", "-r", str(pcap), "-z", "tcpwave,tuning", *extra).stdout


def ss(name):
    return json.loads((SS / f"{name}.ss.json").read_text())


class TestKernelAgainstSs:
    """Each workload's figures against what `ss` counted during its run."""

    def test_server_time_wait(self, tshark):
        exp = ss("server_time_wait")
        rows, _ = hosts(tshark, KERNEL / "server_time_wait.pcap")
        server = rows[exp["server"]]
        assert int(server["TIME_WAIT peak"]) == exp["ss_peak"]["server_time_wait"]
        assert int(server["TIME_WAIT at end"]) == exp["ss_end"]["server_time_wait"]
        assert int(rows[exp["client"]]["TIME_WAIT peak"]) == exp["ss_peak"]["client_time_wait"]
        assert int(server["Closes started"]) == exp["server_args"][0]
        assert int(server["Conns as server"]) == exp["client_args"][0]

    def test_close_wait(self, tshark):
        exp = ss("close_wait")
        rows, _ = hosts(tshark, KERNEL / "close_wait.pcap")
        server, client = rows[exp["server"]], rows[exp["client"]]
        assert int(server["CLOSE_WAIT peak"]) == exp["ss_peak"]["server_close_wait"]
        assert int(server["CLOSE_WAIT at end"]) == exp["ss_end"]["server_close_wait"]
        assert int(client["FIN_WAIT2 peak"]) == exp["ss_peak"]["client_fin_wait2"]
        assert int(client["TIME_WAIT peak"]) == exp["ss_peak"]["client_time_wait"]
        # The server never closed: its oldest CLOSE_WAIT lasted to the end of the capture.
        assert 0 < float(server["CLOSE_WAIT longest (s)"]) <= exp["seconds"]

    def test_keepalive(self, tshark):
        exp = ss("keepalive")
        rows, _ = hosts(tshark, KERNEL / "keepalive.pcap")
        client = rows[exp["client"]]
        # TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s, kept 3.5 s: probes at about 1, 2 and 3 s.
        assert int(client["Keep-alives"]) == math.floor(exp["client_args"][0])
        assert 1.0 <= float(client["Shortest keep-alive idle (s)"]) < 1.0 + 0.2

    def test_port_reuse(self, tshark):
        exp = ss("port_reuse")
        rows, _ = hosts(tshark, KERNEL / "port_reuse.pcap")
        client = rows[exp["client"]]
        n, gap = exp["client_args"]
        assert client["Client ports"] == "45000-45000"
        assert int(client["Port reuses in TIME_WAIT"]) == n - 1
        assert int(client["TIME_WAIT ended by SYN"]) == n - 1
        assert int(client["TIME_WAIT peak"]) == exp["ss_peak"]["client_time_wait"]
        assert int(client["TIME_WAIT at end"]) == exp["ss_end"]["client_time_wait"]
        assert gap <= float(client["Shortest port reuse (s)"]) < gap + 0.2


class TestTimeWaitRestart:
    """The server's TIME_WAIT, sent a bare in-window ACK at 20 s and 40 s; the
    capture ends at 70 s (a refused connect()).  ss lists the socket at the
    end, 70 s after it entered TIME_WAIT, with its timer restarted at the last
    ACK (net/ipv4/tcp_minisocks.c tcp_timewait_state_process():
    inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN))."""

    def test_premise_timer_restarted_by_the_last_ack(self, tshark):
        exp = ss("time_wait_restart")
        times = [float(t) for (t,) in tshark.fields(str(KERNEL / "time_wait_restart.pcap"), ["frame.time_relative"])]
        acks = [float(t) for (t,) in tshark.fields(str(KERNEL / "time_wait_restart.pcap"), ["frame.time_relative"],
                                                 "-Y", "tcp.dstport == 8000 && tcp.len == 0 && tcp.flags == 0x010 "
                                                       "&& frame.time_relative > 1")]
        assert len(acks) == 2 and times[-1] > 60 + 1
        # ss's remaining time, read when the capture stopped (about 1 s after its last segment), is
        # 60 s from the last ACK: the kernel restarted the timer there.
        remaining = int(re.search(r"timewait,(\d+)sec", exp["ss_end_time_wait_timers"][0]).group(1))
        assert abs((acks[-1] + 60) - (times[-1] + remaining)) < 3

    def test_time_wait_at_end_is_what_ss_listed(self, tshark):
        exp = ss("time_wait_restart")
        rows, _ = hosts(tshark, KERNEL / "time_wait_restart.pcap")
        server = rows[exp["server"]]
        assert int(server["TIME_WAIT peak"]) == exp["ss_peak"]["server_time_wait"] == 1
        assert int(server["TIME_WAIT at end"]) == exp["ss_end"]["server_time_wait"] == 1
        assert int(server["TIME_WAIT expired"]) == 0


class TestSynBacklog:
    """listen(fd, 1) with tcp_syncookies=0, flooded by a burst of connect()s
    (tests/capture/make_host_pcaps.py syn_backlog).  The expected values are
    the kernel's: `ss` polled in the server, its counters (nstat) in both
    namespaces, and what each connect() saw (TCP_INFO).

    Linux, net/ipv4/tcp_input.c tcp_conn_request(): a SYN is dropped when the
    SYN queue is full (inet_csk_reqsk_queue_is_full(): more requests than
    sk_max_ack_backlog = min(backlog, somaxconn), so at most backlog + 1 are
    half-open) and no cookie is sent, or when the accept queue is full
    (sk_acceptq_is_full(), with or without cookies)."""

    TCP_SYN_SENT = 2  # include/net/tcp_states.h

    @pytest.fixture(scope="class")
    def run(self, tshark):
        exp = ss("syn_backlog")
        rows, out = hosts(tshark, KERNEL / "syn_backlog.pcap")
        return exp, rows[exp["server"]], ports(out)[exp["server"], exp["port"]]

    def test_syns_received_are_the_clients_connects(self, run):
        exp, server, port = run
        # TcpActiveOpens: one per connect() (tcp_connect()); each sent one SYN first.
        assert int(server["SYNs received"]) == exp["client_counters"]["TcpActiveOpens"] == len(exp["connects"])
        assert int(port["SYNs received"]) == len(exp["connects"])

    def test_syns_unanswered_are_the_sockets_still_in_syn_sent(self, run):
        exp, server, _ = run
        still = [c for c in exp["connects"] if c["tcpi_state"] == self.TCP_SYN_SENT]
        assert still and all(c["tcpi_total_retrans"] > 0 for c in still)
        assert int(server["SYNs unanswered"]) == len(still)

    def test_syns_answered_after_retransmission(self, run):
        exp, server, _ = run
        # Connected, and TCP_INFO counted retransmissions of the SYN before it was answered.
        late = [c for c in exp["connects"] if "connected_after" in c and c.get("retrans_when_connected", 0) > 0]
        assert late
        assert int(server["SYNs answered after retransmission"]) == len(late)

    def test_synacks_retransmitted_are_the_kernels(self, run):
        exp, server, _ = run
        # The server sends no SYN: its TCPSynRetrans (tcp_rtx_synack()) are SYN-ACKs, as are its
        # RetransSegs (it sends no data).
        counted = exp["server_counters"].get("TcpExtTCPSynRetrans", 0)
        assert counted == exp["server_counters"].get("TcpRetransSegs", 0) > 0
        assert int(server["SYN-ACKs retransmitted"]) == counted

    def test_half_open_peak_between_ss_and_the_kernels_bound(self, run):
        exp, server, port = run
        backlog = 1
        # ss saw at least this many at once; the kernel never holds more than backlog + 1.
        assert exp["ss_peak"]["server_syn_recv"] <= int(port["Half-open (SYN_RECV) peak"]) <= backlog + 1
        assert int(server["SYN_RECV peak"]) == int(port["Half-open (SYN_RECV) peak"])

    def test_half_open_at_end_is_what_ss_listed(self, run):
        exp, server, port = run
        # The request whose ACK a full accept queue did not take (tcp_check_req(): acked = 1):
        # ss lists it in SYN-RECV to the end, and the server sent its SYN-ACK again.
        assert exp["ss_end"]["server_syn_recv"] == 1
        assert int(port["Half-open at end"]) == exp["ss_end"]["server_syn_recv"]
        assert int(server["SYN_RECV at end"]) == exp["ss_end"]["server_syn_recv"]

    def test_two_passes_server_syn_recv_only_from_the_copy_answered(self, tshark):
        """Per segment, in two passes: the server is never shown SYN_RECV after
        a copy of the SYN the kernel dropped.  Which copy made the request is
        the kernel's own word: tcp_openreq_init() keeps that SYN's TSval as
        the request's ts_recent, which its SYN-ACK echoes in TSecr (and a SYN
        again on an existing request changes none: tcp_check_req()); so copies
        sent before the one the SYN-ACK echoes found a full queue."""
        rows = tshark.fields(KERNEL / "syn_backlog.pcap",
                             ["tcp.stream", "tcp.flags", "tcp.options.timestamp.tsval",
                              "tcp.options.timestamp.tsecr", "tcpwave.state.server"])
        syn_recv = str(next(k for k, v in STATES.items() if v == "SYN_RECV"))
        copies, checked = {}, 0
        for stream, flags, tsval, tsecr, server in rows:
            # tcp.flags as a number: -T fields prints booleans 1/0 on 4.0, True/False on 4.4
            syn, ack = int(flags, 16) & 0x02, int(flags, 16) & 0x10
            if not syn:
                continue
            if not ack:
                copies.setdefault(stream, []).append((tsval, server))
            elif stream in copies:
                sent = copies.pop(stream)  # the first SYN-ACK: which copy it answers
                answered = [tsval for tsval, _ in sent].index(tsecr)
                if answered == 0:
                    continue
                checked += 1
                assert all(server != syn_recv for _, server in sent[:answered]), (stream, sent, tsecr)
                assert sent[answered][1] == syn_recv, (stream, sent, tsecr)
        assert checked >= 2  # connections answered only after a retransmission

    def test_per_segment_server_syn_recv_while_its_synack_comes_again(self, tshark):
        """Per segment, one pass and two: a server that sends its SYN-ACK again
        after the client's ACK of it is SYN_RECV (only a SYN_RECV endpoint
        sends one, RFC 9293 3.10.7.4; Linux resends it from the request
        socket: the ACK met a full accept queue, tcp_check_req()).  Two passes
        show it SYN_RECV from that ACK until it sends a segment without SYN;
        one whose server never does is SYN_RECV at its last frame, as ss
        listed it at the end."""
        exp = ss("syn_backlog")
        syn_recv = str(next(k for k, v in STATES.items() if v == "SYN_RECV"))
        for two_pass in (False, True):
            rows = tshark.fields(KERNEL / "syn_backlog.pcap",
                                 ["tcp.stream", "tcp.srcport", "tcp.flags", "tcpwave.state.server"],
                                 two_pass=two_pass)
            by_stream = {}
            for stream, sport, flags, server in rows:
                by_stream.setdefault(stream, []).append((sport == str(exp["port"]), int(flags, 16), server))
            again, held_to_end = 0, 0
            for stream, segs in by_stream.items():
                synacks = [i for i, (from_server, fl, _) in enumerate(segs) if from_server and fl & 0x12 == 0x12]
                acks = [i for i, (from_server, fl, _) in enumerate(segs)
                        if not from_server and fl & 0x10 and synacks and i > synacks[0]]
                later = [i for i in synacks if acks and i > acks[0]]
                if not later:
                    continue
                again += 1
                spoke = [i for i, (from_server, fl, _) in enumerate(segs) if from_server and not fl & 0x02]
                start = acks[0] if two_pass else later[0]
                end = spoke[0] - 1 if spoke else len(segs)
                assert all(segs[i][2] == syn_recv for i in range(start, end)), (two_pass, stream, segs)
                held_to_end += not spoke
            assert again >= 1
            assert held_to_end == exp["ss_end"]["server_syn_recv"]

    def test_one_pass_equals_two_passes(self, tshark):
        # The engine is fed the first pass's verdicts only: the SYN-ACK after the ACK counts the same in both.
        assert hosts(tshark, KERNEL / "syn_backlog.pcap")[1] == hosts(tshark, KERNEL / "syn_backlog.pcap", "-2")[1]

    def test_close_wait_only_on_accepted_children(self, run):
        exp, server, _ = run
        # The client closed every connected socket at its end; the request still half-open took
        # no FIN (no CLOSE_WAIT), the children did.
        assert int(server["CLOSE_WAIT peak"]) == exp["ss_peak"]["server_close_wait"]
        assert int(server["CLOSE_WAIT at end"]) == exp["ss_end"]["server_close_wait"]

    def test_tuning_syncookies_and_backlog(self, tshark, run):
        exp, _, port = run
        out = tuning(tshark, KERNEL / "syn_backlog.pcap")
        still = sum(1 for c in exp["connects"] if c["tcpi_state"] == self.TCP_SYN_SENT)
        late = sum(1 for c in exp["connects"] if c.get("retrans_when_connected", 0) > 0)
        assert (f"{exp['server']} received {len(exp['connects'])} SYNs: {still} never answered, {late} answered "
                f"only after a retransmission; {exp['server_counters']['TcpExtTCPSynRetrans']} SYN-ACKs "
                f"retransmitted." in out)
        peak = int(port["Half-open (SYN_RECV) peak"])
        assert f"The most half-open connections on one listening port: {peak} on {exp['server']} port 8000" in out
        assert f"while at most {peak} half-open were seen on it: the queue that was full was the listener's own" in out


class TestSynBacklogTuning:
    """The other numbers of the tuning report on the syn_backlog capture."""

    def test_half_open_peak_first_reached_at_the_first_synack(self, tshark):
        # The peak is 1 (TestSynBacklog): first reached when the first SYN-ACK was captured.
        first = tshark.fields(str(KERNEL / "syn_backlog.pcap"), ["frame.time_relative"],
                              "-Y", "tcp.flags.syn==1 && tcp.flags.ack==1")[0][0]
        out = tuning(tshark, KERNEL / "syn_backlog.pcap")
        assert f"port 8000 (at {float(first):.3f} s)." in out

    def test_client_concurrency_is_every_connect(self, tshark):
        exp = ss("syn_backlog")
        out = tuning(tshark, KERNEL / "syn_backlog.pcap")
        # The client kept every socket open to its end (connected or still in SYN_SENT): all at once.
        assert f"at most {exp['client_counters']['TcpActiveOpens']} of its connections were open at once" in out


class TestTuningAgainstSs:
    """Every number the tuning report prints, on a capture where it is known."""

    def test_time_wait_buckets(self, tshark):
        exp = ss("server_time_wait")
        out = tuning(tshark, KERNEL / "server_time_wait.pcap")
        assert (f"The most TIME_WAIT sockets one host held: {exp['ss_peak']['server_time_wait']} on {exp['server']}"
                in out)
        assert f"; {exp['ss_end']['server_time_wait']} at the end of the capture." in out
        assert "below 5000" in out
        # One client connecting one at a time: never more than one half-open.
        assert f"The most half-open connections on one listening port: 1 on {exp['server']} port 8000" in out
        assert "Every captured SYN was answered at its first copy" in out
        assert "at most 1 of its connections were open at once" in out

    def test_client_ports_as_tcp_sees_them(self, tshark):
        out = tuning(tshark, KERNEL / "server_time_wait.pcap")
        ports = [int(r[0]) for r in tshark.fields(str(KERNEL / "server_time_wait.pcap"), ["tcp.srcport"],
                                                  "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0")]
        assert f"used client ports {min(ports)}-{max(ports)}" in out

    def test_fin_timeout(self, tshark):
        exp = ss("close_wait")
        out = tuning(tshark, KERNEL / "close_wait.pcap")
        line = next(l for l in out.splitlines() if "The longest FIN_WAIT2" in l)
        assert 0 < float(line.split(": ")[1].split(" s")[0]) <= exp["seconds"]
        assert "Within 30 s" in out

    def test_keepalive_time(self, tshark):
        out = tuning(tshark, KERNEL / "keepalive.pcap")
        assert f"{ss('keepalive')['client']} sent 3 keep-alive probes" in out
        # TCP_KEEPIDLE 1 s: the first probe after 1 s of silence (the poll of a kernel timer, not sooner).
        idle = float(re.search(r"the shortest idle time before one was ([0-9.]+) s", out).group(1))
        assert 1.0 <= idle < 1.2
        assert "set its own TCP_KEEPIDLE" in out

    def test_tw_reuse(self, tshark):
        exp = ss("port_reuse")
        out = tuning(tshark, KERNEL / "port_reuse.pcap")
        assert f"{exp['client']} opened {exp['client_args'][0] - 1} connections on a 4-tuple still in TIME_WAIT" in out
        # The client slept GAP seconds between the end of one connection and the next connect().
        n, gap = exp["client_args"]
        shortest = float(re.search(r"shortest reuse ([0-9.]+) s after", out).group(1))
        assert gap <= shortest < gap + 0.2

    def test_tw_recycle_removed(self, tshark):
        assert "Removed in Linux 4.12" in tuning(tshark, KERNEL / "keepalive.pcap")


def write_schedule(path, n, interval):
    """n connections from distinct client ports to 10.9.0.2:80; the server
    closes each (three-way close) at i * interval + 10 ms and so holds
    TIME_WAIT from i * interval + 11 ms."""
    from scapy.all import IP, TCP, Ether  # noqa: import here: only this test needs scapy
    import pcapkit  # tools/: the one capture-file writer

    pkts = []
    for i in range(n):
        t0 = 1000.0 + i * interval
        c, s = 1000, 5000
        sport = 20000 + i

        def seg(dt, from_client, flags, seq, ack):
            src, dst = ("10.9.0.1", "10.9.0.2") if from_client else ("10.9.0.2", "10.9.0.1")
            sp, dp = (sport, 80) if from_client else (80, sport)
            p = Ether() / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack)
            p.time = t0 + dt
            pkts.append(p)

        seg(0.000, True, "S", c, 0)
        seg(0.001, False, "SA", s, c + 1)
        seg(0.002, True, "A", c + 1, s + 1)
        seg(0.010, False, "FA", s + 1, c + 1)
        seg(0.011, True, "FA", c + 1, s + 2)
        seg(0.012, False, "A", s + 2, c + 2)
    with pcapkit.PcapWriter(str(path)) as w:
        for p in pkts:
            w.write(bytes(p), pcapkit.usec_ns(float(p.time)))


@pytest.fixture(scope="module")
def schedule(tmp_path_factory):
    path = tmp_path_factory.mktemp("hosts") / "schedule.pcap"
    write_schedule(path, 150, 0.5)
    path.chmod(0o644)
    path.parent.chmod(0o755)
    return path


class TestSchedule:
    """150 server closes, one every 0.5 s: with TIME_WAIT d seconds the peak is
    d / 0.5 (the close at t enters as the one at t - d leaves), and at the end
    the closes of the last d seconds are still there."""

    @pytest.mark.parametrize("duration", [60, 30])
    def test_time_wait_peak(self, tshark, schedule, duration):
        rows, _ = hosts(tshark, schedule, "-o", f"tcpwave.time_wait_seconds:{duration}")
        server = rows["10.9.0.2"]
        peak = int(duration / 0.5)
        assert int(server["TIME_WAIT peak"]) == peak
        assert float(server["TIME_WAIT peak at (s)"]) == pytest.approx((peak - 1) * 0.5 + 0.011, abs=1e-6)
        assert int(server["TIME_WAIT at end"]) == peak
        assert int(server["TIME_WAIT expired"]) == 150 - peak

    def test_io_graph_field_draws_the_curve(self, tshark, schedule):
        rows = tshark.fields(str(schedule), ["frame.time_relative", "tcpwave.host.time_wait"],
                             "-Y", 'tcpwave.host.addr == "10.9.0.2" && tcpwave.host.time_wait')
        values = [int(v) for _, v in rows]
        assert max(values) == 120
        # The curve rises by one per close until the first expiry, then stays flat.
        assert values[:120] == list(range(1, 121))
        assert set(values[120:]) == {120}

    def test_one_pass_equals_two_passes(self, tshark, schedule):
        one = hosts(tshark, schedule)[1]
        two = hosts(tshark, schedule, "-2")[1]
        assert one == two
        f1 = tshark.fields(str(schedule), ["tcpwave.host.addr", "tcpwave.host.time_wait", "tcpwave.host.close_wait"],
                           two_pass=False)
        f2 = tshark.fields(str(schedule), ["tcpwave.host.addr", "tcpwave.host.time_wait", "tcpwave.host.close_wait"],
                           "-o", "tcpwave.hosts:TRUE")
        assert f1 == f2

    def test_two_pass_column_needs_the_preference(self, tshark, schedule):
        # The first pass of -2 cannot know that a column will ask for the counts.
        column = ("-o", 'gui.column.format:"TW","%Cus:tcpwave.host.time_wait"')
        r = tshark.run("-r", str(schedule), "-2", *column)
        assert r.returncode == 0 and not r.stdout.split()
        assert r.stderr.count("tcpwave.host fields were not computed") == 1, r.stderr
        r = tshark.run("-r", str(schedule), "-2", *column, "-o", "tcpwave.hosts:TRUE")
        assert max(map(int, r.stdout.split())) == 120 and "not computed" not in r.stderr  # the peak by construction

    def test_filter_selects_hosts_not_counts(self, tshark, schedule):
        only = tshark.run("-q", "-r", str(schedule), "-z", "tcpwave,hosts,tcp.srcport==20149").stdout
        assert "10.9.0.2|0|150|150|120|" in only


class TestGeneratedSchedule:
    """bench/gen --schedule: connection i starts at i * I us and runs the same
    four-way close (bench/gen.c): the server holds CLOSE_WAIT for H us, the
    client FIN_WAIT2 for H - 1 us and then TIME_WAIT for the preference's D.
    Intervals of length L begun every I us overlap at most ceil(L / I) at once
    (an interval [s, s + L) is counted at s, not at s + L), never more than N;
    at the last segment (1 us after the last TIME_WAIT began), the TIME_WAITs
    begun within the last D - 1 us remain.  Computed here from the
    parameters; gen's --expect must say the same (bench/run reads it at 1M)."""

    CASES = {
        # N, I, H, D: the interval does not divide D; the peak is reached and TIME_WAITs expire
        "expiring": (20000, 70, 10050, 1),
        # fewer connections than fit in D: the peak is N, none expires
        "capped": (500, 1000, 3500, 60),
        # FIN_WAIT2 held past the post's tcp_fin_timeout of 30 s
        "long_hold": (10, 1000, 31000050, 60),
        # more client sockets open at once than Linux's default ip_local_port_range has ports
        "many_ports": (40000, 100, 3000050, 60),
    }

    @pytest.fixture(scope="class", params=sorted(CASES))
    def case(self, request, tmp_path_factory):
        import subprocess
        from conftest import BUILD
        n, interval, hold, d = self.CASES[request.param]
        folder = tmp_path_factory.mktemp("schedule")
        folder.chmod(0o755)
        pcap, truth, expect = folder / "s.pcap", folder / "s.tsv", folder / "s.json"
        subprocess.run([BUILD / "gen", "--schedule", "--connections", str(n), "--interval-us", str(interval),
                        "--hold-us", str(hold), "--time-wait-s", str(d), "--out", pcap, "--truth", truth,
                        "--expect", expect], check=True, capture_output=True)
        pcap.chmod(0o644)
        return (n, interval, hold, d), pcap, json.loads(expect.read_text())

    @staticmethod
    def peak(length_us, interval, n):
        return min(n, -(-length_us // interval))

    def test_peaks_as_constructed(self, tshark, case):
        (n, interval, hold, d), pcap, _ = case
        rows, _ = hosts(tshark, pcap, "-o", f"tcpwave.time_wait_seconds:{d}")
        client, server = rows["10.1.0.1"], rows["10.2.0.1"]
        tw_peak = self.peak(d * 10**6, interval, n)
        assert int(client["TIME_WAIT peak"]) == tw_peak
        # First reached when connection tw_peak - 1 began it, 5 + H us after it started.
        assert float(client["TIME_WAIT peak at (s)"]) == pytest.approx(((tw_peak - 1) * interval + 5 + hold) / 1e6,
                                                                      abs=1e-3)
        at_end = min(n, (d * 10**6 - 2) // interval + 1)
        assert int(client["TIME_WAIT at end"]) == at_end
        assert int(client["TIME_WAIT expired"]) == n - at_end
        assert int(server["CLOSE_WAIT peak"]) == self.peak(hold, interval, n)
        assert int(server["CLOSE_WAIT at end"]) == 0
        assert int(client["FIN_WAIT2 peak"]) == self.peak(hold - 1, interval, n)
        assert int(client["Closes started"]) == n and int(server["Conns as server"]) == n

    def test_generator_expectation_is_the_same(self, case):
        (n, interval, hold, d), _, expect = case
        assert expect["client_time_wait_peak"] == self.peak(d * 10**6, interval, n)
        assert expect["client_time_wait_at_end"] == min(n, (d * 10**6 - 2) // interval + 1)
        assert expect["server_close_wait_peak"] == self.peak(hold, interval, n)
        assert expect["client_fin_wait2_peak"] == self.peak(hold - 1, interval, n)

    def test_tuning_time_wait_figures(self, tshark, case):
        (n, interval, hold, d), pcap, _ = case
        out = tuning(tshark, pcap, "-o", f"tcpwave.time_wait_seconds:{d}")
        tw_peak = self.peak(d * 10**6, interval, n)
        at_end = min(n, (d * 10**6 - 2) // interval + 1)
        assert f"The most TIME_WAIT sockets one host held: {tw_peak} on 10.1.0.1" in out
        assert f"; {at_end} at the end of the capture." in out
        at = ((tw_peak - 1) * interval + 5 + hold) / 1e6
        assert f"held: {tw_peak} on 10.1.0.1 (at {at:.3f} s)" in out
        if tw_peak > 5000:
            assert f"With 5000, 10.1.0.1 would have destroyed at least {tw_peak - 5000} TIME_WAIT sockets" in out
        else:
            assert "below 5000" in out

    def test_tuning_fin_timeout(self, tshark, case):
        (n, interval, hold, d), pcap, _ = case
        out = tuning(tshark, pcap, "-o", f"tcpwave.time_wait_seconds:{d}")
        # FIN_WAIT2 from the server's ACK (6 us) to its FIN (5 + H us): H - 1 us.
        assert f"The longest FIN_WAIT2: {(hold - 1) / 1e6:.3f} s on 10.1.0.1." in out
        if hold - 1 > 30 * 10**6:
            assert "Longer than 30 s: with 30, an orphaned socket would have been closed sooner." in out
        else:
            assert "Within 30 s: the post's value would change nothing here." in out

    def test_tuning_client_ports(self, tshark, case):
        (n, interval, hold, d), pcap, _ = case
        out = tuning(tshark, pcap, "-o", f"tcpwave.time_wait_seconds:{d}")
        # A client socket is open from its SYN (0) until it enters TIME_WAIT at the server's FIN (5 + H us).
        open_peak = self.peak(5 + hold, interval, n)
        ports = f"{1024}-{1024 + min(n, 64000) - 1}"
        assert f"10.1.0.1 used client ports {ports}; at most {open_peak} of its connections were open at once" in out
        if open_peak >= 60999 - 32768 + 1:  # Linux default ip_local_port_range 32768-60999
            assert "That reaches the default range's size." in out
        else:
            assert "Far from the default range's 28232 ports" in out
