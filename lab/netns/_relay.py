"""UDP relay giving host-side SNMP clients a 127.0.0.1 port per lab namespace.

Run by the lab as ``python _relay.py --state-dir D`` (stdlib only, so it runs
without the package on ``sys.path``). Reads a JSON list
``[{"code": ..., "netns": ..., "target_port": 161}]`` on stdin, binds one UDP
socket per entry on 127.0.0.1 (free port) in the root namespace, prints
``{"code": port, ...}`` as one JSON line, then relays until SIGTERM.

Each client address gets its own upstream socket, created inside the node's
namespace (``setns`` for the moment of ``socket()``; a socket keeps the
namespace it was created in) and connected to 127.0.0.1:161 there. The
relayed requests thus cross the namespace's loopback, never its veths, so
polling does not disturb the interface counters being measured.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import selectors
import signal
import socket
import sys
import time

CLONE_NEWNET = 0x40000000
IDLE_SECONDS = 120.0
MAX_UPSTREAMS_PER_NODE = 256

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


class Relay:
    """Selector loop relaying datagrams between host clients and namespaced snmpd."""

    def __init__(self, entries: list[dict[str, object]]) -> None:
        self.selector = selectors.DefaultSelector()
        self.home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.ports: dict[str, int] = {}
        # listener fileno -> (code, netns, target_port, listener socket)
        self.listeners: dict[int, tuple[str, str, int, socket.socket]] = {}
        # (listener fileno, client address) -> (upstream socket, last use)
        self.upstreams: dict[tuple[int, tuple[str, int]], tuple[socket.socket, float]] = {}
        for entry in entries:
            code, netns = str(entry["code"]), str(entry["netns"])
            target = int(str(entry.get("target_port", 161)))
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            self.ports[code] = sock.getsockname()[1]
            self.listeners[sock.fileno()] = (code, netns, target, sock)
            self.selector.register(sock, selectors.EVENT_READ, ("listen", sock.fileno(), None))

    def _upstream(self, lfd: int, client: tuple[str, int]) -> socket.socket:
        key = (lfd, client)
        if key in self.upstreams:
            sock = self.upstreams[key][0]
        else:
            _code, netns, target, _listener = self.listeners[lfd]
            ns_fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
            try:
                _setns(ns_fd)
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            finally:
                _setns(self.home_fd)
                os.close(ns_fd)
            sock.connect(("127.0.0.1", target))
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, ("up", lfd, client))
        self.upstreams[key] = (sock, time.monotonic())
        return sock

    def _expire(self) -> None:
        now = time.monotonic()
        stale = [k for k, (_s, used) in self.upstreams.items() if now - used > IDLE_SECONDS]
        per_node: dict[int, int] = {}
        for lfd, _client in self.upstreams:
            per_node[lfd] = per_node.get(lfd, 0) + 1
        if any(n > MAX_UPSTREAMS_PER_NODE for n in per_node.values()):
            stale = list(self.upstreams)
        for key in stale:
            sock = self.upstreams.pop(key)[0]
            self.selector.unregister(sock)
            sock.close()

    def serve(self) -> None:
        """Relay until the process is terminated."""
        last_expire = time.monotonic()
        while True:
            for key, _mask in self.selector.select(timeout=5.0):
                kind, lfd, client = key.data
                try:
                    if kind == "listen":
                        listener = self.listeners[lfd][3]
                        data, addr = listener.recvfrom(65535)
                        self._upstream(lfd, addr).send(data)
                    else:
                        data = key.fileobj.recv(65535)  # type: ignore[union-attr]
                        self.listeners[lfd][3].sendto(data, client)
                except OSError:
                    continue  # e.g. ECONNREFUSED while snmpd restarts: drop, like UDP
            if time.monotonic() - last_expire > 10.0:
                self._expire()
                last_expire = time.monotonic()


def main() -> int:
    """Entry point: read the spec on stdin, print the ports, relay."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", required=True, help="lab state dir (marks the process)")
    parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    relay = Relay(json.loads(sys.stdin.read()))
    sys.stdout.write(json.dumps(relay.ports) + "\n")
    sys.stdout.flush()
    relay.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
