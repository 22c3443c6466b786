"""A lab whose devices run the configurations our templates render for the inventory.

The example city is seeded; each chosen node becomes an emulated device
(SSH, and the SNMP agent on the same :class:`~lab.model.LabNetwork`) whose
interfaces, addresses, VRFs and static routes are the rendered context's,
whose link peers are the inventory's links, and whose running configuration
is the rendered text (set through the lab's device API, as if provisioned).
``extra_routes``/``extra_arp``/``extra_peers`` inject what a misbehaving
network shows (a default route to an ISP, an intranet ARP entry, an
undocumented LLDP neighbour). Imported as a top-level module.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.devices import DeviceFleet
from lab.devices.config_tree import parse_config
from lab.model import LabArp, LabDeviceSpec, LabInterface, LabNetwork, LabRoute, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent
from provisioning.render import Renderer

USERNAME, PASSWORD = "netops", "lab-only-Pa55"
COMMUNITY = "lab-running-7"
SECRETS = {
    "local_password": PASSWORD,
    "snmp_auth_key": "authkey-lab",
    "snmp_priv_key": "privkey-lab",
}


@dataclass
class RunningLab:
    fleet: DeviceFleet
    snmp_ports: dict[str, int]
    specs: dict[str, LabDeviceSpec]
    texts: dict[str, str]


def _specs(
    state: Mapping[str, Mapping[str, Any]], codes: list[str], renderer: Renderer
) -> dict[str, LabDeviceSpec]:
    peers: dict[tuple[str, str], tuple[str, str]] = {}
    for link in state["links"].values():
        peers[(link.a_node, link.a_interface)] = (link.b_node, link.b_interface)
        peers[(link.b_node, link.b_interface)] = (link.a_node, link.a_interface)
    specs = {}
    for n, code in enumerate(codes):
        ctx = renderer.context(code)
        interfaces = []
        for i, iface in enumerate(ctx.interfaces, 1):
            peer = peers.get((code, iface.name), (None, None))
            interfaces.append(
                LabInterface(
                    iface.name,
                    i,
                    iface.description,
                    f"{iface.address.ip}/{iface.address.prefixlen}" if iface.address else None,
                    mac=f"00:e0:fc:{n:02x}:{i:02x}:01",
                    peer_device=peer[0],
                    peer_interface=peer[1],
                    vrf=iface.vrf,
                )
            )
        routes = []
        for route in ctx.routes:
            hop = ipaddress.IPv4Address(route.next_hop)
            out = next(
                (
                    i.name
                    for i in interfaces
                    if i.address and hop in ipaddress.IPv4Interface(i.address).network
                ),
                interfaces[0].name,
            )
            routes.append(
                LabRoute(
                    f"{route.destination.net}/{route.destination.prefixlen}",
                    route.next_hop,
                    out,
                    vrf=route.vrf,
                )
            )
        specs[code] = LabDeviceSpec(
            code=code,
            hostname=ctx.sysname,
            platform=ctx.platform,
            role=ctx.role,
            interfaces=tuple(interfaces),
            routes=tuple(routes),
            username=USERNAME,
            password=PASSWORD,
            snmp=SnmpCredentials(COMMUNITY, "nms", "authkey-lab", "privkey-lab"),
        )
    return specs


@contextmanager
def running_lab(
    state: Mapping[str, Mapping[str, Any]],
    codes: list[str],
    state_dir: Path,
    *,
    extra_routes: Mapping[str, tuple[LabRoute, ...]] | None = None,
    extra_arp: Mapping[str, tuple[LabArp, ...]] | None = None,
    extra_peers: Mapping[tuple[str, str], str] | None = None,
) -> Iterator[RunningLab]:
    """Start the lab of ``codes`` (see the module docstring)."""
    renderer = Renderer(state)
    specs = _specs(state, codes, renderer)
    for code, routes in (extra_routes or {}).items():
        specs[code] = dataclasses.replace(specs[code], routes=specs[code].routes + routes)
    for code, arp in (extra_arp or {}).items():
        specs[code] = dataclasses.replace(specs[code], arp=arp)
    for (code, port), peer in (extra_peers or {}).items():
        ifaces = tuple(
            dataclasses.replace(i, peer_device=peer, peer_interface="GE0/0/9")
            if i.name == port
            else i
            for i in specs[code].interfaces
        )
        specs[code] = dataclasses.replace(specs[code], interfaces=ifaces)
    network = LabNetwork()
    for spec in specs.values():
        network.add(spec)
    fleet = DeviceFleet(list(specs.values()), state_dir, network=network)
    fleet.start()
    try:
        texts = {}
        for code in codes:
            text = renderer.render(code, secrets=SECRETS).text
            device = fleet.device(code)
            # set as provisioned (the lab's grammar knows fewer commands than the templates use)
            body = "\n".join(
                line for line in text.split("\n") if line.strip() not in ("return", "end")
            )
            device.running = parse_config(body, device.dialect.style)
            texts[code] = text
        with AgentThread(SnmpAgent(network)) as agents:
            endpoints = agents.serve_each(codes)
            yield RunningLab(fleet, {c: e.port for c, e in endpoints.items()}, specs, texts)
    finally:
        fleet.stop()
