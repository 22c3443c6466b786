"""UDP traffic sender and sink, run inside a lab namespace via ``ip netns exec``.

Stdlib only (runs as a plain script). ``send`` paces datagrams at a rate for
a duration and prints ``{"sent": n, "errors": n}``; ``sink`` binds a port,
prints ``ready``, counts datagrams until SIGTERM, then prints
``{"received": n, "bytes": n}``.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import time

#: Linux's SO_RCVBUFFORCE (the socket module does not export it).
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def send(dst: str, port: int, rate: float, duration: float, size: int) -> dict[str, int]:
    """Send ``rate`` datagrams of ``size`` payload bytes per second for ``duration`` s."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    payload = b"\xa5" * size
    total = int(rate * duration)
    sent = errors = 0
    start = time.monotonic()
    while sent + errors < total:
        elapsed = time.monotonic() - start
        due = min(total, int(elapsed * rate) + 1)
        while sent + errors < due:
            try:
                sock.sendto(payload, (dst, port))
                sent += 1
            except OSError:
                errors += 1  # ENOBUFS, or unreachable while a link is down
        time.sleep(0.001)
    sock.close()
    return {"sent": sent, "errors": errors}


def sink(port: int) -> None:
    """Count datagrams on ``port`` until SIGTERM, then print the totals."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # root may exceed net.core.rmem_max: absorb bursts when the CPU is busy
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("0.0.0.0", port))  # inside the lab's own namespace
    sock.settimeout(0.2)
    counts = {"received": 0, "bytes": 0}
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while not stop:
        try:
            data = sock.recv(65535)
        except (TimeoutError, InterruptedError):
            continue
        counts["received"] += 1
        counts["bytes"] += len(data)
    sys.stdout.write(json.dumps(counts) + "\n")
    sys.stdout.flush()


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("send")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--rate", type=float, required=True, help="datagrams per second")
    s.add_argument("--duration", type=float, required=True, help="seconds")
    s.add_argument("--size", type=int, default=1000, help="UDP payload bytes")
    k = sub.add_parser("sink")
    k.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "send":
        result = send(args.dst, args.port, args.rate, args.duration, args.size)
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sink(args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
