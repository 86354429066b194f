#!/usr/bin/python3
"""Check tests/expected/zeek.tsv against fsm/tw_zeek.c alone, without the plugin.

    tests/craft/check_zeek_engine.py [--tool build/tw_zeek_pcap]

Runs the plain-C pcap reader tests/unit/tw_zeek_pcap.c (built as
tw_zeek_pcap) on every capture the table names, with --checksums where the
row says checksums were verified, and compares conn_state, history and which
side is the originator with the hand-written expectation.  Registered with
CTest as unit_zeek_pcaps.  Exit status 1 on any difference.
"""
import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def expected():
    for line in (ROOT / "tests" / "expected" / "zeek.tsv").read_text().splitlines():
        if line.startswith("#") or line.startswith("capture\t") or not line.strip():
            continue
        capture, stream, checksums, state, history, orig, _reason = line.split("\t")
        yield capture, int(stream), checksums == "yes", state, history, orig


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", default=str(ROOT / "build" / "tw_zeek_pcap"))
    args = ap.parse_args()
    failures = 0
    rows = list(expected())
    for capture, stream, checksums, state, history, orig in rows:
        cmd = [args.tool, *(["--checksums"] if checksums else []), str(ROOT / "pcaps" / f"{capture}.pcap")]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        got = {int(f[0]): tuple(f[1:]) for f in (l.split("\t") for l in out.splitlines())}
        want = (state, history, orig)
        if got.get(stream) != want:
            print(f"{capture} stream {stream} checksums={checksums}: got {got.get(stream)}, want {want}")
            failures += 1
    print(f"{len(rows) - failures}/{len(rows)} connections as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
