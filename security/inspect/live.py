"""Live capture on an interface with a BPF filter (scapy ``AsyncSniffer``, ``store=False``).

Each packet goes straight to the inspector (and optionally to a pcap file);
nothing is kept in memory by scapy. The interface and the filter are checked
before the capture starts, so a typo is a clear error, not a silent thread
failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import CaptureError
from .engine import Inspector
from .pcapio import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_RAW,
    PcapWriter,
)


def _failed(iface: str, exc: BaseException) -> CaptureError:
    """The capture thread's failure as one clear error."""
    if isinstance(exc, CaptureError):
        return exc
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return CaptureError(f"--iface {iface}: cannot capture: {reason}")


def check_interface(iface: str) -> None:
    """Raise :class:`CaptureError` unless ``iface`` exists here (Linux sysfs)."""
    if (
        not iface
        or "/" in iface
        or iface in (".", "..")
        or not Path("/sys/class/net", iface).exists()
    ):
        known = sorted(p.name for p in Path("/sys/class/net").iterdir())
        raise CaptureError(f"--iface: no interface {iface!r} here (known: {', '.join(known)})")


def _linktype(iface: str) -> int:
    """The pcap link type of what scapy delivers on ``iface`` (Ethernet, or raw IP on tun)."""
    try:
        kind = int(Path("/sys/class/net", iface, "type").read_text())
    except (OSError, ValueError):
        return LINKTYPE_ETHERNET
    return LINKTYPE_RAW if kind == 65534 else LINKTYPE_ETHERNET


def check_filter(bpf: str | None, iface: str) -> None:
    """Compile the BPF filter once (raises :class:`CaptureError` naming the filter)."""
    if not bpf:
        return
    from scapy.arch.common import compile_filter
    from scapy.error import Scapy_Exception

    try:
        compile_filter(bpf, iface=iface)
    except (Scapy_Exception, OSError) as exc:
        raise CaptureError(f"--bpf: {bpf!r} is not a valid filter: {exc}") from None


def capture(
    inspector: Inspector,
    iface: str,
    seconds: float,
    *,
    bpf: str | None = None,
    write: Path | None = None,
    started: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Capture ``seconds`` on ``iface`` into ``inspector`` (and ``write``); return the packets.

    ``stop`` (set from a signal handler, say) ends the capture early.
    """
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import CookedLinux, Ether
    from scapy.packet import Packet
    from scapy.sendrecv import AsyncSniffer

    if not seconds > 0:
        raise CaptureError("--seconds must be positive")
    check_interface(iface)
    check_filter(bpf, iface)
    writer = PcapWriter(write, _linktype(iface)) if write is not None else None
    lock = threading.Lock()
    count = [0]

    def on_packet(pkt: Packet) -> None:
        if isinstance(pkt, Ether):
            linktype = LINKTYPE_ETHERNET
        elif isinstance(pkt, CookedLinux):
            linktype = LINKTYPE_LINUX_SLL
        elif isinstance(pkt, IP):
            linktype = LINKTYPE_IPV4
        elif isinstance(pkt, IPv6):
            linktype = LINKTYPE_IPV6
        else:
            linktype = -1
        data = bytes(pkt.original) if pkt.original else bytes(pkt)
        ts = float(pkt.time)
        with lock:
            count[0] += 1
            if writer is not None:
                writer.write(ts, data)
            inspector.feed(ts, data, 0, len(data), linktype)

    ready = threading.Event()
    sniffer = AsyncSniffer(
        iface=iface,
        filter=bpf or None,
        store=False,
        prn=on_packet,
        started_callback=ready.set,
    )
    failure: BaseException | None = None
    try:
        sniffer.start()
        deadline = time.monotonic() + 10
        while not ready.wait(0.05):
            if sniffer.thread is not None and not sniffer.thread.is_alive():
                break  # the capture thread died (its exception is kept by scapy)
            if time.monotonic() > deadline:
                raise CaptureError(f"--iface {iface}: the capture did not start within 10 s")
        if sniffer.exception is not None:
            raise _failed(iface, sniffer.exception)
        if started is not None:
            started()
        (stop or threading.Event()).wait(seconds)
    finally:
        try:
            if sniffer.running:
                sniffer.stop()
        except Exception as exc:  # the capture thread's own failure, re-raised by scapy
            failure = exc
        with lock:
            if writer is not None:
                writer.close()
    if failure is not None:
        raise _failed(iface, failure)
    return count[0]
