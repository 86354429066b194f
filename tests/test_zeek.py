"""Zeek's conn_state and history in tshark: tcpwave.zeek.conn_state and
tcpwave.zeek.history on every segment (two passes) and on each connection's
last segment (one pass), and as columns of -z tcpwave,conv.

Expectations: tests/expected/zeek.tsv, worked out by hand from Zeek's source
(the reasoning is on each row).  Captures: pcaps/zeek/ (written by
tests/craft/make_zeek_pcaps.py, see pcaps/zeek/README.md) and pcaps/kernel/.
Rows marked checksums=yes run with -o tcp.check_checksum:TRUE, so that
Wireshark reports the bad checksum that Zeek counts as C.  The same table is
checked against the engine alone by tests/craft/check_zeek_engine.py."""
import collections

import pytest

from conftest import EXPECTED, PCAPS

FIELDS = ["tcp.stream", "tcpwave.zeek.conn_state", "tcpwave.zeek.history"]
CONV_STATE, CONV_HISTORY = "Zeek state", "Zeek history"


def rows():
    out = []
    for line in (EXPECTED / "zeek.tsv").read_text().splitlines():
        if line.startswith("#") or line.startswith("capture\t") or not line.strip():
            continue
        capture, stream, checksums, state, history, orig, reason = line.split("\t")
        out.append((capture, int(stream), checksums == "yes", state, history))
    return out


ROWS = rows()
BY_RUN = collections.defaultdict(dict)  # (capture, checksums) -> {stream: (state, history)}
for _capture, _stream, _checksums, _state, _history in ROWS:
    BY_RUN[(_capture, _checksums)][_stream] = (_state, _history)
# tcpwave reads TCP headers before TCP runs and does not see its checksum verdict: Zeek's 'C'/'c'
# (and the dropping of a bad segment) are not reproduced (docs/zeek.md). Strict: fixing it makes
# these fail until the mark goes.
NO_CHECKSUM_VERDICT = pytest.mark.xfail(strict=True, reason="tcpwave does not see TCP's checksum verdict")
RUNS = [pytest.param(r, marks=NO_CHECKSUM_VERDICT) if r[1] else r for r in sorted(BY_RUN)]


def ids(run):
    return f"{run[0]}{'-checksums' if run[1] else ''}"


def options(checksums):
    return ("-o", "tcp.check_checksum:TRUE") if checksums else ()


# Zeek's view is computed on the first pass only when something asks for it:
# in two passes (tshark -2) the preference does.
ZEEK_ON = ("-o", "tcpwave.zeek:TRUE")


def test_every_conn_state_value_has_a_case():
    states = {r[3] for r in ROWS}
    assert states == {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"}


def test_every_history_letter_has_a_case():
    letters = {c.lower() for r in ROWS for c in r[4]}
    assert letters >= set("shadfrcgtwiq^")


@pytest.mark.parametrize("run", RUNS, ids=ids)
def test_two_pass_every_segment(tshark, run):
    capture, checksums = run
    want = BY_RUN[run]
    got = tshark.fields(PCAPS / f"{capture}.pcap", FIELDS, *options(checksums), *ZEEK_ON)
    assert got, "no TCP segment"
    for frame, (stream, state, history) in enumerate(got, 1):
        assert int(stream) in want, f"frame {frame}: stream {stream} not expected"
        assert (state, history) == want[int(stream)], f"frame {frame}"


@pytest.mark.parametrize("run", RUNS, ids=ids)
def test_one_pass_last_segment(tshark, run):
    capture, checksums = run
    want = BY_RUN[run]
    got = tshark.fields(PCAPS / f"{capture}.pcap", FIELDS, *options(checksums), two_pass=False)
    last = {}
    for stream, state, history in got:
        last[int(stream)] = (state, history)
    assert last == want


def conv_table(output):
    """Header cells and rows (stream -> cells) of the Connection States table."""
    lines = output.splitlines()
    title = lines.index("TCP Connection States")
    header = [c.strip() for c in lines[title - 1].split("|")[:-1]]
    body = {}
    for line in lines[title + 1:]:
        if line.startswith("====="):
            break
        cells = [c.strip() for c in line.split("|")[:-1]]
        body[int(cells[0])] = cells
    return header, body


@pytest.mark.parametrize("run", RUNS, ids=ids)
def test_conv_columns(tshark, run):
    capture, checksums = run
    out = tshark.run("-q", "-r", PCAPS / f"{capture}.pcap", *options(checksums), "-z", "tcpwave,states").stdout
    header, body = conv_table(out)
    assert CONV_STATE in header and CONV_HISTORY in header, header
    got = {s: (cells[header.index(CONV_STATE)], cells[header.index(CONV_HISTORY)]) for s, cells in body.items()}
    assert got == BY_RUN[run]


def test_filter_finds_rejected_connection(tshark):
    got = tshark.fields(PCAPS / "kernel" / "refused.pcap", ["frame.number"], "-Y",
                        'tcpwave.zeek.conn_state == "REJ"')
    assert [r[0] for r in got] == ["1", "2"]


def test_two_pass_without_the_preference_says_so(tshark):
    """In two passes the first pass runs Zeek's view only if something asks
    for it then.  A column asks only on the second pass: nothing was
    computed, and tcpwave says how to get it rather than print an empty
    column silently.  A display filter is seen by the first pass too."""
    pcap = PCAPS / "kernel/four_way_close.pcap"
    column = ("-o", 'gui.column.format:"No.","%m","Zeek","%Cus:tcpwave.zeek.conn_state"')
    frames = tshark.run("-r", pcap, "-T", "fields", "-e", "frame.number").stdout.split()
    assert len(frames) == 9
    r = tshark.run("-r", pcap, "-2", *column)
    assert r.returncode == 0
    assert [line.split() for line in r.stdout.splitlines()] == [[n] for n in frames], r.stdout
    assert r.stderr.count("tcpwave.zeek fields were not computed") == 1, r.stderr
    assert "-o tcpwave.zeek:TRUE" in r.stderr
    # With the preference the column is filled, and nothing is said.
    r = tshark.run("-r", pcap, "-2", *column, *ZEEK_ON)
    assert [line.split()[1:] for line in r.stdout.splitlines()] == [["SF"]] * 9, r.stdout
    assert "not computed" not in r.stderr
    # One pass: the column's field is referenced by the first frame's tree.
    r = tshark.run("-r", pcap, *column)
    assert r.stdout.splitlines()[-1].split()[1:] == ["SF"], r.stdout
    # A display filter is seen by the first pass of -2 too.
    r = tshark.run("-r", pcap, "-2", "-Y", 'tcpwave.zeek.conn_state == "SF"', "-T", "fields", "-e", "frame.number")
    assert r.stdout.split() == frames, r.stdout
    assert "not computed" not in r.stderr
    # Asking for neither says nothing.
    r = tshark.run("-r", pcap, "-2", "-T", "fields", "-e", "frame.number")
    assert "not computed" not in r.stderr
