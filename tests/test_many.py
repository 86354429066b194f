# SPDX-License-Identifier: GPL-2.0-or-later
"""Statistics on a capture with many interleaved connections of known kinds.

bench/gen.c writes the capture and, while generating, records how each
connection ends (its truth file); the tables must match that record."""
import collections
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD, OUTCOMES, conv, stat

CONNECTIONS = 3000
# The conv table's Handshake column for each kind gen.c writes (its
# make_script()): every kind starts with the whole handshake but these; a
# refused connection is a SYN and an RST, an incomplete one a SYN (and maybe
# the SYN-ACK), and a no-handshake one starts mid-stream.
HANDSHAKE = collections.defaultdict(lambda: "complete", {
    "Refused": "incomplete", "Handshake incomplete": "incomplete", "No handshake seen": "not seen"})


@pytest.fixture(scope="module")
def generated():
    with tempfile.TemporaryDirectory(prefix="tcpwave-many-") as name:
        os.chmod(name, 0o755)  # tshark runs as nobody
        yield from generate(Path(name))


def generate(d):
    gen = BUILD / "gen"  # the CMake target (bench/gen.c)
    pcap, truth = d / "many.pcap", d / "many.tsv"
    subprocess.run([gen, "--connections", str(CONNECTIONS), "--seed", "7", "--out", pcap, "--truth", truth],
                   check=True)
    pcap.chmod(0o644)
    rows = [line.split("\t") for line in truth.read_text().splitlines()[1:]]
    yield pcap, {int(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}


@pytest.mark.parametrize("passes", [[], ["-2"]], ids=["one-pass", "two-pass"])
def test_stat_matches_generator_record(tshark, generated, passes):
    pcap, truth = generated
    want = collections.Counter(o for o, _, _, _ in truth.values())
    assert len(want) == len(OUTCOMES), "the generator should produce every kind"
    rows = stat(tshark, pcap, "-z", "tcpwave,stat", *passes)
    for outcome in OUTCOMES:
        cells = rows[outcome]
        assert int(cells[0]) == want[outcome], outcome
        by = collections.Counter(i for o, i, _, _ in truth.values() if o == outcome)
        assert (int(cells[2]), int(cells[3])) == (by["client"], by["server"]), outcome


def test_stat_filter_on_a_server_port(tshark, generated):
    """The filter selects the connections of one server port only."""
    pcap, truth = generated
    port = collections.Counter(s.rsplit(":", 1)[1] for _, _, _, s in truth.values()).most_common(1)[0][0]
    want = collections.Counter(o for o, _, _, s in truth.values() if s.endswith(":" + port))
    rows = stat(tshark, pcap, "-z", f"tcpwave,stat,tcp.port=={port}")
    assert {o: int(c[0]) for o, c in rows.items() if int(c[0])} == dict(want)


def test_conv_matches_generator_record(tshark, generated):
    pcap, truth = generated
    rows = conv(tshark, pcap)
    assert sorted(rows) == sorted(truth)
    for stream, (outcome, initiator, client, server) in truth.items():
        got = [rows[stream][c] for c in ("Client", "Server", "Handshake", "Outcome", "Closed by")]
        assert got == [client, server, HANDSHAKE[outcome], outcome, initiator], stream
