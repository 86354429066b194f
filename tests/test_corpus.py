# SPDX-License-Identifier: GPL-2.0-or-later
"""Real traffic: every capture of pcaps/ and of ../shared/corpus/ (249 public
captures from other projects' test suites, no expected values) through
tcpwave, checking what must hold whatever the traffic:

- tshark exits as it does without the plugin, with the same stderr;
- the statistics tables (-z tcpwave,stat, conv, states and phases) are the same in
  one pass and two;
- in two-pass output every change of an endpoint's state is a transition TCP
  can make (RFC 9293 Figure 5, the one-segment steps of 3.10.7.4, an accepted
  RST to CLOSED, a SYN accepted in TIME_WAIT: docs/semantics.md rule 6), and
  each segment's state before equals the state after the connection's
  previous segment.

The edges are written from RFC 9293 section 3.3.2 Figure 5 and 3.10.7, not
from tcpwave's output.
"""
import concurrent.futures
import os
from pathlib import Path

import pytest

import subprocess
import tempfile

from conftest import BUILD, CORPUS, PCAPS, ROOT, STATES, conv, corpus_or_skip

# RFC 9293 Figure 5 (passive and active open, close, simultaneous close).
EDGES = {("CLOSED", "LISTEN"), ("CLOSED", "SYN_SENT"), ("LISTEN", "SYN_RECV"), ("LISTEN", "SYN_SENT"),
         ("LISTEN", "CLOSED"), ("SYN_SENT", "SYN_RECV"), ("SYN_SENT", "ESTABLISHED"), ("SYN_SENT", "CLOSED"),
         ("SYN_RECV", "ESTABLISHED"), ("SYN_RECV", "FIN_WAIT1"), ("SYN_RECV", "LISTEN"), ("SYN_RECV", "CLOSED"),
         ("ESTABLISHED", "FIN_WAIT1"), ("ESTABLISHED", "CLOSE_WAIT"), ("FIN_WAIT1", "FIN_WAIT2"),
         ("FIN_WAIT1", "CLOSING"), ("FIN_WAIT2", "TIME_WAIT"), ("CLOSING", "TIME_WAIT"),
         ("CLOSE_WAIT", "LAST_ACK"), ("LAST_ACK", "CLOSED"), ("TIME_WAIT", "CLOSED")}
# One segment, two steps: its ACK field is processed before its FIN (3.10.7.4 fifth, eighth).
EDGES |= {("SYN_RECV", "CLOSE_WAIT"), ("SYN_SENT", "CLOSE_WAIT"), ("FIN_WAIT1", "TIME_WAIT")}
# A SYN accepted by a TIME_WAIT socket starts the next incarnation (3.6.1; Linux tcp_timewait_state_process).
EDGES |= {("TIME_WAIT", "SYN_RECV"), ("TIME_WAIT", "SYN_SENT")}
# An accepted RST aborts any synchronized state (3.10.7.4 second check).
EDGES |= {(s, "CLOSED") for s in ("ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK")}

FIELDS = ["frame.number", "tcpwave.stream", "tcpwave.state.client.prev", "tcpwave.state.client",
          "tcpwave.state.server.prev", "tcpwave.state.server"]


def captures():
    found = sorted(p for p in PCAPS.rglob("*") if p.suffix in (".pcap", ".pcapng", ".cap"))
    if CORPUS.is_dir():
        found += sorted(p for p in CORPUS.rglob("*") if p.suffix in (".pcap", ".pcapng", ".cap"))
    return found


def label(p):
    return str(p.relative_to(CORPUS.parent if CORPUS in p.parents else ROOT))


def run_all(fn, items):
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(fn, items))


def state_changes(rows):
    """(frame, side, before, after) for each state change, and continuity breaks."""
    changes, breaks, last = [], [], {}
    for row in rows:
        frame, stream, *cells = row + [""] * (6 - len(row))
        layers = [c.split(",") for c in cells]
        streams = stream.split(",")
        for i, st in enumerate(streams):
            try:
                cp, cn, sp, sn = (STATES[int(layers[k][i])] for k in range(4))
            except (ValueError, IndexError, KeyError):
                continue
            for side, before, after in (("client", cp, cn), ("server", sp, sn)):
                if before != after and "unknown" not in (before, after):
                    changes.append((frame, side, before, after))
            if st in last and last[st] != (cp, sp):
                breaks.append(f"frame {frame} stream {st}: before {(cp, sp)}, previous after {last[st]}")
            last[st] = (cn, sn)
    return changes, breaks


TABLES = ["-z", "tcpwave,stat", "-z", "tcpwave,conv", "-z", "tcpwave,states", "-z", "tcpwave,phases"]


@pytest.fixture(scope="module")
def corpus_runs(tshark, tmp_path_factory):
    corpus_or_skip()
    no_plugin = tmp_path_factory.mktemp("no-plugins")
    os.chmod(no_plugin, 0o755)

    def one(p):
        two = tshark.run("-r", p, "-2", "-Y", "tcpwave", "-T", "fields", "-E", "occurrence=a", "-E",
                         "aggregator=,", *sum((["-e", f] for f in FIELDS), []), *TABLES, check=False)
        one = tshark.run("-q", "-r", p, *TABLES, check=False)
        bare = tshark.run("-q", "-r", p, check=False, plugin_dir=str(no_plugin))
        return p, two, one, bare

    return run_all(one, captures())


