"""Inspection findings: one per (kind, source, destination, service), in the campaign shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: kind -> (severity, title template, fix)
KINDS: dict[str, tuple[str, str, str]] = {
    "egress-bypass": (
        "high",
        "extranet host {ext} talks to internet address {other} away from the unified egress",
        "Remove the local internet breakout (NAT outbound, default route to an ISP) and route "
        "internet traffic to the city's unified egress.",
    ),
    "zone-crossing": (
        "high",
        "{a_zone} address {src} meets {b_zone} address {dst}",
        "Find and remove the link or route joining the networks: the government intranet is "
        "physically isolated from the extranet and the internet.",
    ),
    "intranet-on-extranet": (
        "high",
        "intranet address {addr} seen on the extranet",
        "Trace the intranet address to the device that leaks it and disconnect it from the "
        "extranet; intranet traffic never crosses extranet links.",
    ),
    "plaintext-management": (
        "medium",
        "plaintext management ({protocol}) from {src} to {dst}",
        "Disable {protocol} on the device and manage it over SSH / SNMPv3 from the management "
        "subnet only.",
    ),
    "default-snmp-community": (
        "high",
        "SNMP with the default community {community} from {src} to {dst}",
        "Remove the default community (undo snmp-agent community ...) and use SNMPv3 users with "
        "authentication and privacy.",
    ),
    "port-scan": (
        "medium",
        "{src} probed {count} ports of {dst} within {window:g} s",
        "Identify the scanning host and its owner; block it at its access switch if the scan "
        "is not an authorised assessment.",
    ),
    "host-sweep": (
        "medium",
        "{src} probed {count} hosts on {service} within {window:g} s",
        "Identify the sweeping host and its owner; block it at its access switch if the sweep "
        "is not an authorised assessment.",
    ),
}


def iso(ts: float) -> str:
    """UTC ISO-8601 text of a capture timestamp.

    >>> iso(0.25)
    '1970-01-01T00:00:00.250000Z'
    """
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Finding:
    """One inspection finding; ``to_record()`` gives the shape campaigns persist."""

    kind: str
    src: str
    dst: str
    service: str
    point: str
    title: str
    node: str | None = None
    department: str | None = None
    flows: int = 0
    packets: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return KINDS[self.kind][0]

    @property
    def key(self) -> str:
        return f"{self.src}>{self.dst}/{self.service}"

    @property
    def fix(self) -> str:
        return KINDS[self.kind][2].format(**{"protocol": "the service", **self.details})

    def add(self, flows: int, packets: int, first: float, last: float) -> None:
        """Fold one more connection into the finding."""
        if not self.flows:
            self.first_seen, self.last_seen = first, last
        else:
            self.first_seen = min(self.first_seen, first)
            self.last_seen = max(self.last_seen, last)
        self.flows += flows
        self.packets += packets

    def to_record(self) -> dict[str, Any]:
        """``{"check", "severity", "node", "department", "key", "title", "evidence", "fix"}``."""
        evidence: dict[str, Any] = {
            "flows": self.flows,
            "packets": self.packets,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "point": self.point,
        }
        evidence.update(self.details)
        return {
            "check": f"inspect.{self.kind}",
            "severity": self.severity,
            "node": self.node,
            "department": self.department,
            "key": self.key,
            "title": self.title,
            "evidence": evidence,
            "fix": self.fix,
        }
