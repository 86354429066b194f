#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the kernel fixtures against each other (no root, no plugin needed).

For each tests/expected/kernel/NAME.tsv (hand-written per-frame expectations):
  * pcaps/kernel/NAME.pcap has the segment shape make_kernel_pcaps.py requires and
    exactly one expectation row per frame, numbered 1..N;
  * each row's sender is the side that sent the frame, and its role fits the
    segment's flags (a SYN role on a SYN, a FIN role on a FIN, data on payload, ...);
  * at every kernel checkpoint of NAME.ss.tsv (after frame > 0), the expected states
    after that frame equal what ss showed, except the differences listed in
    MODEL_VS_KERNEL, where the capture-point model cannot follow the kernel.

    tests/capture/check_kernel_expectations.py
    tests/capture/check_kernel_expectations.py --pcap-dir /tmp/rerun --ss-dir /tmp/rerun

The second form checks a fresh run of make_kernel_pcaps.py written elsewhere
against the same hand-written expectations.
"""

import argparse
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/capture free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import pcapshape  # noqa: E402
from make_kernel_pcaps import REPO, SCENARIOS  # noqa: E402

EXPECTED_DIR = REPO / "tests" / "expected" / "kernel"
COLUMNS = ["frame", "sender", "client", "server", "role", "step", "close_type", "close_initiator"]

# (scenario, checkpoint note) -> {side: (ss state, model state)}: the only places where
# the kernel's ss view and the expected (capture-point) states may differ.
MODEL_VS_KERNEL = {
    ("syn_timeout", "client close() after the timeout"):
        {"client": ("CLOSED", "SYN_SENT")},  # the application gave up; nothing on the wire
}

# role -> predicate on (flags, payload length) of the segment
ROLE_FITS = {
    "SYN": lambda f, n: f == "S",
    "SYN-ACK": lambda f, n: f == "SA",
    "handshake ACK": lambda f, n: f == "A",
    "data": lambda f, n: "A" in f and n > 0 and "F" not in f,
    "ACK": lambda f, n: f == "A" and n == 0,
    "first FIN": lambda f, n: "F" in f,
    "ACK of first FIN": lambda f, n: "F" not in f and "A" in f,
    "second FIN": lambda f, n: "F" in f,
    "FIN+ACK": lambda f, n: "F" in f and "A" in f,
    "simultaneous FIN": lambda f, n: "F" in f,
    "ACK of second FIN": lambda f, n: "F" not in f and "A" in f,
    "final ACK": lambda f, n: "F" not in f and "A" in f,
    "RST": lambda f, n: "R" in f,
    "retransmission": lambda f, n: True,
    "keep-alive": lambda f, n: f == "A" and n <= 1,
    "other/unexpected": lambda f, n: True,
}


def read_tsv(path):
    lines = [ln.rstrip("\n") for ln in open(path) if ln.strip() and not ln.startswith("#")]
    header = lines[0].split("\t")
    return header, [dict(zip(header, ln.split("\t"))) for ln in lines[1:]]


def check(name, pcap_dir, ss_dir):
    errors = []
    header, rows = read_tsv(EXPECTED_DIR / f"{name}.tsv")
    if header != COLUMNS:
        errors.append(f"header {header}")
    pcap = pcap_dir / f"{name}.pcap"
    frames = pcapshape.read_frames(pcap)
    client_port = pcapshape.parse_tcp(frames[0])[1]  # frame 1 is always the client's SYN
    shapes = pcapshape.shapes(pcap, client_port)
    if name in SCENARIOS and shapes != SCENARIOS[name]["shape"]:
        errors.append(f"capture shape {shapes} != required {SCENARIOS[name]['shape']}")
    if [r["frame"] for r in rows] != [str(i) for i in range(1, len(shapes) + 1)]:
        errors.append(f"{len(rows)} expectation rows for {len(shapes)} frames")
    for row, shape in zip(rows, shapes):
        who, rest = shape.split(":")
        flags, _, plen = rest.rstrip("!").partition("+")
        if row["sender"] != {"c": "client", "s": "server"}[who]:
            errors.append(f"frame {row['frame']}: sender {row['sender']}, capture says {who}")
        if not ROLE_FITS[row["role"]](flags, int(plen or 0)):
            errors.append(f"frame {row['frame']}: role {row['role']} on a {shape} segment")
    _, checkpoints = read_tsv(ss_dir / f"{name}.ss.tsv")
    by_frame = {r["frame"]: r for r in rows}
    for cp in checkpoints:
        if cp["frame"] == "0":
            continue
        exp = by_frame.get(cp["frame"])
        allowed = MODEL_VS_KERNEL.get((name, cp["note"]), {})
        for side in ("client", "server"):
            if exp is None:
                errors.append(f"checkpoint after frame {cp['frame']}: no such frame")
                break
            if cp[side] == exp[side]:
                continue
            if allowed.get(side) == (cp[side], exp[side]):
                continue
            errors.append(f"checkpoint after frame {cp['frame']} ({cp['note']}): ss {side} "
                          f"{cp[side]}, expected {exp[side]}")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcap-dir", type=Path, default=REPO / "pcaps" / "kernel")
    ap.add_argument("--ss-dir", type=Path, default=EXPECTED_DIR)
    opts = ap.parse_args()
    names = sorted(p.name[:-len(".tsv")] for p in EXPECTED_DIR.glob("*.tsv")
                   if not p.name.endswith(".ss.tsv"))
    failed = 0
    for name in names:
        errors = check(name, opts.pcap_dir, opts.ss_dir)
        print(f"{'ok  ' if not errors else 'FAIL'} {name}")
        for e in errors:
            print("     " + e)
        failed += bool(errors)
    missing = sorted(set(SCENARIOS) - set(names))
    if missing:
        print("no expectations for:", " ".join(missing))
    sys.exit(1 if failed or missing else 0)


if __name__ == "__main__":
    main()
