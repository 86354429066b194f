#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Judge valgrind memcheck logs of tshark runs with the tcpwave plugin.

    /usr/bin/python3 fuzz/vgreport.py LOG...

Splits each log into its error records (memory errors and leak records)
and fails (exit 1) on every invalid read, invalid write, invalid free,
use of uninitialised memory, or definitely lost block whose stack has a
tcpwave frame (the plugin, its state machine or its tables: needs
--keep-debuginfo=yes, as the plugin is unloaded before the leak check).
Errors without a tcpwave frame are Wireshark's or GLib's own: counted, not
failed.
"""
import re
import sys

TCPWAVE = re.compile(r"tcpwave|tw_fsm|tw_table|packet-tcpwave")
MEMORY = re.compile(r"Invalid (read|write|free)|uninitialised|Mismatched free|overlap|Syscall param")
DEFINITE = re.compile(r"are definitely lost")


def records(path):
    """Yield (headline, [stack lines]) for each error record of a log."""
    head, stack = None, []
    for line in open(path, errors="replace"):
        m = re.match(r"==\d+== ?(.*)", line.rstrip("\n"))
        if not m:
            continue
        text = m.group(1)
        if not text.strip():
            if head:
                yield head, stack
            head, stack = None, []
        elif head is None:
            head = text
        else:
            stack.append(text)
    if head:
        yield head, stack


def main(paths):
    bad, other = [], 0
    for path in paths:
        for head, stack in records(path):
            if not (MEMORY.search(head) or DEFINITE.search(head)):
                continue
            frames = [s for s in stack if re.match(r"\s+(at|by) 0x", s)]
            if any(TCPWAVE.search(f) for f in frames):
                bad.append((path, head, stack))
            else:
                other += 1
    for path, head, stack in bad:
        print(f"{path}: {head}")
        for s in stack[:16]:
            print(f"    {s}")
    print(f"valgrind: {len(bad)} error(s) in tcpwave frames, {other} elsewhere (Wireshark/GLib, not counted)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
