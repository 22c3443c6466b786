"""Traffic for the inspection netns tests, run inside a lab namespace (``ip netns exec``).

``serve ADDRESS``: a Telnet-like listener on port 23 (sends a login prompt, reads a
line) and an HTTP server on port 80, until killed; prints ``ready``.
``telnet ADDRESS`` / ``http ADDRESS``: one real client session each.
``scan ADDRESS FIRST LAST``: a scapy SYN scan. ``sweep PREFIX N``: a scapy ICMP sweep
of PREFIX.1 .. PREFIX.N. ``tls ADDRESS PORT``: a plain TCP exchange (clean traffic).
"""

from __future__ import annotations

import http.server
import socket
import socketserver
import sys
import threading
import urllib.request


class _Telnet(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(b"\xff\xfb\x01login: ")
        self.request.recv(100)
        self.request.sendall(b"\r\nPassword: ")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(address: str, ports: list[int]) -> None:
    servers: list[socketserver.TCPServer] = []
    for port in ports:
        socketserver.TCPServer.allow_reuse_address = True
        handler: type[socketserver.BaseRequestHandler] = _Telnet if port == 23 else _Quiet
        if port not in (23, 80):
            handler = _Telnet
        servers.append(socketserver.ThreadingTCPServer((address, port), handler))
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def telnet(address: str, port: int = 23) -> None:
    with socket.create_connection((address, port), timeout=5) as sock:
        sock.recv(100)
        sock.sendall(b"admin\r\n")
        sock.recv(100)


def main() -> int:
    mode, *args = sys.argv[1:]
    if mode == "serve":
        serve(args[0], [int(p) for p in args[1:]])
    elif mode == "telnet":
        telnet(args[0], int(args[1]) if len(args) > 1 else 23)
    elif mode == "http":
        with urllib.request.urlopen(f"http://{args[0]}/", timeout=5) as answer:
            answer.read()
    elif mode in ("scan", "sweep"):
        from scapy.all import ICMP, IP, TCP, conf, send

        conf.verb = 0
        if mode == "scan":
            first, last = int(args[1]), int(args[2])
            send(
                [
                    IP(dst=args[0]) / TCP(sport=47000, dport=p, flags="S")
                    for p in range(first, last + 1)
                ],
                inter=0.01,
            )
        else:
            send(
                [IP(dst=f"{args[0]}.{i}") / ICMP(id=9, seq=i) for i in range(1, int(args[1]) + 1)],
                inter=0.01,
            )
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
