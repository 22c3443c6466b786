"""Result types of the lab's probes (ping, interface counters, traffic), with parsers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lab.netns.errors import LabError

#: Bytes a UDP datagram adds on the veth besides its payload: Ethernet 14 + IPv4 20 + UDP 8.
UDP_FRAME_OVERHEAD = 42

_PING_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")


@dataclass(frozen=True)
class PingResult:
    """Outcome of ``ping`` from one namespace."""

    transmitted: int
    received: int
    #: ping's own complaint when it could not send at all ("Network is unreachable").
    error: str = ""

    @property
    def loss(self) -> float:
        """Share of probes lost, 0.0 to 1.0 (1.0 when nothing could be sent)."""
        if self.transmitted == 0:
            return 1.0
        return 1.0 - self.received / self.transmitted

    @property
    def ok(self) -> bool:
        """True if at least one reply came back."""
        return self.received > 0


def parse_ping(stdout: str, stderr: str) -> PingResult:
    """Parse iputils ``ping -q`` output.

    >>> parse_ping("5 packets transmitted, 4 received, 20% packet loss", "").loss
    0.19999999999999996
    >>> parse_ping("", "ping: connect: Network is unreachable").error
    'ping: connect: Network is unreachable'
    """
    found = _PING_SUMMARY.search(stdout)
    if found is None:
        return PingResult(0, 0, (stderr or stdout).strip())
    return PingResult(int(found.group(1)), int(found.group(2)), stderr.strip())


@dataclass(frozen=True)
class LinkCounters:
    """Kernel counters of one interface (``ip -s link``, 64-bit)."""

    rx_bytes: int
    tx_bytes: int
    rx_packets: int
    tx_packets: int
    rx_dropped: int
    tx_dropped: int
    operstate: str


def parse_link_json(text: str, where: str) -> LinkCounters:
    """Parse ``ip -j -s link show dev X`` output."""
    try:
        entry = json.loads(text)[0]
        stats = entry["stats64"]
        return LinkCounters(
            rx_bytes=int(stats["rx"]["bytes"]),
            tx_bytes=int(stats["tx"]["bytes"]),
            rx_packets=int(stats["rx"]["packets"]),
            tx_packets=int(stats["tx"]["packets"]),
            rx_dropped=int(stats["rx"]["dropped"]),
            tx_dropped=int(stats["tx"]["dropped"]),
            operstate=str(entry.get("operstate", "UNKNOWN")),
        )
    except (ValueError, LookupError, TypeError) as exc:
        raise LabError(f"{where}: unexpected 'ip -j -s link' output: {text[:200]!r}") from exc


@dataclass(frozen=True)
class TrafficResult:
    """What a :meth:`NetnsLab.blast` run sent and what reached the sink."""

    src: str
    dst: str
    dst_address: str
    port: int
    payload_size: int
    sent: int
    send_errors: int
    received: int
    received_bytes: int

    @property
    def frame_bytes_sent(self) -> int:
        """Bytes the sent datagrams occupy on a veth (payload + 42 header bytes)."""
        return self.sent * (self.payload_size + UDP_FRAME_OVERHEAD)

    @property
    def loss(self) -> float:
        """Share of sent datagrams that did not reach the sink."""
        return 1.0 - self.received / self.sent if self.sent else 0.0
