# SPDX-License-Identifier: GPL-2.0-or-later
"""Every capture in pcaps/ against its hand-written expectation.

The expectations (tests/expected/<set>/<capture>.tsv) were written by hand from
RFC 9293, SEMANTICS.md and docs/fields.md, and for the kernel-made captures
checked against the kernel's own `ss` view recorded while the sockets were
open (<capture>.ss.tsv).  They give the output of a two-pass dissection
(tshark -2); single-pass output must agree with it where single-pass can know.
"""
import xml.etree.ElementTree as ET

import pytest

from conftest import (CLOSE_TYPES, EXPECTED, PCAPS, ROLES, SIDES, STATES, STREAM_SPLIT_BY_VERSION,
                      tshark_version)

from expectations import MODEL_VS_KERNEL  # noqa: E402

COLUMNS = ["sender", "client", "server", "role", "step", "close_type", "close_initiator"]
NAMES = {"sender": SIDES, "client": STATES, "server": STATES, "role": ROLES, "close_type": CLOSE_TYPES,
         "close_initiator": SIDES}
# Options some captures need (see pcaps/*/README.md).
EXTRA_ARGS = {"tcp-in-gtp.pcap": ("-d", "tcp.port==2152,gtp")}


def expectation_files():
    return sorted(p for p in EXPECTED.glob("*/*.tsv") if not p.name.endswith((".ss.tsv", ".split.tsv", ".onepass.tsv")))


def pcap_for(tsv):
    return PCAPS / tsv.parent.name / (tsv.name[: -len(".tsv")] + ".pcap")


def expectation_for(tsv, stream_split):
    """The capture's expectation; its .split.tsv where this Wireshark starts a
    new tcp.stream at the capture's injected SYN-ACK (conftest.stream_split)."""
    split = tsv.with_name(tsv.name[: -len(".tsv")] + ".split.tsv")
    return split if stream_split and split.exists() else tsv


def read_expected(tsv):
    rows = []
    for line in tsv.read_text().splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("frame\t"):
            continue
        cells = line.split("\t")
        assert len(cells) == 1 + len(COLUMNS), f"{tsv}: bad row {line!r}"
        rows.append((int(cells[0]), dict(zip(COLUMNS, cells[1:]))))
    return rows


def read_actual(tshark, pcap, two_pass):
    """frame -> list (one per TCP layer, in order) of {column: name or '-'}.

    Read from PDML, where each tcpwave layer is its own subtree: with
    -T fields, a field missing from one layer would shift the others."""
    args = ["-r", pcap, "-T", "pdml", "-J", "tcpwave", *EXTRA_ARGS.get(pcap.name, ())]
    if two_pass:
        args.append("-2")
    root = ET.fromstring(tshark.run(*args).stdout)
    names = {"tcpwave.stream": ("stream", None), "tcpwave.sender": ("sender", SIDES),
             "tcpwave.state.client": ("client", STATES), "tcpwave.state.server": ("server", STATES),
             "tcpwave.role": ("role", ROLES), "tcpwave.step": ("step", None),
             "tcpwave.close.type": ("close_type", CLOSE_TYPES), "tcpwave.close.initiator": ("close_initiator", SIDES),
             "tcpwave.state.client.prev": ("prev_client", STATES), "tcpwave.state.server.prev": ("prev_server", STATES)}
    out = {}
    for packet in root.iter("packet"):
        frame = int(packet.find("proto[@name='geninfo']/field[@name='num']").get("show"))
        layers = []
        for proto in packet.findall("proto[@name='tcpwave']"):
            rec = {col: "-" for col, _ in names.values()}
            for field in proto.iter("field"):
                if field.get("name") in names:
                    col, table = names[field.get("name")]
                    rec[col] = table[int(field.get("show"))] if table else field.get("show")
            layers.append(rec)
        out[frame] = layers
    return out


def by_frame(expected):
    grouped = {}
    for frame, row in expected:
        grouped.setdefault(frame, []).append(row)
    return grouped


