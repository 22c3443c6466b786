"""Fixtures: a small lab network served by the SNMP agent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from snmp_lab import Lab, build_network

from lab.snmp import AgentThread, SnmpAgent, V3Protocols


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """A running agent: two devices on one endpoint, two on their own."""
    network = build_network()
    agent = SnmpAgent(network, v3_protocols={"LEGACY": V3Protocols("md5", "des")})
    with AgentThread(agent) as runner:
        shared = runner.serve(["CORE", "ACCESS"])
        h3c = runner.serve(["H3C"])
        legacy = runner.serve(["LEGACY"])
        yield Lab(network, runner, shared, h3c, legacy)