def tables(out):
    """The text of the four tables, from the first one's opening rule on
    (tshark prints them last asked first: the outcomes come last)."""
    lines = out.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("=====")), len(lines))
    text = lines[start:]
    assert sum(l.endswith("(tcpwave):") for l in text) == 4, text[:3]
    return "\n".join(text)


def test_exit_status_and_stderr_as_without_plugin(corpus_runs):
    wrong = [f"{label(p)}: {one.returncode} vs {bare.returncode}\n{one.stderr}\n---\n{bare.stderr}"
             for p, _, one, bare in corpus_runs
             if one.returncode != bare.returncode or one.stderr != bare.stderr]
    assert not wrong, "\n".join(wrong[:5])


def test_tables_same_in_one_pass_and_two(corpus_runs):
    wrong = [label(p) for p, two, one, _ in corpus_runs if one.returncode == 0 and tables(two.stdout) != tables(one.stdout)]
    assert not wrong, wrong[:10]


def test_two_pass_state_changes_are_tcp_transitions(corpus_runs):
    total, bad, breaks = 0, [], []
    for p, two, _, _ in corpus_runs:
        rows = [line.split("\t") for line in two.stdout.splitlines() if line and line[0].isdigit() and "\t" in line]
        changes, b = state_changes(rows)
        total += len(changes)
        bad += [f"{label(p)} frame {f} {side}: {x} -> {y}" for f, side, x, y in changes if (x, y) not in EDGES]
        breaks += [f"{label(p)} {m}" for m in b]
    print(f"two-pass state changes checked: {total}")
    assert total > 2000, "the corpus should give thousands of state changes"
    assert not bad, f"{len(bad)} of {total} not RFC 9293 transitions:\n" + "\n".join(bad[:20])
    assert not breaks, f"{len(breaks)} continuity breaks:\n" + "\n".join(breaks[:20])


def test_edges_table_rejects_what_tcp_cannot_do():
    """The checker itself: transitions RFC 9293 does not have are refused."""
    for impossible in (("CLOSE_WAIT", "CLOSING"), ("SYN_SENT", "FIN_WAIT1"), ("ESTABLISHED", "CLOSING"),
                       ("LAST_ACK", "TIME_WAIT"), ("LISTEN", "ESTABLISHED")):
        assert impossible not in EDGES
    changes, breaks = state_changes([["7", "0", "8", "11", "1", "1"], ["8", "0", "1", "1", "1", "1"]])
    assert changes == [("7", "client", "CLOSE_WAIT", "CLOSING")]
    assert breaks == ["frame 8 stream 0: before ('ESTABLISHED', 'ESTABLISHED'), previous after ('CLOSING', 'ESTABLISHED')"]


def read_sample():
    rows = []
    for line in (ROOT / "tests" / "expected" / "corpus_sample.tsv").read_text().splitlines():
        if line.startswith(("#", "file\t")) or not line.strip():
            continue
        rows.append(line.split("\t"))
    return rows


SAMPLE = read_sample()


def test_sample_covers_every_outcome_three_times():
    counts = {}
    for row in SAMPLE:
        counts[row[2]] = counts.get(row[2], 0) + 1
    outcomes = ["Three-way close", "Four-way close", "Simultaneous close", "Reset", "Refused",
                "Half-closed at end", "Open at end", "Handshake incomplete", "No handshake seen"]
    assert {o: counts.get(o, 0) >= 3 for o in outcomes} == {o: True for o in outcomes}


@pytest.mark.parametrize("row", SAMPLE, ids=lambda r: f"{r[0].rsplit('/', 1)[-1]}:{r[1]}")
@pytest.mark.parametrize("two_pass", [False, True], ids=["one-pass", "two-pass"])
def test_sample_connection_as_read_by_hand(tshark, row, two_pass):
    """tests/expected/corpus_sample.tsv: outcome, closer, resetter and final states of connections read
    from their segments by hand."""
    corpus_or_skip()
    path = CORPUS / row[0]
    got = conv(tshark, path, *(["-2"] if two_pass else []))[int(row[1])]
    want = dict(zip(["Outcome", "Closed by", "Reset by", "Client state", "Server state"], row[2:7]))
    assert {k: got[k] for k in want} == want, row[7]


def test_two_pass_transitions_on_generated_connections(tshark):
    """The same invariant over 2,000 interleaved connections of every outcome from bench/gen.c (the
    CMake target gen), with seeded random timing and loss of its own."""
    with tempfile.TemporaryDirectory() as d:
        pcap, truth = Path(d) / "gen.pcap", Path(d) / "gen.tsv"
        subprocess.run([BUILD / "gen", "--connections", "2000", "--seed", "11", "--out", pcap, "--truth", truth],
                       check=True, capture_output=True)
        out = tshark.run("-r", pcap, "-2", "-Y", "tcpwave", "-T", "fields", "-E", "occurrence=a", "-E",
                         "aggregator=,", *sum((["-e", f] for f in FIELDS), []))
    rows = [line.split("\t") for line in out.stdout.splitlines() if line]
    changes, breaks = state_changes(rows)
    bad = [c for c in changes if (c[2], c[3]) not in EDGES]
    print(f"generated: {len(changes)} two-pass state changes checked")
    assert len(changes) > 10000
    assert not bad, bad[:20]
    assert not breaks, breaks[:20]
