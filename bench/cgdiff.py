#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare two callgrind profiles function by function (exclusive Ir).

  bench/cgdiff.py WITH.out WITHOUT.out [--top N] [--startup S.out]

Prints both totals, their ratio (and, with --startup, the ratio with the
start-up instructions of S.out taken off both), then the functions whose
exclusive instruction count grew most: what WITH makes the process do that
WITHOUT does not.  Uses callgrind_annotate (valgrind).
"""
import argparse
import re
import subprocess

LINE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(.*\S)\s*$")


def load(path, inclusive=False):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}",
                          path], capture_output=True, text=True, check=True).stdout
    funcs, total = {}, None
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        name = m.group(2)
        if "PROGRAM TOTALS" in name:
            total = n
            continue
        # "file:function [object]" -> "function [object basename]"
        fm = re.match(r"(?:\S*?:)?(\S+)(?: \[(.*)\])?$", name)
        if fm:
            obj = (fm.group(2) or "").rsplit("/", 1)[-1]
            name = f"{fm.group(1)} [{obj}]" if obj else fm.group(1)
        funcs[name] = funcs.get(name, 0) + n
    return total, funcs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("with_")
    ap.add_argument("without")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--startup", help="a profile of start-up only (e.g. -c 1), subtracted from both totals")
    ap.add_argument("--packets", type=int, help="packets in the file, for instructions per packet")
    a = ap.parse_args()

    tw, fw = load(a.with_)
    to, fo = load(a.without)
    print(f"total Ir: with {tw:,}  without {to:,}  ratio {tw / to:.3f}")
    if a.startup:
        ts, _ = load(a.startup)
        per = f"; per packet {(tw - ts) / a.packets:,.0f} vs {(to - ts) / a.packets:,.0f}" if a.packets else ""
        print(f"without start-up ({ts:,}): ratio {(tw - ts) / (to - ts):.3f}{per}")
    diff = sorted(((fw.get(k, 0) - fo.get(k, 0), k) for k in set(fw) | set(fo)), reverse=True)
    print(f"\n{'extra Ir':>14} {'with':>14} {'without':>14}  function [object]")
    for d, k in diff[:a.top]:
        print(f"{d:>14,} {fw.get(k, 0):>14,} {fo.get(k, 0):>14,}  {k[:110]}")


if __name__ == "__main__":
    main()
