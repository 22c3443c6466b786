"""Capture points, the address plan an inspection judges against, and its thresholds.

A capture point says what traffic is legal on the wire it watches:

========== ========= ==========================================================
point      network   legal there
========== ========= ==========================================================
egress     extranet  extranet <-> extranet, extranet <-> internet, internet <->
                     internet (the unified egress, both sides of its NAT)
core       extranet  extranet <-> extranet
county     extranet  extranet <-> extranet (county aggregation)
township   extranet  extranet <-> extranet
village    extranet  extranet <-> extranet
access     extranet  extranet <-> extranet (a department's access switch)
intranet   intranet  intranet <-> intranet
========== ========= ==========================================================

Multicast, broadcast, link-local, loopback and unspecified addresses are
"local": they never make a finding of zones.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import SecurityError
from .decode import V6

EXTRANET = "extranet"
INTRANET = "intranet"
INTERNET = "internet"
LOCAL = "local"


@dataclass(frozen=True, slots=True)
class CapturePoint:
    name: str
    network: str = EXTRANET
    egress: bool = False
    description: str = ""


POINTS: dict[str, CapturePoint] = {
    p.name: p
    for p in (
        CapturePoint("egress", EXTRANET, True, "the city's unified internet egress"),
        CapturePoint("core", EXTRANET, False, "the city core"),
        CapturePoint("county", EXTRANET, False, "a county aggregation router"),
        CapturePoint("township", EXTRANET, False, "a township router"),
        CapturePoint("village", EXTRANET, False, "a village CPE"),
        CapturePoint("access", EXTRANET, False, "a department's access switch"),
        CapturePoint("intranet", INTRANET, False, "a link of the government intranet"),
    )
}


def point(name: str) -> CapturePoint:
    """The capture point ``name``; an unknown name is an error naming the known ones."""
    try:
        return POINTS[name]
    except KeyError:
        raise SecurityError(
            f"--at: unknown capture point {name!r} (known: {', '.join(POINTS)})"
        ) from None


Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def _span(net: Net) -> tuple[int, int]:
    """Flow-key integer range of a network.

    >>> _span(ipaddress.ip_network("10.0.0.0/30"))
    (167772160, 167772163)
    """
    tag = V6 if net.version == 6 else 0
    return int(net.network_address) | tag, int(net.broadcast_address) | tag


_LOCAL_NETS = tuple(
    _span(ipaddress.ip_network(n))
    for n in (
        "0.0.0.0/32",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fe80::/10",
        "ff00::/8",
    )
)


@dataclass(frozen=True)
class AddressPlan:
    """Extranet, intranet and device-address blocks (everything else is the internet)."""

    extranet: tuple[Net, ...]
    intranet: tuple[Net, ...] = ()
    #: where device management addresses live (HTTP/FTP to them is plaintext management)
    devices: tuple[Net, ...] = ()
    #: single device management addresses (from the inventory)
    device_addresses: frozenset[int] = frozenset()
    management: tuple[Net, ...] = ()
    _cache: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for block in self.intranet:
            for other in self.extranet:
                if block.version == other.version and block.overlaps(other):
                    raise SecurityError(f"intranet block {block} overlaps extranet block {other}")
        object.__setattr__(self, "_ext", tuple(_span(n) for n in self.extranet))
        object.__setattr__(self, "_intra", tuple(_span(n) for n in self.intranet))
        object.__setattr__(self, "_dev", tuple(_span(n) for n in self.devices))

    def zone(self, value: int) -> str:
        """``extranet``, ``intranet``, ``internet`` or ``local`` for a flow-key address."""
        found = self._cache.get(value)
        if found is None:
            found = self._zone(value)
            self._cache[value] = found
        return found

    def _zone(self, value: int) -> str:
        if any(lo <= value <= hi for lo, hi in _LOCAL_NETS):
            return LOCAL
        if any(lo <= value <= hi for lo, hi in self._intra):  # type: ignore[attr-defined]
            return INTRANET
        if any(lo <= value <= hi for lo, hi in self._ext):  # type: ignore[attr-defined]
            return EXTRANET
        return INTERNET

    def is_device(self, value: int) -> bool:
        """``value`` is a device management address (inventory) or in a device block."""
        return value in self.device_addresses or any(
            lo <= value <= hi
            for lo, hi in self._dev  # type: ignore[attr-defined]
        )


def parse_networks(values: Iterable[str], option: str) -> tuple[Net, ...]:
    """CIDR texts of a command-line option; a bad one names the option.

    >>> parse_networks(["10.0.0.0/8"], "--extranet")
    (IPv4Network('10.0.0.0/8'),)
    """
    out: list[Net] = []
    for text in values:
        try:
            out.append(ipaddress.ip_network(text, strict=True))
        except ValueError as exc:
            raise SecurityError(f"{option}: {text!r} is not a network ({exc})") from None
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Zeek-like scan thresholds (Zeek's scan.zeek defaults: 15 ports, 25 hosts, 5 min)."""

    #: distinct destination ports from one source to one destination ...
    scan_ports: int = 15
    #: distinct destinations from one source on one service ...
    sweep_hosts: int = 25
    #: ... within this many seconds
    window: float = 300.0
    #: flow-table cap: packets of flows beyond it are counted, not attributed
    max_flows: int = 1_000_000

    def __post_init__(self) -> None:
        if self.scan_ports < 2:
            raise SecurityError(f"--scan-ports: must be at least 2, got {self.scan_ports}")
        if self.sweep_hosts < 2:
            raise SecurityError(f"--sweep-hosts: must be at least 2, got {self.sweep_hosts}")
        if not self.window > 0:
            raise SecurityError(
                f"--window: must be a positive number of seconds, got {self.window}"
            )
        if self.max_flows < 1:
            raise SecurityError(f"--max-flows: must be positive, got {self.max_flows}")


#: SNMP communities that are factory defaults: recorded in clear (they are no secret).
CLEAR_DEFAULT_COMMUNITIES = frozenset({"public", "private"})
#: Further well-known defaults: flagged, but recorded masked like any community.
OTHER_DEFAULT_COMMUNITIES = frozenset(
    {"admin", "cisco", "community", "default", "h3c", "huawei", "manager", "monitor", "snmp"}
)
