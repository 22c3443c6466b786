"""The model on the lab's running configurations, fetched over SSH by Netmiko (a real client)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from lab.devices import DeviceFleet
from lab.model import LabClock, LabDeviceSpec, LabInterface, LabNetwork, LabRoute
from security.baseline import check_baseline
from security.model import parse_device
from security.network import NetworkContext
from security.policy import NetworkModel, check_network
from security.syntax import detect_platform

PORTS = {
    "huawei_vrp5": ("GigabitEthernet0/0/1", "GigabitEthernet0/0/2"),
    "huawei_vrp8": ("GE1/0/1", "GE1/0/2"),
    "h3c_comware7": ("GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2"),
}
NETMIKO = {
    "huawei_vrp5": ("huawei", "display current-configuration"),
    "huawei_vrp8": ("huawei_vrpv8", "display current-configuration"),
    "h3c_comware7": ("hp_comware", "display current-configuration"),
    "cisco_ios": ("cisco_ios", "show running-config"),
}


def spec(platform: str, n: int) -> LabDeviceSpec:
    uplink, lan = PORTS[platform]
    return LabDeviceSpec(
        code=f"SEC{n}",
        hostname=f"NY-SEC{n}",
        platform=platform,
        role="township-router",
        interfaces=(
            LabInterface(uplink, 1, "uplink", f"10.110.9.{4 * n + 2}/30"),
            LabInterface(lan, 2, "dept lan", f"10.112.9.{16 * n + 1}/28", vrf="ZW-GGQ"),
        ),
        routes=(
            LabRoute("0.0.0.0/0", f"10.110.9.{4 * n + 1}", uplink),
            LabRoute("0.0.0.0/0", f"10.110.9.{4 * n + 1}", lan, vrf="ZW-GGQ"),
        ),
    )


SPECS = [spec(p, n) for n, p in enumerate(sorted(PORTS))]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each lab device's running configuration as Netmiko reads it over SSH."""
    state: Path = tmp_path_factory.mktemp("secfleet")
    fleet = DeviceFleet(SPECS, state, network=LabNetwork(clock=LabClock(60.0)))
    fleet.start()
    try:
        texts: dict[str, str] = {}
        for s in SPECS:
            ep = fleet.endpoint(s.code)
            device_type, command = NETMIKO[s.platform]
            conn = ConnectHandler(
                device_type=device_type,
                host=ep.host,
                port=ep.port,
                username=ep.username,
                password=ep.password,
                fast_cli=True,
                conn_timeout=10,
            )
            try:
                texts[s.code] = conn.send_command(command, read_timeout=30)
            finally:
                conn.disconnect()
        yield texts
    finally:
        fleet.stop()


@pytest.mark.parametrize("s", SPECS, ids=lambda s: s.platform)
def test_lab_running_config_model(running: dict[str, str], s: LabDeviceSpec) -> None:
    text = running[s.code]
    detected = detect_platform(text)
    # VRP5 and VRP8 print alike: the family must be right, the platform given when known
    assert detected.split("_")[0] == s.platform.split("_")[0]
    device = parse_device(text, s.platform, name=s.code, source=f"{s.code} running")
    assert device.hostname == s.hostname
    lines = text.split("\n")
    for iface in s.interfaces:
        got = device.interfaces[iface.name]
        assert [str(a) for a, _ in got.addresses] == [iface.address]
        assert got.vrf == iface.vrf
        for _, src in got.addresses:
            assert " ".join(lines[src.line - 1].split()) == src.text  # lines are the text's
    defined = any(
        line.strip() in ("ip vpn-instance ZW-GGQ", "vrf definition ZW-GGQ", "ip vrf ZW-GGQ")
        for line in lines
    )
    assert ("ZW-GGQ" in device.vrfs) == defined  # (the lab's IOS and Comware print no VRF section)
    routes = {(r.vrf, str(r.prefix), str(r.next_hop)) for r in device.routes}
    for route in s.routes:
        assert (route.vrf, route.prefix, route.next_hop) in routes
    assert device.management.ssh is not None
    assert device.management.vty
    # whatever the lab prints can be judged
    check_network(NetworkModel(NetworkContext(), {s.code: device}))
    check_baseline(device)
    assert all(ipaddress.IPv4Address(h) for h, _ in device.management.syslog)
