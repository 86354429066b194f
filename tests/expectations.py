#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The hand-written expectations against the captures they describe (stock
tshark, no plugin): one set of rules for the seed, crafted and kernel
fixtures.  tests/test_expectations.py runs it in the suite; as a script it
checks other captures (a fresh run of a generator):

    tests/expectations.py [--set kernel --pcap-dir DIR --ss-dir DIR] [--rebuild]

For each tests/expected/<set>/NAME.tsv and pcaps/<set>/NAME.pcap:

  * the header is exact, every value is a name from docs/fields.md, and every
    frame of the capture has its rows: one per TCP layer that has a
    tcp.stream (in the frame's layer order), or a single all-'-' row when no
    TCP header was dissected;
  * rows sit under the '# stream N' section of the tcp.stream tshark gives
    them (files without sections hold one connection);
  * each row's sender is the side that sent the layer's segment (the client
    being the side that sent the first SYN, or received the first SYN-ACK, of
    that stream; 'unknown' when neither was captured), and its role and step
    fit the segment's flags and payload (ROLE_FITS, ROLE_STEP);
  * a TCP header quoted inside ICMP/ICMPv6 has sender, role and step '-' and
    the states of the stream's previous row;
  * close_type and close_initiator are both given or both absent, and only on
    rows with a close step or a reset's RST;
  * crafted captures' timestamps strictly increase; their IPv4/ICMP/ICMPv6/TCP
    checksums are good where tshark can verify them (kernel captures are taken
    on veth with checksum offload: not checked);
  * kernel: at every checkpoint of NAME.ss.tsv (after frame > 0) the expected
    states after that frame equal what ss showed, except MODEL_VS_KERNEL.

--rebuild: tests/craft/make_pcaps.py, run into a temporary folder, must write
the committed seed and crafted captures byte for byte.
"""
import argparse
import filecmp
import re
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import twrun  # noqa: E402

SETS = ("seed", "crafted", "classes", "kernel")
EXPECTED = REPO / "tests" / "expected"
COLUMNS = ["frame", "sender", "client", "server", "role", "step", "close_type", "close_initiator"]
# Options a capture needs for tshark to see every TCP layer (see pcaps/crafted/README.md).
TSHARK_ARGS = {"tcp-in-gtp.pcap": ["-d", "tcp.port==2152,gtp"]}

STATES = {"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSED",
          "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
          "unknown"}  # nothing in the capture proves a state (docs/semantics.md rule 5)
SIDES = {"client", "server", "unknown"}
CLOSE_TYPES = {"three-way", "four-way", "simultaneous", "reset"}

# (scenario, checkpoint note) -> {side: (ss state, model state)}: the only places where
# the kernel's ss view and the expected (capture-point) states may differ.
# The two-pass expectations against ss, where the capture cannot prove what the kernel had: no
# segment answers the SYNs of syn_timeout, so two passes leave the server unknown (docs/semantics.md
# rule 5) while the kernel held a request socket in SYN-RECV (one pass shows it: test_fixtures).
TWO_PASS_VS_KERNEL = {"syn_timeout": {"server": ("SYN_RECV", "unknown")}}
MODEL_VS_KERNEL = {
    ("syn_timeout", "client close() after the timeout"):
        {"client": ("CLOSED", "SYN_SENT")},  # the application gave up; nothing on the wire
    ("accept_overflow", "the ACK after the SYN-ACK sent again met the full accept queue"):
        {"server": ("SYN_RECV", "ESTABLISHED")},  # one pass: the proof (frame 9) comes later; two match ss
    ("simultaneous_close", "both shutdown(SHUT_WR), FINs not yet on the wire"):
        {"client": ("FIN_WAIT1", "ESTABLISHED"),  # both FINs dropped before the capture point:
         "server": ("FIN_WAIT1", "ESTABLISHED")},  # the copies sent again are the first captured
}


def _plain(f):
    """ACK, no SYN, FIN or RST."""
    return "A" in f and not f & {"S", "F", "R"}


def _fin(f):
    return "F" in f and not f & {"S", "R"}


# role -> predicate on (flags as a set of S, F, R, A; payload length).  RFC 9293:
# a SYN carries no ACK, a SYN-ACK both (3.5); once synchronized every segment
# carries an ACK (3.10.7.4: "if the ACK bit is off drop the segment"), so FINs,
# data and the ACK roles carry one (Linux sets it on all of them).  A side that
# has sent its FIN sends no new data (3.10.7.4, seventh step): the ACKs of the
# second FIN and the final ACK carry none, the ACK of the first FIN may (the
# peer is in CLOSE_WAIT).  The handshake ACK may carry data (docs/fields.md).
ROLE_FITS = {
    "SYN": lambda f, n: f == {"S"},
    "SYN-ACK": lambda f, n: f == {"S", "A"},
    "handshake ACK": lambda f, n: f == {"A"},
    "data": lambda f, n: n > 0 and _plain(f),
    "ACK": lambda f, n: f == {"A"} and n == 0,
    "first FIN": lambda f, n: _fin(f),
    # an ACK of a FIN may ride on the sender's own FIN sent again (RFC 9293 3.10.7.4: the ACK
    # field of every acceptable segment is processed)
    "ACK of first FIN": lambda f, n: _plain(f) or (_fin(f) and n == 0),
    "second FIN": lambda f, n: _fin(f),
    "FIN+ACK": lambda f, n: _fin(f) and "A" in f,
    "simultaneous FIN": lambda f, n: _fin(f),
    "ACK of second FIN": lambda f, n: (_plain(f) or _fin(f)) and n == 0,
    "final ACK": lambda f, n: (_plain(f) or _fin(f)) and n == 0,
    "RST": lambda f, n: "R" in f,
    "retransmission": lambda f, n: True,
    "keep-alive": lambda f, n: f == {"A"} and n <= 1,
    "other/unexpected": lambda f, n: True,
    # sent before the peer's RST arrived: any segment but a SYN or an RST
    "crossed the RST": lambda f, n: "A" in f and not f & {"S", "R"},
}
# role -> required step pattern (docs/fields.md, Steps)
ROLE_STEP = {
    # A simultaneous open (RFC 9293 Figure 8) has four: SYN, SYN, SYN-ACK, SYN-ACK.
    "SYN": r"handshake 1/3|handshake [12]/4", "SYN-ACK": r"handshake 2/3|handshake [34]/4",
    "handshake ACK": r"handshake 3/3",
    "first FIN": r"close 1/([34]|\?)", "ACK of first FIN": r"close 2/4", "second FIN": r"close 3/4",
    "FIN+ACK": r"close 2/3", "simultaneous FIN": r"close 2/4", "ACK of second FIN": r"close 3/4",
    "final ACK": r"close [34]/[34]", "retransmission": r"-|handshake [12]/3|handshake [1-4]/4|close [1-3]/[34]",
    "data": r"-", "ACK": r"-", "RST": r"-", "keep-alive": r"-", "other/unexpected": r"-",
    "crossed the RST": r"-",
}
FLAG_BITS = [(0x02, "S"), (0x01, "F"), (0x04, "R"), (0x10, "A")]

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "tcp.stream", "tcp.srcport", "tcp.dstport",
          "tcp.flags", "tcp.len", "tcp.checksum.status", "ip.checksum.status", "icmp.checksum.status",
          "icmpv6.checksum.status"]

_BARE = None


def bare_tshark():
    global _BARE
    if _BARE is None:
        _BARE = twrun.Tshark(None)   # no plugin: Wireshark's own view of the capture
    return _BARE


def tshark_frames(pcap):
    args = ["-n", "-2", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
            *TSHARK_ARGS.get(Path(pcap).name, []), "-r", Path(pcap), "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    out = bare_tshark().run(*args, check=True).stdout
    frames = []
    for line in out.splitlines():
        cells = line.split("\t") + [""] * len(FIELDS)
        col = {f: (cells[i].split(",") if cells[i] else []) for i, f in enumerate(FIELDS)}
        protocols = col["frame.protocols"][0]
        quoted = bool({"icmp", "icmpv6"} & set(protocols.split(":")))
        layers = []

        def at(field, i, default="0"):
            return col[field][i] if i < len(col[field]) and col[field][i] else default

        for i, stream in enumerate(col["tcp.stream"]):
            flags_value = int(at("tcp.flags", i), 16)
            layers.append({"stream": stream, "sport": int(at("tcp.srcport", i)),
                           "dport": int(at("tcp.dstport", i)),
                           "flags": {ch for bit, ch in FLAG_BITS if flags_value & bit},
                           "len": int(at("tcp.len", i)), "quoted": quoted})
        frames.append({"number": int(col["frame.number"][0]), "time": Decimal(col["frame.time_epoch"][0]),
                       "layers": layers, "col": col})
    return frames


def read_rows(tsv):
    """[(stream section or None, row dict)], header"""
    header, rows, section = None, [], None
    for line in Path(tsv).read_text().splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            m = re.fullmatch(r"# stream (\d+)", line)
            if m:
                section = m.group(1)
            elif line.startswith("# no stream"):
                section = "-"
            continue
        if header is None:
            header = line.split("\t")
            continue
        rows.append((section, dict(zip(COLUMNS, line.split("\t")))))
    return header, rows


def read_checkpoints(path):
    lines = [ln for ln in Path(path).read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, ln.split("\t"))) for ln in lines[1:]]


def client_ports(frames):
    """stream -> the client's port, from the first SYN or SYN-ACK; None when neither is seen."""
    clients = {}
    for fr in frames:
        for ly in fr["layers"]:
            if ly["quoted"] or ly["stream"] in clients:
                continue
            if ly["flags"] == {"S"}:
                clients[ly["stream"]] = ly["sport"]
            elif ly["flags"] == {"S", "A"}:
                clients[ly["stream"]] = ly["dport"]
    return clients


def check_checksums(fr, errors):
    col, n = fr["col"], fr["number"]
    for value in col["ip.checksum.status"]:
        if value != "1":
            errors.append(f"frame {n}: IPv4 checksum status {value}")
    for field in ("icmp.checksum.status", "icmpv6.checksum.status"):
        for value in col[field]:
            if value != "1":
                errors.append(f"frame {n}: {field} {value}")
    truncated = "1" not in col["tcp.checksum.status"] and "0" not in col["tcp.checksum.status"]
    for i, value in enumerate(col["tcp.checksum.status"]):
        quoted = fr["layers"][i]["quoted"] if i < len(fr["layers"]) else False
        if value == "0" and not quoted:
            errors.append(f"frame {n}: bad TCP checksum")
        if value == "2" and not (quoted or truncated):
            errors.append(f"frame {n}: TCP checksum not verified")


def expectation_file(set_name, name, frames):
    """NAME.tsv, or NAME.split.tsv where Wireshark (4.4 and later) starts a new
    tcp.stream at an injected SYN-ACK (tests/conftest.py, stream_split)."""
    tsv = EXPECTED / set_name / f"{name}.tsv"
    split = tsv.with_name(f"{name}.split.tsv")
    if split.exists() and len({ly["stream"] for fr in frames for ly in fr["layers"]}) > 1:
        return split
    return tsv


def check(set_name, name, pcap_dir=None, ss_dir=None):
    """Every rule above for expectation NAME of set_name; a list of errors."""
    pcap = Path(pcap_dir or REPO / "pcaps" / set_name) / f"{name}.pcap"
    if not pcap.exists():
        return [f"no capture {pcap}"]
    frames = tshark_frames(pcap)
    errors = []
    header, rows = read_rows(expectation_file(set_name, name, frames))
    if header != COLUMNS:
        errors.append(f"header {header}")
    # The seed listings keep their odd SYN-ACK times; crafted captures never go back.
    if set_name == "crafted":
        for before, after in zip(frames, frames[1:]):
            if after["time"] <= before["time"]:
                errors.append(f"frame {after['number']}: time does not increase")
    clients = client_ports(frames)
    sectioned = any(section is not None for section, _ in rows)
    streams_in_file = {ly["stream"] for fr in frames for ly in fr["layers"]}
    if not sectioned and len(streams_in_file) > 1:
        errors.append(f"{len(streams_in_file)} streams but no '# stream N' sections")

    for section, row in rows:
        for c in COLUMNS[1:]:
            if row.get(c) is None:
                errors.append(f"row {row}: missing column {c}")
                row[c] = "?"
        if row["sender"] not in SIDES | {"-"} or row["role"] not in set(ROLE_FITS) | {"-"}:
            errors.append(f"frame {row['frame']}: unknown sender/role {row['sender']}/{row['role']}")
        for c in ("client", "server"):
            if row[c] not in STATES | {"-"}:
                errors.append(f"frame {row['frame']}: unknown state {row[c]}")
        if row["close_type"] not in CLOSE_TYPES | {"-"} or row["close_initiator"] not in {"client", "server", "-"}:
            errors.append(f"frame {row['frame']}: unknown close values")
    if errors:
        return errors

    by_frame = {}
    for section, row in rows:
        by_frame.setdefault(int(row["frame"]), []).append((section, row))
    if set(by_frame) != {fr["number"] for fr in frames}:
        errors.append(f"rows for frames {sorted(by_frame)} but the capture has 1..{len(frames)}")

    last_states = {}
    for fr in sorted(frames, key=lambda f: f["number"]):
        n = fr["number"]
        if set_name != "kernel":
            check_checksums(fr, errors)
        want = by_frame.get(n, [])
        if not fr["layers"]:
            if len(want) != 1 or any(v != "-" for k, v in want[0][1].items() if k != "frame"):
                errors.append(f"frame {n}: no TCP header dissected, expected one all-'-' row")
            continue
        if len(want) != len(fr["layers"]):
            errors.append(f"frame {n}: {len(fr['layers'])} TCP layers, {len(want)} rows")
            continue
        for ly, (section, row) in zip(fr["layers"], want):
            where = f"frame {n} stream {ly['stream']}"
            if sectioned and section != ly["stream"]:
                errors.append(f"{where}: row is in section {section}")
            if ly["quoted"]:
                if (row["sender"], row["role"], row["step"], row["close_type"]) != ("-",) * 4:
                    errors.append(f"{where}: ICMP-quoted header must have sender/role/step/close '-'")
                if (row["client"], row["server"]) != last_states.get(ly["stream"]):
                    errors.append(f"{where}: ICMP-quoted header must keep the previous states")
                continue
            client = clients.get(ly["stream"])
            sender = "unknown" if client is None else ("client" if ly["sport"] == client else "server")
            if row["sender"] != sender:
                errors.append(f"{where}: sender {row['sender']}, capture says {sender}")
            if not ROLE_FITS[row["role"]](ly["flags"], ly["len"]):
                errors.append(f"{where}: role {row['role']} on a {''.join(sorted(ly['flags']))}+{ly['len']} segment")
            if not re.fullmatch(ROLE_STEP[row["role"]], row["step"]):
                errors.append(f"{where}: step {row['step']!r} does not fit role {row['role']}")
            has_close = row["close_type"] != "-"
            if has_close != (row["close_initiator"] != "-"):
                errors.append(f"{where}: close_type and close_initiator must be given together")
            if has_close and not (row["step"].startswith("close")
                                  or (row["role"] == "RST" and row["close_type"] == "reset")):
                errors.append(f"{where}: close fields on a segment without a close step")
            if row["step"].startswith("close") and not has_close:
                errors.append(f"{where}: close step without close fields (two-pass output)")
            last_states[ly["stream"]] = (row["client"], row["server"])

    if set_name == "kernel":
        errors += check_checkpoints(name, rows, Path(ss_dir or EXPECTED / "kernel"))
    return errors


def check_checkpoints(name, rows, ss_dir):
    errors = []
    by_frame = {r["frame"]: r for _, r in rows}
    for cp in read_checkpoints(ss_dir / f"{name}.ss.tsv"):
        if cp["frame"] == "0":
            continue
        exp = by_frame.get(cp["frame"])
        if exp is None:
            errors.append(f"checkpoint after frame {cp['frame']}: no such frame")
            continue
        allowed = MODEL_VS_KERNEL.get((name, cp["note"]), {})
        two_pass = TWO_PASS_VS_KERNEL.get(name, {})
        for side in ("client", "server"):
            if cp[side] != exp[side] and (cp[side], exp[side]) not in (allowed.get(side), two_pass.get(side)):
                errors.append(f"checkpoint after frame {cp['frame']} ({cp['note']}): ss {side} "
                              f"{cp[side]}, expected {exp[side]}")
    return errors


def names(set_name):
    return sorted(p.name[:-len(".tsv")] for p in (EXPECTED / set_name).glob("*.tsv")
                  if not p.name.endswith((".split.tsv", ".ss.tsv", ".onepass.tsv")))


def unexpected_captures(set_name):
    """Captures of pcaps/<set> without an expectation."""
    return sorted(p.stem for p in (REPO / "pcaps" / set_name).glob("*.pcap")
                  if not (EXPECTED / set_name / f"{p.stem}.tsv").exists())


def rebuild_differences():
    """make_pcaps.py into a temporary folder: what differs from the committed seed and crafted captures."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["/usr/bin/python3", str(REPO / "tests" / "craft" / "make_pcaps.py"), "--out", tmp],
                       check=True, capture_output=True)
        errors = []
        for s in ("seed", "crafted", "classes"):
            made = sorted(p.name for p in Path(tmp, s).glob("*.pcap"))
            kept = sorted(p.name for p in (REPO / "pcaps" / s).glob("*.pcap"))
            if made != kept:
                errors.append(f"{s}: generator makes {made}, repository has {kept}")
            for name in set(made) & set(kept):
                if not filecmp.cmp(Path(tmp, s, name), REPO / "pcaps" / s / name, shallow=False):
                    errors.append(f"{s}/{name}: rebuilt file differs")
        return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=SETS, action="append", help="default: all")
    ap.add_argument("--pcap-dir", type=Path, help="captures to check (default pcaps/<set>)")
    ap.add_argument("--ss-dir", type=Path, help="kernel: the ss checkpoints (default tests/expected/kernel)")
    ap.add_argument("--rebuild", action="store_true", help="also rerun make_pcaps.py and compare bytes")
    opts = ap.parse_args()
    failed = 0
    for s in opts.set or SETS:
        for name in names(s):
            errors = check(s, name, opts.pcap_dir, opts.ss_dir)
            print(f"{'ok  ' if not errors else 'FAIL'} {s}/{name}")
            for e in errors:
                print("     " + e)
            failed += bool(errors)
        if not opts.pcap_dir:
            for name in unexpected_captures(s):
                print(f"FAIL {s}/{name}: no expectation")
                failed += 1
    if opts.rebuild:
        errors = rebuild_differences()
        print(f"{'ok  ' if not errors else 'FAIL'} make_pcaps.py rebuild is byte-identical")
        for e in errors:
            print("     " + e)
        failed += bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
