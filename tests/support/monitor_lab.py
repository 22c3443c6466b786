"""A small city for the health/alarm tests: inventory, SNMP agents and SSH emulators
sharing one :class:`~lab.model.LabNetwork` (a ``shutdown`` typed over SSH is what
the SNMP agent reports). Imported as a top-level module.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
from cryptography.fernet import Fernet
from poller_support import LOOPBACK

from inventory.credentials import CredentialSet
from inventory.service import Inventory
from inventory.settings import InventorySettings, IpamSettings
from lab.devices import DeviceFleet
from lab.model import LabClock, LabDeviceSpec, LabNetwork, SnmpCredentials, TrafficProfile
from lab.snmp import AgentThread, SnmpAgent
from lab.snmp.sample import sample_spec
from monitoring.alarms import AlarmEvaluator
from monitoring.influx import InfluxSettings
from monitoring.notify import AlarmEvent
from monitoring.poller import Poller, PollRound
from monitoring.service import Monitoring
from monitoring.settings import AlarmSettings

COMMUNITY = "lab-community-7"
#: code, platform, peers (port -> (peer code, peer interface))
DEVICES: tuple[tuple[str, str, dict[int, tuple[str, str]]], ...] = (
    (
        "4113",
        "h3c_comware7",
        {1: ("411302", "GigabitEthernet0/0/1"), 2: ("411303", "GigabitEthernet1/0/1")},
    ),
    (
        "411302",
        "huawei_vrp5",
        {1: ("4113", "GigabitEthernet1/0/1"), 2: ("411302001", "GigabitEthernet0/0/1")},
    ),
    ("411303", "h3c_comware7", {1: ("4113", "GigabitEthernet1/0/2")}),
    ("411302001", "huawei_vrp5", {1: ("411302", "GigabitEthernet0/0/2")}),
)
#: Links of the inventory, by label.
WC_UPLINK = "411302:GigabitEthernet0/0/1 -- 4113:GigabitEthernet1/0/1"
WL_UPLINK = "411303:GigabitEthernet1/0/1 -- 4113:GigabitEthernet1/0/2"
DG_UPLINK = "411302001:GigabitEthernet0/0/1 -- 411302:GigabitEthernet0/0/2"
#: 411303's uplink receives 900 Mbit/s on 1 Gbit/s (90 %); 东关's uplink has 2 % input errors.
BUSY = ("411303", "GigabitEthernet1/0/1", TrafficProfile(in_bps=900e6, out_bps=10e6))
ERRORED = (
    "411302001",
    "GigabitEthernet0/0/1",
    TrafficProfile(in_bps=8e6, out_bps=2e6, in_errors_ppm=20_000.0),
)

BUNDLE = """\
version: 1
nodes:
- {{code: '4113', name: 南阳市, level: city, role: core, platform: h3c_comware7, status: active, mgmt_address: 127.0.0.1, snmp_port: {p4113}, credentials: lab}}
- {{code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', platform: huawei_vrp5, status: active, mgmt_address: 127.0.0.1, snmp_port: {p411302}, credentials: lab}}
- {{code: '411303', name: 卧龙区, level: county, role: aggregation, parent: '4113', platform: h3c_comware7, status: active, mgmt_address: 127.0.0.1, snmp_port: {p411303}, credentials: lab}}
- {{code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', platform: huawei_vrp5, status: active, mgmt_address: 127.0.0.1, snmp_port: {p411302001}, credentials: lab}}
departments:
- {{code: 411302-RSJ, name: 宛城区人社局, level: county, node: '411302'}}
- {{code: 411302001-SFS, name: 东关街道司法所, level: township, node: '411302001'}}
links:
- {{a_node: '411302', a_interface: GigabitEthernet0/0/1, b_node: '4113', b_interface: GigabitEthernet1/0/1, kind: uplink}}
- {{a_node: '411303', a_interface: GigabitEthernet1/0/1, b_node: '4113', b_interface: GigabitEthernet1/0/2, kind: uplink}}
- {{a_node: '411302001', a_interface: GigabitEthernet0/0/1, b_node: '411302', b_interface: GigabitEthernet0/0/2, kind: uplink}}
"""


def _spec(n: int, code: str, platform: str, peers: dict[int, tuple[str, str]]) -> LabDeviceSpec:
    creds = SnmpCredentials(COMMUNITY, "nms", "authkey-lab", "privkey-lab")
    spec = sample_spec(code, n + 1, platform, credentials=creds, peers=peers)
    interfaces = []
    for iface in spec.interfaces:
        for dev, name, profile in (BUSY, ERRORED):
            if (dev, name) == (code, iface.name):
                iface = dataclasses.replace(iface, profile=profile)
        interfaces.append(iface)
    return dataclasses.replace(spec, interfaces=tuple(interfaces))


@dataclass
class MonitorLab:
    """The running lab: the shared network, the SNMP agents, the SSH fleet and their ports."""

    network: LabNetwork
    agents: AgentThread
    fleet: DeviceFleet
    snmp_ports: dict[str, int]

    def inventory(self, root: Path, database_url: str | None = None) -> Inventory:
        """A fresh inventory of the lab city (SQLite under ``root`` unless ``database_url``)."""
        root.mkdir(parents=True, exist_ok=True)
        settings = InventorySettings(
            database_url=database_url or f"sqlite:///{root}/egovnet.db",
            secret_key=Fernet.generate_key().decode(),
            secret_key_file=str(root / "secret.key"),
            ipam=IpamSettings(),
        )
        inventory = Inventory(settings)
        inventory.ensure_schema()
        path = root / "city.yaml"
        ports = {f"p{code}": port for code, port in self.snmp_ports.items()}
        path.write_text(BUNDLE.format(**ports), encoding="utf-8")
        inventory.import_path(path)
        inventory.credentials.put("lab", CredentialSet(snmp_community=COMMUNITY))
        return inventory

    def monitoring(
        self,
        inventory: Inventory,
        *,
        alarms: AlarmSettings | None = None,
        influx: InfluxSettings | None = None,
        intervals: dict[str, float] | None = None,
    ) -> Monitoring:
        """The monitoring component over ``inventory``, schema ready, loopback poller settings."""
        monitoring = Monitoring(
            inventory, influx=influx, poller=LOOPBACK, alarms=alarms, intervals=intervals
        )
        monitoring.ensure_schema()
        return monitoring

    def restore(self) -> None:
        """Every interface admin up with carrier, every device reachable."""
        for runtime in self.network.devices.values():
            runtime.reachable = True
            for iface in runtime.spec.interfaces:
                runtime.set_admin(iface.name, True)
                runtime.set_carrier(iface.name, True)


@contextmanager
def monitor_lab(state_dir: Path, clock_factor: float = 60.0) -> Iterator[MonitorLab]:
    """Start the lab; lab time runs ``clock_factor`` times faster (counters grow that much)."""
    network = LabNetwork(clock=LabClock(factor=clock_factor))
    specs = [_spec(n, code, platform, peers) for n, (code, platform, peers) in enumerate(DEVICES)]
    for spec in specs:
        network.add(spec)
    fleet = DeviceFleet(specs, state_dir, network=network)
    fleet.start()
    try:
        with AgentThread(SnmpAgent(network)) as agents:
            endpoints = agents.serve_each([code for code, _, _ in DEVICES])
            yield MonitorLab(network, agents, fleet, {c: e.port for c, e in endpoints.items()})
    finally:
        fleet.stop()


PROMPT = re.compile(r"(?:[>#\]]|\[Y/N\]:|\]:|\? )\s*$")


async def _ssh_lines(fleet: DeviceFleet, code: str, lines: list[str], timeout: float) -> str:
    ep = fleet.endpoint(code)
    out = ""
    async with asyncssh.connect(
        ep.host,
        ep.port,
        username=ep.username,
        password=ep.password,
        known_hosts=None,
        login_timeout=timeout,
    ) as conn:
        proc = await conn.create_process(term_type="vt100")

        async def until_prompt() -> str:
            data = ""
            while not PROMPT.search(data):
                chunk = await asyncio.wait_for(proc.stdout.read(65536), timeout)
                if not chunk:
                    raise EOFError(f"session closed after {data!r}")
                data += chunk
            return data

        out += await until_prompt()
        for line in lines:
            proc.stdin.write(line + "\n")
            out += await until_prompt()
    return out.replace("\r\n", "\n")


def ssh_config(fleet: DeviceFleet, code: str, lines: list[str], timeout: float = 10.0) -> str:
    """Type ``lines`` into device ``code`` over a real SSH session (asyncssh); the transcript."""
    return asyncio.run(_ssh_lines(fleet, code, lines, timeout))


def evaluate_round(poller: Poller, evaluator: AlarmEvaluator) -> tuple[PollRound, list[AlarmEvent]]:
    """Poll every target once and evaluate the alarm rules on the round."""
    result = poller.run_once()
    return result, evaluator.evaluate(result)


def by_rule(events: list[AlarmEvent], rule: str, kind: str | None = None) -> list[AlarmEvent]:
    """The events of ``rule`` (and of ``kind``, raised or cleared)."""
    return [e for e in events if e.alarm.rule == rule and (kind is None or e.kind == kind)]


def as_dict(value: Any) -> dict[str, Any]:
    """A dataclass as a dict (for readable assertion failures)."""
    return dataclasses.asdict(value)
