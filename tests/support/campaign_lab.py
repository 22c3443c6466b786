"""A small lab city for the campaign tests: inventory, SSH emulators and SNMP agents.

Three devices (a VRP5 county router, a Comware 7 township router, a VRP8
township router) with departments; the inventory reaches them over SSH on
the lab's ports and over SNMP on the agents'. One agent answers the default
community ``public`` (``PUBLIC_NODE``), the others only ``lab-community-7``.
Imported as a top-level module (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from inventory.credentials import CredentialSet
from lab.devices import DeviceFleet
from lab.model import LabClock, LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent
from lab.snmp.sample import sample_spec

COMMUNITY = "lab-community-7"
PUBLIC_NODE = "411302002"
#: code, platform, level, role, parent
DEVICES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("411302", "huawei_vrp5", "county", "aggregation", None),
    ("411302001", "h3c_comware7", "township", "township-router", "411302"),
    ("411302002", "huawei_vrp8", "township", "township-router", "411302"),
)
DEPARTMENTS = {
    "411302": "411302-RSJ",
    "411302001": "411302001-SFS",
    "411302002": "411302002-BMFW",
}
NAMES = {"411302": "宛城区", "411302001": "东关街道", "411302002": "新华街道"}


def bundle(ssh: dict[str, int], snmp: dict[str, int]) -> str:
    """The inventory of the lab city (YAML), reaching each device on its lab ports."""
    lines = ["version: 1", "nodes:"]
    lines.append("- {code: '4113', name: 南阳市, level: city, role: core, status: active}")
    for code, platform, level, role, parent in DEVICES:
        lines.append(
            f"- {{code: '{code}', name: {NAMES[code]}, level: {level}, role: {role},"
            f" parent: '{parent or '4113'}', platform: {platform}, status: active,"
            f" mgmt_address: 127.0.0.1, ssh_port: {ssh[code]}, snmp_port: {snmp[code]},"
            " credentials: lab}"
        )
    lines.append("departments:")
    for code, dept in DEPARTMENTS.items():
        level = "county" if len(code) == 6 else "township"
        lines.append(f"- {{code: {dept}, name: {dept}, level: {level}, node: '{code}'}}")
    return "\n".join(lines) + "\n"


@dataclass
class CampaignLab:
    """The running lab and where it listens."""

    network: LabNetwork
    fleet: DeviceFleet
    ssh_ports: dict[str, int]
    snmp_ports: dict[str, int]

    def overrides(self, root: Path) -> dict[str, Any]:
        """``create_app`` overrides of an instance under ``root`` (SQLite unless given)."""
        return {
            "database.url": f"sqlite:///{root}/egovnet.db",
            "secret.key": Fernet.generate_key().decode(),
        }

    def load(self, inventory: Any, root: Path) -> None:
        """Import the lab city into ``inventory`` and store the lab's credential set."""
        inventory.ensure_schema()
        path = root / "city.yaml"
        path.write_text(bundle(self.ssh_ports, self.snmp_ports), encoding="utf-8")
        inventory.import_path(path)
        spec = self.fleet.endpoint(DEVICES[0][0])
        inventory.credentials.put(
            "lab",
            CredentialSet(username=spec.username, password=spec.password, snmp_community=COMMUNITY),
        )


@contextmanager
def campaign_lab(state_dir: Path) -> Iterator[CampaignLab]:
    """Start the SSH emulators and the SNMP agents of the lab city."""
    network = LabNetwork(clock=LabClock(factor=1.0))
    specs = []
    for n, (code, platform, _level, _role, _parent) in enumerate(DEVICES):
        community = "public" if code == PUBLIC_NODE else COMMUNITY
        creds = SnmpCredentials(community, "nms", "authkey-lab", "privkey-lab")
        spec = sample_spec(code, n + 1, platform, interfaces=4, credentials=creds)
        specs.append(dataclasses.replace(spec, hostname=f"NY-{code}"))
    for spec in specs:
        network.add(spec)
    fleet = DeviceFleet(specs, state_dir, network=network)
    fleet.start()
    try:
        with AgentThread(SnmpAgent(network)) as agents:
            endpoints = agents.serve_each([s.code for s in specs])
            ssh = {s.code: fleet.endpoint(s.code).port for s in specs}
            yield CampaignLab(network, fleet, ssh, {c: e.port for c, e in endpoints.items()})
    finally:
        fleet.stop()


class Listener:
    """A real TCP service on 127.0.0.1: Telnet option negotiation or an HTTP status line."""

    def __init__(self, greeting: bytes | None, reply: bytes | None) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.greeting, self.reply = greeting, reply
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                if self.greeting:
                    conn.sendall(self.greeting)
                if self.reply:
                    conn.settimeout(2)
                    try:
                        conn.recv(1024)
                        conn.sendall(self.reply)
                    except OSError:
                        pass

    def close(self) -> None:
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread
        self.sock.close()
        self.thread.join(5)
