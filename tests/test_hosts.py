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
from pathlib import Path

import pytest

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
        assert "set its own TCP_KEEPIDLE" in out

    def test_tw_reuse(self, tshark):
        exp = ss("port_reuse")
        out = tuning(tshark, KERNEL / "port_reuse.pcap")
        assert f"{exp['client']} opened {exp['client_args'][0] - 1} connections on a 4-tuple still in TIME_WAIT" in out

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
