"""Real-kernel lab: network namespaces, veths, static routes, snmpd, traffic, faults.

Needs root. See :class:`NetnsLab` (context manager) and :func:`small_topology`.
"""

from lab.netns.errors import CommandError, LabError, LabPrivilegeError, TopologyError
from lab.netns.lab import NetnsLab
from lab.netns.probes import LinkCounters, PingResult, TrafficResult
from lab.netns.snmpd import DEFAULT_CREDENTIALS
from lab.netns.state import LabState, leftovers, teardown
from lab.netns.topology import (
    EGRESS_ROLE,
    EXTRANET,
    INTERNET,
    INTRANET,
    NetnsLink,
    NetnsNode,
    NetnsTopology,
    StaticRoute,
    small_topology,
)

__all__ = [
    "DEFAULT_CREDENTIALS",
    "EGRESS_ROLE",
    "EXTRANET",
    "INTERNET",
    "INTRANET",
    "CommandError",
    "LabError",
    "LabPrivilegeError",
    "LabState",
    "LinkCounters",
    "NetnsLab",
    "NetnsLink",
    "NetnsNode",
    "NetnsTopology",
    "PingResult",
    "StaticRoute",
    "TopologyError",
    "TrafficResult",
    "leftovers",
    "small_topology",
    "teardown",
]
