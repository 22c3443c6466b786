"""ARP tables (ipNetToMediaTable, ipNetToPhysicalTable) of the lab agent, judged by
Net-SNMP: link peers' addresses and MACs as the lab topology has them, plus injected
entries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from snmp_cli import parse, run_netsnmp

from lab.model import LabArp, LabDeviceSpec, LabInterface, LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent, SnmpEndpoint

MEDIA = ".1.3.6.1.2.1.4.22.1"
PHYSICAL = ".1.3.6.1.2.1.4.35.1"


def _spec(
    code: str, address: str, mac: str, peer: str, arp: tuple[LabArp, ...] = ()
) -> LabDeviceSpec:
    return LabDeviceSpec(
        code=code,
        hostname=f"NY-{code}",
        platform="huawei_vrp5",
        role="township-router",
        interfaces=(
            LabInterface(
                "GigabitEthernet0/0/1",
                1,
                "uplink",
                address,
                mac=mac,
                peer_device=peer,
                peer_interface="GigabitEthernet0/0/1",
            ),
            LabInterface(
                "GigabitEthernet0/0/2", 2, "lan", "10.112.9.1/28", mac="00:e0:fc:00:0a:02"
            ),
        ),
        snmp=SnmpCredentials(f"c-{code.lower()}", "nms", "authkey-lab", "privkey-lab"),
        arp=arp,
    )


@pytest.fixture(scope="module")
def agent() -> Iterator[dict[str, SnmpEndpoint]]:
    network = LabNetwork()
    network.add(
        _spec(
            "A",
            "10.110.9.1/30",
            "00:e0:fc:00:0a:01",
            "B",
            (LabArp("10.200.0.7", "00:11:22:33:44:55", "GigabitEthernet0/0/2"),),
        )
    )
    network.add(_spec("B", "10.110.9.2/30", "00:e0:fc:00:0b:01", "A"))
    with AgentThread(SnmpAgent(network)) as runner:
        yield runner.serve_each(["A", "B"])


def _walk(ep: SnmpEndpoint, community: str, oid: str) -> dict[str, str]:
    done = run_netsnmp("snmpbulkwalk", "-v2c", "-c", community, f"{ep.host}:{ep.port}", oid)
    assert done.returncode == 0, done.stderr
    values: dict[str, str] = parse(done.stdout)
    return values


def test_link_peer_and_injected_entries(agent: dict[str, SnmpEndpoint]) -> None:
    media = _walk(agent["A"], "c-a", MEDIA)
    assert media[f"{MEDIA}.3.1.10.110.9.2"] == "IpAddress: 10.110.9.2"
    assert media[f"{MEDIA}.2.1.10.110.9.2"].replace(" ", "").lower().endswith("00e0fc000b01")
    assert media[f"{MEDIA}.1.2.10.200.0.7"] == "INTEGER: 2"
    assert media[f"{MEDIA}.4.2.10.200.0.7"] == "INTEGER: 3"  # dynamic
    assert len([k for k in media if k.startswith(f"{MEDIA}.3.")]) == 2
    physical = _walk(agent["A"], "c-a", PHYSICAL)
    assert f"{PHYSICAL}.4.1.1.4.10.110.9.2" in physical
    assert f"{PHYSICAL}.7.2.1.4.10.200.0.7" in physical
    other = _walk(agent["B"], "c-b", MEDIA)
    assert [v for k, v in other.items() if k.startswith(f"{MEDIA}.3.")] == ["IpAddress: 10.110.9.1"]
