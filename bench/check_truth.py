#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check a generated capture against its truth file (bench/gen --truth).

  bench/check_truth.py FILE.pcap FILE.tsv [--plugin-dir DIR]

Runs tshark once over the file (as nobody when root, like bench/run) and checks:
  - no malformed packets and no error-level expert info;
  - tcp.stream numbering: the first segment of stream N is between the truth
    file's client and server of row N;
  - per connection, the outcome and close initiator tcpwave reports (derived
    from its per-segment fields, as tw_conn_outcome() does) equal the truth;
  - when the build has it, -z tcpwave,stat counts, per outcome, as many
    connections, closed by the client and by the server, as the truth file.
Exits 1 on any mismatch, printing the first few.  Meant for small files
(tens of thousands of packets): it holds every row in memory.
"""
import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from twrun import Tshark  # noqa: E402

CLOSE = {"1": "Three-way close", "2": "Four-way close", "3": "Simultaneous close", "4": "Reset"}
SIDE = {"1": "client", "2": "server"}
OUTCOMES = ["Three-way close", "Four-way close", "Simultaneous close", "Reset", "Refused",
            "Half-closed at end", "Open at end", "Handshake incomplete", "No handshake seen"]
FIELDS = ["tcp.stream", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "tcpwave.role", "tcpwave.close.type",
          "tcpwave.close.initiator", "tcpwave.midstream", "tcpwave.state.client", "tcpwave.state.server",
          "tcpwave.sender", "tcpwave.expert.refused", "_ws.malformed", "_ws.expert.severity"]
ROLE_FIRST_FIN = "6"


def read_truth(path):
    rows = []
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header == ["stream", "outcome", "initiator", "client", "server"], header
        for line in f:
            s, outcome, init, client, server = line.rstrip("\n").split("\t")
            assert int(s) == len(rows), f"truth rows out of order at {s}"
            rows.append((outcome, init, client, server))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("truth")
    ap.add_argument("--plugin-dir", default=str(Path(__file__).resolve().parent.parent / "build" / "plugins"))
    args = ap.parse_args()

    truth = read_truth(args.truth)
    ts = Tshark(args.plugin_dir)
    cmd = ["-r", args.pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = ts.run(*cmd)
    if p.returncode != 0:
        sys.exit(f"tshark failed: {p.stderr}")

    problems = []
    seen = {}
    conn = collections.defaultdict(lambda: {"close": None, "init": None, "refused": False, "fin": False,
                                            "mid": False, "states": None})
    frames = 0
    for frame, line in enumerate(p.stdout.splitlines(), 1):
        frames += 1
        (stream, src, sport, dst, dport, role, ctype, cinit, mid, stc, sts, sender, refused, malformed,
         severity) = line.split("\t")
        if malformed or any(int(x, 0) >= 0x00800000 for x in severity.split(",") if x):  # PI_ERROR
            problems.append(f"frame {frame}: malformed or error expert info ({severity})")
        if not stream:
            problems.append(f"frame {frame}: no tcp.stream")
            continue
        s = int(stream)
        if s not in seen:
            seen[s] = frame
            if s >= len(truth):
                problems.append(f"stream {s} (frame {frame}) is not in the truth file")
            else:
                ends = {f"{src}:{sport}", f"{dst}:{dport}"}
                if ends != {truth[s][2], truth[s][3]}:
                    problems.append(f"stream {s} (frame {frame}): {sorted(ends)} but truth says "
                                    f"{truth[s][2]} / {truth[s][3]}")
        c = conn[s]
        if ctype:
            c["close"], c["init"] = CLOSE[ctype], SIDE.get(cinit, "-")
        if refused:
            c["refused"] = True
        if role == ROLE_FIRST_FIN:
            c["fin"], c["fin_by"] = True, SIDE.get(sender, "-")
        if mid:
            c["mid"] = True
        c["states"] = (stc, sts)

    if len(seen) != len(truth):
        problems.append(f"{len(seen)} streams in the capture, {len(truth)} in the truth file")
    counts = collections.Counter()
    for s, (outcome, init, _, _) in enumerate(truth):
        c = conn.get(s)
        if c is None:
            continue
        if c["close"]:
            got, got_init = c["close"], c["init"]
        elif c["refused"]:
            got, got_init = "Refused", "-"
        elif c["fin"]:
            got, got_init = "Half-closed at end", c["fin_by"]
        elif c["mid"]:
            got, got_init = "No handshake seen", "-"
        elif c["states"] == ("1", "1"):
            got, got_init = "Open at end", "-"
        else:
            got, got_init = "Handshake incomplete", "-"
        counts[got] += 1
        if (got, got_init) != (outcome, init):
            problems.append(f"stream {s}: tcpwave says {got} / {got_init}, truth {outcome} / {init}")

    # The statistics: -z tcpwave,stat must count what the truth file says.
    zhelp = ts.run("-z", "help")
    if "tcpwave,stat" in zhelp.stdout + zhelp.stderr:
        want = collections.Counter((o, i) for o, i, _, _ in truth)
        st = ts.run("-q", "-r", args.pcap, "-z", "tcpwave,stat")
        got_rows = {}
        for line in st.stdout.splitlines():
            cells = [c.strip() for c in line.split("|")]
            if len(cells) >= 5 and cells[0] in OUTCOMES and cells[1].isdigit():
                got_rows[cells[0]] = (int(cells[1]), int(cells[3]), int(cells[4]))
        for outcome in OUTCOMES:
            expect = (sum(v for (o, _), v in want.items() if o == outcome), want[(outcome, "client")],
                      want[(outcome, "server")])
            if got_rows.get(outcome, (0, 0, 0)) != expect:
                problems.append(f"-z tcpwave,stat {outcome}: (connections, by client, by server) = "
                                f"{got_rows.get(outcome)}, truth {expect}")
        print(f"check_truth: -z tcpwave,stat checked ({len(got_rows)} rows)")
    else:
        print("check_truth: no -z tcpwave,stat in this build: statistics not checked")

    for line in problems[:20]:
        print(line)
    if len(problems) > 20:
        print(f"... {len(problems) - 20} more")
    print(f"check_truth: {frames} frames, {len(seen)} streams, {len(problems)} problems; outcomes: "
          + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
