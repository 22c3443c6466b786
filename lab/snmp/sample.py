"""Synthetic device specs for the agent's tests, benchmark and demos.

The real lab derives specs from the inventory; these are shaped like a
department access switch or a township router: uplinks with peers and
traffic, access ports, a Vlanif and a loopback, static and direct routes.
"""

from __future__ import annotations

from inventory.platforms import PLATFORMS, facts
from lab.model import (
    LabDeviceSpec,
    LabInterface,
    LabNetwork,
    LabRoute,
    SnmpCredentials,
    TrafficProfile,
)


def sample_spec(
    code: str,
    number: int,
    platform: str = "huawei_vrp5",
    interfaces: int = 24,
    credentials: SnmpCredentials | None = None,
    peers: dict[int, tuple[str, str]] | None = None,
) -> LabDeviceSpec:
    """A device with ``interfaces`` ports (two of them a Vlanif and a loopback).

    ``number`` makes addresses and MACs unique; ``peers`` maps a port number
    to ``(peer device code, peer interface)``. Port 1 carries 8 Mbit/s in and
    2 Mbit/s out; other ports carry less.
    """
    ports = max(interfaces - 2, 1)
    peers = peers or {}
    kind = facts(platform)
    ifaces = []
    for n in range(1, ports + 1):
        peer = peers.get(n)
        ifaces.append(
            LabInterface(
                name=kind.port_name(n),
                index=n + kind.if_index_offset,
                description=f"uplink to {peer[0]}" if peer else f"access port {n}",
                speed_bps=kind.port_speed(kind.port_name(n))
                or (kind.uplink_bps if n == 1 else kind.port_bps),
                mac=f"00:e0:fc:{number >> 8 & 0xFF:02x}:{number & 0xFF:02x}:{n:02x}",
                peer_device=peer[0] if peer else None,
                peer_interface=peer[1] if peer else None,
                profile=TrafficProfile(
                    in_bps=8_000_000 if n == 1 else 100_000 * n,
                    out_bps=2_000_000 if n == 1 else 50_000 * n,
                    in_errors_ppm=100.0 if n == 1 else 0.0,
                ),
            )
        )
    base = 100 + ports
    second, third = number // 250 % 250, number % 250
    ifaces.append(
        LabInterface(
            name=kind.svi.format(n=10),
            index=base + 1,
            description="department VLAN",
            address=f"10.{second}.{third}.1/24",
            mac=f"00:e0:fc:{number >> 8 & 0xFF:02x}:{number & 0xFF:02x}:fe",
        )
    )
    ifaces.append(LabInterface(name=kind.loopback, index=base + 2, description="router id"))
    uplink = ifaces[0].name
    routes = (
        LabRoute("0.0.0.0/0", f"10.{second}.{third}.254", uplink, "static", metric=60),
        LabRoute(
            "10.113.0.0/16", f"10.{second}.{third}.254", uplink, "ospf", metric=10, vrf="ZW-GGQ"
        ),
    )
    return LabDeviceSpec(
        code=code,
        hostname=f"{code}-{kind.vendor}",
        platform=platform,
        role="access",
        interfaces=tuple(ifaces),
        routes=routes,
        snmp=credentials or SnmpCredentials("public-lab", "nms", "authkey-lab", "privkey-lab"),
        location="Nanyang",
    )


def sample_network(devices: int, interfaces: int = 24) -> LabNetwork:
    """``devices`` sample devices over every platform, with shared v3 credentials.

    Communities are ``c<n>`` and v3 contexts ``d<n>``, so any subset can share
    one endpoint.
    """
    platforms = list(PLATFORMS)
    network = LabNetwork()
    for n in range(devices):
        code = f"D{n:05d}"
        creds = SnmpCredentials(f"c{n}", "nms", "authkey-lab", "privkey-lab", f"d{n}")
        network.add(sample_spec(code, n, platforms[n % len(platforms)], interfaces, creds))
    return network
