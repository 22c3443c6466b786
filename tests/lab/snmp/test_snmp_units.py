"""Codec and USM checks against published vectors, doctests, and socket release."""

from __future__ import annotations

import doctest
import socket

import pytest

from lab.model import LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, EndpointConfigError, SnmpAgent, ber, platforms, rows, usm
from lab.snmp.sample import sample_network, sample_spec


@pytest.mark.parametrize("module", [ber, platforms, rows, usm])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def test_key_localisation_matches_rfc3414_a3() -> None:
    engine = bytes.fromhex("000000000000000000000002")
    md5 = usm.localize_key("md5", "maplesyrup", engine)
    sha = usm.localize_key("sha1", "maplesyrup", engine)
    assert md5.hex() == "526f5eed9fcce26f8964c2930787d82b"
    assert sha.hex() == "6695febc9288e36282235fc7151f128497b38f3f"


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
