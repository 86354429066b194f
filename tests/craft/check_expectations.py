#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cross-check the seed and crafted fixtures against their expectations (no plugin needed).

For each tests/expected/{seed,crafted}/NAME.tsv (written by hand) and pcaps/<set>/NAME.pcap,
using stock tshark (two passes, as the integration tests do):

  * the header is exact, every value is a name from docs/fields.md, and every frame of
    the capture has its rows: one per TCP layer that has a tcp.stream (in the frame's
    layer order), or a single all-'-' row when no TCP header was dissected;
  * rows sit under the '# stream N' section of the tcp.stream tshark gives them (files
    without sections hold one connection);
  * each row's sender is the side that sent the layer's segment (the client being the
    side that sent the first SYN, or received the first SYN-ACK, of that stream;
    'unknown' when neither was captured), and its role and step fit the segment's flags
    and payload;
  * a TCP header quoted inside ICMP/ICMPv6 has sender, role and step '-' and the states
    of the stream's previous row;
  * close_type and close_initiator are both given or both absent, and only on rows with
    a close step or a reset's RST;
  * crafted captures' timestamps strictly increase;
  * every IPv4/ICMP/ICMPv6/TCP checksum tshark can verify is good (quoted TCP headers and
    headers cut by the snaplen cannot be verified and are skipped).

With --rebuild, make_pcaps.py is also run into a temporary folder and its output must be
byte-identical to the committed captures.

    /usr/bin/python3 tests/craft/check_expectations.py [--rebuild]
"""

import argparse
import filecmp
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.dont_write_bytecode = True

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SETS = ("seed", "crafted")
COLUMNS = ["frame", "sender", "client", "server", "role", "step", "close_type", "close_initiator"]
# Options a capture needs for tshark to see every TCP layer (see pcaps/crafted/README.md).
TSHARK_ARGS = {"tcp-in-gtp.pcap": ["-d", "tcp.port==2152,gtp"]}

STATES = {"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSED",
          "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"}
SIDES = {"client", "server", "unknown"}
CLOSE_TYPES = {"three-way", "four-way", "simultaneous", "reset"}

# role -> predicate on (flags without PSH, payload length)
ROLE_FITS = {
    "SYN": lambda f, n: f == "S",
    "SYN-ACK": lambda f, n: f == "SA",
    "handshake ACK": lambda f, n: f == "A",
    "data": lambda f, n: n > 0 and not set(f) & set("SFR"),
    "ACK": lambda f, n: f == "A" and n == 0,
    "first FIN": lambda f, n: "F" in f and "S" not in f,
    "ACK of first FIN": lambda f, n: f == "A",
    "second FIN": lambda f, n: "F" in f and "S" not in f,
    "FIN+ACK": lambda f, n: f == "FA",
    "simultaneous FIN": lambda f, n: "F" in f and "S" not in f,
    "ACK of second FIN": lambda f, n: f == "A",
    "final ACK": lambda f, n: f == "A",
    "RST": lambda f, n: "R" in f,
    "retransmission": lambda f, n: True,
    "keep-alive": lambda f, n: f == "A" and n <= 1,
    "other/unexpected": lambda f, n: True,
}
# role -> required step pattern
ROLE_STEP = {
    "SYN": r"handshake 1/3", "SYN-ACK": r"handshake 2/3", "handshake ACK": r"handshake 3/3",
    "first FIN": r"close 1/[34]", "ACK of first FIN": r"close 2/4", "second FIN": r"close 3/4",
    "FIN+ACK": r"close 2/3", "simultaneous FIN": r"close 2/4", "ACK of second FIN": r"close 3/4",
    "final ACK": r"close [34]/[34]", "retransmission": r"-|handshake [12]/3|close [1-3]/[34]",
    "data": r"-", "ACK": r"-", "RST": r"-", "keep-alive": r"-", "other/unexpected": r"-",
}
FLAG_BITS = [(0x02, "S"), (0x01, "F"), (0x04, "R"), (0x10, "A")]

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags",
          "tcp.len", "tcp.checksum.status", "ip.checksum.status", "icmp.checksum.status",
          "icmpv6.checksum.status"]


def tshark_frames(pcap):
    cmd = ["tshark", "-n", "-2", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
           *TSHARK_ARGS.get(pcap.name, []), "-r", str(pcap), "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    with tempfile.TemporaryDirectory(prefix="tcpwave-check-") as home:
        env = dict(os.environ, TZ="UTC", HOME=home)   # default preferences, as the tests use
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
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
            flags = "".join(ch for bit, ch in FLAG_BITS if flags_value & bit)
            layers.append({"stream": stream, "sport": int(at("tcp.srcport", i)),
                           "dport": int(at("tcp.dstport", i)), "flags": flags,
                           "len": int(at("tcp.len", i)), "quoted": quoted})
        frames.append({"number": int(col["frame.number"][0]), "time": Decimal(col["frame.time_epoch"][0]),
                       "layers": layers, "col": col})
    return frames


def read_rows(tsv):
    """[(stream section or None, row dict)], header"""
    header, rows, section = None, [], None
    for line in tsv.read_text().splitlines():
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


def client_ports(frames):
    """stream -> the client's port, from the first SYN or SYN-ACK; None when neither is seen."""
    clients = {}
    for fr in frames:
        for ly in fr["layers"]:
            if ly["quoted"] or ly["stream"] in clients:
                continue
            if ly["flags"] == "S":
                clients[ly["stream"]] = ly["sport"]
            elif ly["flags"] == "SA":
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


