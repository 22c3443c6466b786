"""Codec and USM checks against published vectors, doctests, and socket release."""

from __future__ import annotations

import doctest
import socket

import pytest

from lab.model import LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, EndpointConfigError, SnmpAgent, agent, platforms, rows
from lab.snmp.sample import sample_network, sample_spec


@pytest.mark.parametrize("module", [agent, platforms, rows])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def test_stop_releases_every_socket() -> None:
    network = sample_network(3)
    runner = AgentThread(SnmpAgent(network)).start()
    endpoints = [runner.serve(["D00000", "D00001"]), runner.serve(["D00002"])]
    runner.stop()
    for endpoint in endpoints:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((endpoint.host, endpoint.port))  # free again


def test_devices_that_cannot_be_told_apart_are_refused() -> None:
    network = LabNetwork()
    same = SnmpCredentials("c-same", "nms", "authkey-lab", "privkey-lab", "ctx")
    network.add(sample_spec("TWIN-A", 1, credentials=same))
    network.add(sample_spec("TWIN-B", 2, credentials=same))
    with (
        AgentThread(SnmpAgent(network)) as runner,
        pytest.raises(EndpointConfigError, match="TWIN-A"),
    ):
        runner.serve(["TWIN-A", "TWIN-B"])
