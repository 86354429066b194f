# SPDX-License-Identifier: GPL-2.0-or-later
"""Socket agent: one plain-socket operation per input line.

make_kernel_pcaps.py starts one agent per host (network namespace) with
`ip netns exec <ns> /usr/bin/python3 -u sockagent.py`. Each stdin line is a JSON
object {"op": ..., args...}; the agent executes the operations strictly in order
and answers each with one JSON line {"ok": true, ...} or {"ok": false, "error": ...}.

Because the operations run in order, the driver can queue several at once to make
them happen back to back without its own latency in between, e.g. "recv_eof"
followed by "close" is a server that closes as soon as read() returns 0.
"""

import json
import socket
import struct
import sys
import time

socks = {}  # name -> socket


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def op_listen(name, addr, port):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    socks[name] = s


def op_accept(name, listener):
    conn, peer = socks[listener].accept()
    socks[name] = conn
    return {"peer": list(peer[:2])}


def op_connect(name, addr, port, local_addr, local_port, timeout=None):
    """Blocking connect() from a fixed local address and port."""
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    socks[name] = s
    s.bind((local_addr, local_port))
    s.settimeout(timeout)  # None: block until the kernel finishes or gives up
    s.connect((addr, port))
    s.settimeout(None)


def op_send(name, data):
    socks[name].sendall(data.encode())


def op_recv(name, n):
    """Read exactly n bytes."""
    buf = b""
    while len(buf) < n:
        chunk = socks[name].recv(n - len(buf))
        if not chunk:
            raise EOFError(f"EOF after {len(buf)} bytes")
        buf += chunk
    return {"data": buf.decode()}


def op_recv_eof(name):
    """Read until read() returns 0."""
    buf = b""
    while True:
        chunk = socks[name].recv(4096)
        if not chunk:
            return {"data": buf.decode()}
        buf += chunk


def op_shutdown_wr(name):
    socks[name].shutdown(socket.SHUT_WR)


def op_linger0(name):
    """SO_LINGER {l_onoff=1, l_linger=0}: close() aborts with a RST."""
    socks[name].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def op_close(name):
    socks.pop(name).close()


def op_sleep(secs):
    time.sleep(secs)


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def main():
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        cmd = json.loads(line)
        op = cmd.pop("op")
        try:
            result = OPS[op](**cmd) or {}
            answer = {"ok": True, **result}
        except Exception as exc:  # reported to the driver, which decides
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