def check(tsv, pcap, increasing_times):
    errors = []
    header, rows = read_rows(tsv)
    if header != COLUMNS:
        errors.append(f"header {header}")
    frames = tshark_frames(pcap)
    if increasing_times:
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
        if row["sender"] not in SIDES | {"-"} or row["role"] not in set(ROLE_FITS) | {"-"}:
            errors.append(f"frame {row['frame']}: unknown sender/role {row['sender']}/{row['role']}")
        for c in ("client", "server"):
            if row[c] not in STATES | {"-"}:
                errors.append(f"frame {row['frame']}: unknown state {row[c]}")
        if row["close_type"] not in CLOSE_TYPES | {"-"} or row["close_initiator"] not in {"client", "server", "-"}:
            errors.append(f"frame {row['frame']}: unknown close values")

    # Expected rows for each frame, in file order: (section, row)
    by_frame = {}
    for section, row in rows:
        by_frame.setdefault(int(row["frame"]), []).append((section, row))
    if set(by_frame) != {fr["number"] for fr in frames}:
        errors.append(f"rows for frames {sorted(by_frame)} but the capture has 1..{len(frames)}")

    last_states = {}
    for fr in sorted(frames, key=lambda f: f["number"]):
        n = fr["number"]
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
                errors.append(f"{where}: role {row['role']} on a {ly['flags']}+{ly['len']} segment")
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
    return errors


def rebuild_matches():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["/usr/bin/python3", str(HERE / "make_pcaps.py"), "--out", tmp], check=True)
        errors = []
        for s in SETS:
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
    ap.add_argument("--rebuild", action="store_true", help="also rerun make_pcaps.py and compare bytes")
    opts = ap.parse_args()
    failed = 0
    for s in SETS:
        for tsv in sorted(p for p in (REPO / "tests" / "expected" / s).glob("*.tsv")
                          if not p.name.endswith(".split.tsv")):
            pcap = REPO / "pcaps" / s / (tsv.name[:-len(".tsv")] + ".pcap")
            # Wireshark 4.4 and later start a new tcp.stream at an injected SYN-ACK
            # (tests/conftest.py, stream_split): check the capture's .split.tsv then.
            split = tsv.with_name(tsv.name[:-len(".tsv")] + ".split.tsv")
            if split.exists() and pcap.exists() and len(
                    {ly["stream"] for fr in tshark_frames(pcap) for ly in fr["layers"]}) > 1:
                tsv = split
            # The seed listings keep their odd SYN-ACK times; crafted captures never go back.
            errors = check(tsv, pcap, s == "crafted") if pcap.exists() else [f"no capture {pcap}"]
            print(f"{'ok  ' if not errors else 'FAIL'} {s}/{tsv.stem}")
            for e in errors:
                print("     " + e)
            failed += bool(errors)
        for pcap in sorted((REPO / "pcaps" / s).glob("*.pcap")):
            if not (REPO / "tests" / "expected" / s / (pcap.stem + ".tsv")).exists():
                print(f"FAIL {s}/{pcap.stem}: no expectation")
                failed += 1
    if opts.rebuild:
        errors = rebuild_matches()
        print(f"{'ok  ' if not errors else 'FAIL'} make_pcaps.py rebuild is byte-identical")
        for e in errors:
            print("     " + e)
        failed += bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