@pytest.mark.parametrize("tsv", expectation_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_two_pass_matches_expectation(tshark, stream_split, tsv):
    actual = read_actual(tshark, pcap_for(tsv), two_pass=True)
    mismatches = []
    for frame, rows in by_frame(read_expected(expectation_for(tsv, stream_split))).items():
        got = actual.get(frame, [])
        for i, want in enumerate(rows):
            have = got[i] if i < len(got) else {c: "-" for c in COLUMNS}
            for c in COLUMNS:
                if have[c] != want[c]:
                    mismatches.append(f"frame {frame}{'' if len(rows) == 1 else f' layer {i + 1}'} {c}: "
                                      f"want {want[c]!r}, got {have[c]!r}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("tsv", expectation_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_single_pass_agrees_with_two_pass(tshark, tsv):
    """One pass knows less about the future: a first FIN's step total may be
    '?', the close type appears from the segment that completes the close
    on, and a state a later segment disproves is shown as it was known
    (the hand-written <capture>.onepass.tsv lists each such cell).
    Everything else is the same."""
    pcap = pcap_for(tsv)
    one, two = read_actual(tshark, pcap, False), read_actual(tshark, pcap, True)
    differs = {}
    onepass = tsv.with_name(tsv.name[: -len(".tsv")] + ".onepass.tsv")
    if onepass.exists():
        for line in onepass.read_text().splitlines():
            if line.strip() and not line.startswith(("#", "frame\t")):
                frame, column, value = line.split("\t")
                differs[(int(frame), column)] = value
    assert one.keys() == two.keys()
    for frame in two:
        for a, b in zip(one[frame], two[frame]):
            for c in ("stream", "sender", "client", "server", "role", "prev_client", "prev_server"):
                want = differs.get((frame, c), b[c])
                assert a[c] == want, f"frame {frame} {c}: single pass {a[c]!r}, want {want!r} (two passes {b[c]!r})"
            if (frame, "step") in differs:
                assert a["step"] == differs[(frame, "step")], (frame, a, b)
            elif a["step"] != b["step"]:
                assert a["step"].endswith("/?") and b["step"].startswith(a["step"][:-1]), (frame, a, b)
            assert a["close_type"] in ("-", b["close_type"]), (frame, a, b)
            if b["role"] in ("final ACK", "RST") and b["close_type"] != "-":
                assert a["close_type"] == b["close_type"], (frame, a, b)


@pytest.mark.parametrize("tsv", expectation_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_prev_state_is_previous_segments_state(tshark, tsv):
    actual = read_actual(tshark, pcap_for(tsv), two_pass=True)
    last = {}
    for frame in sorted(actual):
        for rec in actual[frame]:
            if rec["prev_client"] == "-":
                continue  # not a segment (quoted in ICMP, truncated)
            if rec["stream"] in last:
                assert (rec["prev_client"], rec["prev_server"]) == last[rec["stream"]], f"frame {frame}"
            last[rec["stream"]] = (rec["client"], rec["server"])


def test_stream_split_is_the_known_behaviour(tshark, stream_split):
    """The choice between a capture's two expectations is Wireshark's
    documented behaviour for the tested versions, not whatever tshark did."""
    version = tshark_version(tshark)
    if version not in STREAM_SPLIT_BY_VERSION:
        pytest.skip(f"Wireshark {version[0]}.{version[1]} not in STREAM_SPLIT_BY_VERSION")
    assert stream_split == STREAM_SPLIT_BY_VERSION[version]


def ss_files():
    return sorted((EXPECTED / "kernel").glob("*.ss.tsv"))


@pytest.mark.parametrize("ss", ss_files(), ids=lambda p: p.name[: -len(".ss.tsv")])
def test_states_match_kernel_ss(tshark, ss):
    """At each checkpoint of the kernel captures, the states tcpwave shows
    after the last captured frame equal what `ss -tan` said, except where the
    capture cannot show it (MODEL_VS_KERNEL: an application that gave up)."""
    name = ss.name[: -len(".ss.tsv")]
    actual = read_actual(tshark, PCAPS / "kernel" / f"{name}.pcap", two_pass=False)
    checked = 0
    for line in ss.read_text().splitlines()[1:]:
        frame, client, server, note = line.split("\t", 3)
        frame = int(frame)
        if frame == 0:
            continue
        want = {"client": client, "server": server}
        for side, (kernel, model) in MODEL_VS_KERNEL.get((name, note), {}).items():
            assert want[side] == kernel
            want[side] = model
        have = actual[frame][0]
        assert (have["client"], have["server"]) == (want["client"], want["server"]), f"{name} after frame {frame}: {note}"
        checked += 1
    assert checked > 0
