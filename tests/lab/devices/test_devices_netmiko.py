"""Netmiko's own drivers judge the emulators (real SSH sessions, no mocks)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from netmiko.base_connection import BaseConnection

from lab.devices import DeviceFleet

Connector = Callable[..., BaseConnection]


def running(fleet: DeviceFleet, code: str) -> str:
    return fleet.call(lambda: fleet.device(code).render_text())


def test_vrp5_config_save_and_typo(fleet: DeviceFleet, netmiko_connect: Connector) -> None:
    conn = netmiko_connect("VRP5", "huawei")
    try:
        assert conn.base_prompt == "NY-VRP5"
        assert "VRP (R) software" in conn.send_command("display version")
        out = conn.send_config_set(["interface GigabitEthernet0/0/1", "description netmiko-vrp5"])
        assert "Error" not in out
        cfg = conn.send_command("display current-configuration | include description")
        assert "description netmiko-vrp5" in cfg
        bad = conn.send_config_set(["interface GigabitEthernet0/0/2", "descrption typo"])
        assert "Error: Unrecognized command found at '^' position." in bad
        assert "typo" not in running(fleet, "VRP5")
        saved = conn.save_config()
        assert "successfully" in saved
        startup = conn.send_command("display saved-configuration")
        assert "description netmiko-vrp5" in startup
        assert "Error: Unrecognized command" in conn.send_command("display nonsense")
    finally:
        conn.disconnect()


def test_vrp5_shutdown_reaches_runtime(fleet: DeviceFleet, netmiko_connect: Connector) -> None:
    conn = netmiko_connect("VRP5", "huawei")
    runtime = fleet.network.devices["VRP5"]
    try:
        conn.send_config_set(["interface GigabitEthernet0/0/2", "shutdown"])
        assert runtime.admin_up("GigabitEthernet0/0/2") is False
        brief = conn.send_command("display interface brief")
        assert "GigabitEthernet0/0/2        *down" in brief
        conn.send_config_set(["interface GigabitEthernet0/0/2", "undo shutdown"])
        assert runtime.admin_up("GigabitEthernet0/0/2") is True
    finally:
        conn.disconnect()


def test_vrp8_candidate_commit(fleet: DeviceFleet, netmiko_connect: Connector) -> None:
    conn = netmiko_connect("VRP8", "huawei_vrpv8")
    try:
        out = conn.send_config_set(["interface GigabitEthernet1/0/1", "description vrp8-new"])
        assert "[*NY-VRP8-GigabitEthernet1/0/1]" in out
        assert "vrp8-new" not in running(fleet, "VRP8")  # still only in the candidate
        committed = conn.commit(comment="netmiko test")
        assert "Failed" not in committed
        assert "description vrp8-new" in running(fleet, "VRP8")
        history = conn.send_command("display configuration commit list")
        assert "1000000001" in history
        assert conn.send_command("display lldp neighbor brief").count("NY-VRP5") == 1
    finally:
        conn.disconnect()


def test_comware_config_save_and_typo(fleet: DeviceFleet, netmiko_connect: Connector) -> None:
    conn = netmiko_connect("CW7", "hp_comware")
    try:
        assert "H3C Comware Software" in conn.send_command("display version")
        conn.send_config_set(["interface GigabitEthernet1/0/1", "description cw7-new"])
        assert "description cw7-new" in running(fleet, "CW7")
        bad = conn.send_config_set(["interface GigabitEthernet1/0/1", "ip adress 1.1.1.1 24"])
        assert "% Unrecognized command found at '^' position." in bad
        assert "1.1.1.1" not in running(fleet, "CW7")
        saved = conn.save_config()
        assert "successfully" in saved
        assert "save force" not in running(fleet, "CW7")
        assert "description cw7-new" in conn.send_command("display saved-configuration")
    finally:
        conn.disconnect()


def test_ios_config_save_and_typo(fleet: DeviceFleet, netmiko_connect: Connector) -> None:
    conn = netmiko_connect("IOS", "cisco_ios")
    try:
        assert conn.find_prompt() == "NY-IOS#"
        conn.send_config_set(["interface GigabitEthernet0/2", "description ios-new"])
        assert "description ios-new" in conn.send_command("show running-config")
        bad = conn.send_config_set(["interface GigabitEthernet0/2", "ip adress 1.1.1.1"])
        assert "% Invalid input detected at '^' marker." in bad
        assert "1.1.1.1" not in running(fleet, "IOS")
        assert "[OK]" in conn.save_config()
        assert "ios-new" in conn.send_command("show startup-config")
        assert "% Invalid input" in conn.send_command("show nonsense")
    finally:
        conn.disconnect()


@pytest.mark.parametrize(
    ("code", "device_type", "command", "expected"),
    [
        ("VRP5", "huawei", "display ip routing-table", "0.0.0.0/0"),
        ("VRP5", "huawei", "display arp all", "10.113.0.1"),
        ("VRP8", "huawei_vrpv8", "display interface GigabitEthernet1/0/1", "current state"),
        ("CW7", "hp_comware", "display lldp neighbor-information list", "Local Interface"),
        ("IOS", "cisco_ios", "show ip route", "is directly connected, GigabitEthernet0/1"),
        ("IOS", "cisco_ios", "show running-config | begin interface", "interface Gig"),
    ],
)
def test_show_commands(
    fleet: DeviceFleet,
    netmiko_connect: Connector,
    code: str,
    device_type: str,
    command: str,
    expected: str,
) -> None:
    conn = netmiko_connect(code, device_type)
    try:
        out = conn.send_command(command)
        assert expected in out
        if "begin" in command:
            assert out.lstrip().startswith("interface")
    finally:
        conn.disconnect()
