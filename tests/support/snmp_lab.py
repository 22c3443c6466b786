"""The small lab network the SNMP agent tests poll (shared by tests/lab/snmp)."""

from __future__ import annotations

from dataclasses import dataclass

from snmp_cli import AUTH, PRIV

from lab.model import LabClock, LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpEndpoint
from lab.snmp.sample import sample_spec


@dataclass
class Lab:
    """The network, the running agent and the endpoints the tests poll."""

    network: LabNetwork
    runner: AgentThread
    shared: SnmpEndpoint  # CORE (c-core / ctx core) and ACCESS (c-acc / ctx acc)
    h3c: SnmpEndpoint  # H3C device, 1500-octet packets
    legacy: SnmpEndpoint  # Cisco device whose USM user is MD5 + DES

    def address(self, endpoint: SnmpEndpoint) -> str:
        """``host:port`` for Net-SNMP."""
        return f"{endpoint.host}:{endpoint.port}"


def build_network() -> LabNetwork:
    """CORE <-> ACCESS linked on their first ports; ACCESS port 2 faces an unemulated peer."""
    network = LabNetwork(clock=LabClock(factor=10.0))
    network.add(
        sample_spec(
            "CORE",
            1,
            "huawei_vrp8",
            credentials=SnmpCredentials("c-core", "nms", AUTH, PRIV, "core"),
            peers={1: ("ACCESS", "GigabitEthernet0/0/1")},
        )
    )
    network.add(
        sample_spec(
            "ACCESS",
            2,
            "huawei_vrp5",
            credentials=SnmpCredentials("c-acc", "nms", AUTH, PRIV, "acc"),
            peers={1: ("CORE", "GE1/0/1"), 2: ("PRINTER-7", "eth0")},
        )
    )
    network.add(
        sample_spec(
            "H3C", 3, "h3c_comware7", credentials=SnmpCredentials("c-h3c", "nms", AUTH, PRIV)
        )
    )
    network.add(
        sample_spec(
            "LEGACY", 4, "cisco_ios", credentials=SnmpCredentials("c-old", "old", AUTH, PRIV)
        )
    )
    return network
