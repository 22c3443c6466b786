"""Permanent third-party judges of the H3C Comware 7 emulator.

Each output is parsed with ntc-templates' ``hp_comware`` template through Netmiko
(``use_textfsm=True``) where one exists, and the fields must agree with the
device's state; ``display version`` and ``display ip interface brief`` have no
template and are held to the documented format (golden tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from netmiko.base_connection import BaseConnection
from snmp_cli import run_netsnmp

from lab.devices import DeviceFleet
from lab.devices.dialects import comware_show
from lab.devices.dialects.common import mac_dashed
from lab.model import LabClock, LabNetwork, chassis_mac
from lab.snmp import AgentThread, SnmpAgent

from .conftest import CLOCK_FACTOR, connect
from .test_judges_ios import LLDP_REM, SYS_DESCR, judge_specs

LLDP_REM_NAME = f"{LLDP_REM}.9"  # lldpRemSysName


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeviceFleet, AgentThread]]:
    network = LabNetwork(clock=LabClock(CLOCK_FACTOR))
    fleet = DeviceFleet(judge_specs(), tmp_path_factory.mktemp("judges-cw"), network=network)
    fleet.start()
    with AgentThread(SnmpAgent(network)) as agent:
        yield fleet, agent
    fleet.stop()


@pytest.fixture(scope="module")
def fleet(lab: tuple[DeviceFleet, AgentThread]) -> DeviceFleet:
    return lab[0]


@pytest.fixture(scope="module")
def conn(fleet: DeviceFleet) -> Iterator[BaseConnection]:
    session = connect(fleet, "CW7", "hp_comware")
    yield session
    session.disconnect()


def configure(conn: BaseConnection, lines: list[str]) -> str:
    """``system-view``, the lines, ``return``; each waits for its prompt, not a fixed delay."""
    out = [conn.send_command(line, expect_string=r"[\]>]\s*$") for line in ["system-view", *lines]]
    out.append(conn.send_command("return", expect_string=r">\s*$"))
    return "\n".join(out)


def parsed(conn: BaseConnection, command: str) -> list[dict[str, Any]]:
    result = conn.send_command(command, use_textfsm=True)
    assert isinstance(result, list), f"{command!r} did not parse:\n{result}"
    return result


def routes_static(fleet: DeviceFleet) -> list[str]:
    return fleet.call(
        lambda: [
            n.text
            for n in fleet.device("CW7").running.children
            if n.text.startswith("ip route-static")
        ]
    )


@pytest.mark.parametrize(
    ("typed", "undo"),
    [("255.255.0.0", "16"), ("16", "255.255.0.0"), ("255.255.0.0", "255.255.0.0")],
)
def test_route_static_is_stored_with_a_length_and_undone_in_either_form(
    conn: BaseConnection, fleet: DeviceFleet, typed: str, undo: str
) -> None:
    configure(conn, [f"ip route-static 10.252.0.0 {typed} NULL0"])
    assert "ip route-static 10.252.0.0 16 NULL0" in routes_static(fleet)
    shown = conn.send_command("display current-configuration | include route-static")
    assert "ip route-static 10.252.0.0 16 NULL0" in shown.splitlines()
    configure(conn, [f"undo ip route-static 10.252.0.0 {undo} NULL0"])
    assert not any("10.252.0.0" in line for line in routes_static(fleet))


def test_address_with_a_length_prints_dotted(conn: BaseConnection) -> None:
    configure(conn, ["interface GigabitEthernet1/0/2", "ip address 10.30.0.1 24"])
    try:
        this = configure(conn, ["interface GigabitEthernet1/0/2", "display this"])
        assert " ip address 10.30.0.1 255.255.255.0" in this
    finally:
        configure(conn, ["interface GigabitEthernet1/0/2", "undo ip address"])


def test_version_is_one_platform(
    conn: BaseConnection, lab: tuple[DeviceFleet, AgentThread]
) -> None:
    text = conn.send_command("display version")
    assert text.splitlines()[0] == "H3C Comware Software, Version 7.1.070, Release 6635P07"
    assert f"H3C {comware_show.MODEL} uptime is" in text
    assert f"BOARD TYPE:         {comware_show.MODEL}" in text
    endpoint = lab[1].serve(["CW7"])
    out = run_netsnmp("snmpget", "-v2c", "-c", "public-lab", "-Oa", endpoint.label(), SYS_DESCR)
    descr = out.stdout
    assert "Software Version 7.1.070, Release 6635P07" in descr and comware_show.MODEL in descr
    running = conn.send_command("display current-configuration")
    assert " version 7.1.070, Release 6635P07" in running.splitlines()
    (manu,) = parsed(conn, "display device manuinfo")
    assert manu["device_name"] == comware_show.MODEL
    assert manu["device_serial_number"] == "210235A1CW7"
    device = conn.send_command("display device")
    assert f"1    {comware_show.MODEL}" in device and "6635P07" in device


def test_lldp_list_and_verbose(conn: BaseConnection, fleet: DeviceFleet) -> None:
    a_chassis = mac_dashed(chassis_mac(fleet.device("IOSA").spec))
    (row,) = parsed(conn, "display lldp neighbor-information list")
    assert row == {
        "local_interface": "GE1/0/1",
        "chassis_id": a_chassis,
        "neighbor_interface": "Gi0/2",
        "neighbor_name": "NY-IOSA",
    }
    (verbose,) = parsed(conn, "display lldp neighbor-information verbose")
    assert verbose["local_interface"] == "GigabitEthernet1/0/1"
    assert verbose["chassis_id"] == a_chassis
    assert verbose["neighbor_name"] == "NY-IOSA"
    assert verbose["mgmt_address"] == "10.113.0.5"
    assert verbose["neighbor_interface_description"] == "to CW7"


def test_lldp_neighbour_ages_out_with_the_link(
    conn: BaseConnection, lab: tuple[DeviceFleet, AgentThread]
) -> None:
    fleet, agent = lab
    endpoint = agent.serve(["CW7"])

    def mib_names() -> str:
        walk = run_netsnmp("snmpwalk", "-v2c", "-c", "public-lab", endpoint.label(), LLDP_REM_NAME)
        return walk.stdout

    assert "NY-IOSA" in mib_names()
    ios = connect(fleet, "IOSA", "cisco_ios")
    try:
        ios.send_config_set(["interface GigabitEthernet0/2", "shutdown"])
        assert "NY-IOSA" not in conn.send_command("display lldp neighbor-information list")
        assert "NY-IOSA" not in mib_names()  # CLI and LLDP-MIB lose the neighbour together
        ios.send_config_set(["interface GigabitEthernet0/2", "no shutdown"])
        assert "NY-IOSA" in conn.send_command("display lldp neighbor-information list")
        assert "NY-IOSA" in mib_names()
    finally:
        ios.disconnect()


def test_interfaces_and_addresses(conn: BaseConnection) -> None:
    ips = {r["interface"]: r for r in parsed(conn, "display ip interface")}
    assert ips["GigabitEthernet1/0/1"]["ip_address"] == ["10.113.0.6/30"]
    assert ips["GigabitEthernet1/0/1"]["line_status"] == "UP"
    ifs = {r["interface"]: r for r in parsed(conn, "display interface")}
    assert ifs["GigabitEthernet1/0/1"]["ip_address"] == ["10.113.0.6/30"]
    assert ifs["GigabitEthernet1/0/1"]["hw_address"] == ["001e-f7aa-0301"]
    assert ifs["GigabitEthernet1/0/1"]["description"] == "to IOSA"
    (arp,) = parsed(conn, "display arp")
    assert (arp["ip_address"], arp["mac_address"], arp["interface"]) == (
        "10.113.0.5",
        "001e-f7aa-0102",
        "GE1/0/1",
    )
    brief = {r["interface"]: r for r in parsed(conn, "display interface brief")}
    assert brief["GE1/0/1"]["main_ip"] == "10.113.0.6"
    # Golden (the template of "display ip interface" does not read the brief form).
    text = conn.send_command("display ip interface brief")
    assert "GE1/0/1              up       up       10.113.0.6/30" in text
    described = conn.send_command("display interface brief description")
    assert "GE1/0/1              UP   UP       10.113.0.6      to IOSA" in described


def test_clock_cpu_memory_ntp_vpn_vlan_mac(conn: BaseConnection, fleet: DeviceFleet) -> None:
    (clock,) = parsed(conn, "display clock")
    assert clock["timezone"] == "Beijing"
    now = fleet.call(lambda: fleet.device("CW7").now()) + comware_show.TIMEZONE[1]
    assert (int(clock["year"]), int(clock["month"]), int(clock["day"])) == (
        now.year,
        now.month,
        now.day,
    )
    cpu = conn.send_command("display cpu-usage")
    assert f"{comware_show.CPU_PERCENT[1]}% in last 1 minute" in cpu
    memory = conn.send_command("display memory")
    assert f"Mem:    {comware_show.MEMORY_KB[0]:>10}{comware_show.MEMORY_KB[1]:>10}" in memory
    assert "Clock status: unsynchronized" in conn.send_command("display ntp-service status")
    configure(conn, ["ip vpn-instance ZW", "route-distinguisher 100:1"])
    try:
        (vpn,) = parsed(conn, "display ip vpn-instance")
        assert (vpn["name"], vpn["rd"]) == ("ZW", "100:1")
    finally:
        configure(conn, ["undo ip vpn-instance ZW"])
    vlans = parsed(conn, "display vlan brief")
    assert [v["vlan_id"] for v in vlans] == ["1"]
    configure(
        conn,
        [
            "vlan 30",
            "name gov",
            "quit",
            "interface Vlan-interface30",
            "ip address 10.30.30.1 255.255.255.0",
        ],
    )
    try:
        every = {v["vlan_id"]: v for v in parsed(conn, "display vlan all")}
        assert every["30"]["vlan_name"] == "gov"
        assert (every["30"]["ipv4_address"], every["30"]["ipv4_subnet"]) == (
            "10.30.30.1",
            "255.255.255.0",
        )
        assert every["1"]["route_interface"] == "Not configured"
        assert "1(default), 30" in conn.send_command("display vlan")
    finally:
        configure(conn, ["undo interface Vlan-interface30", "undo vlan 30"])
    table = conn.send_command("display mac-address")
    assert table.splitlines()[0].split() == [
        "MAC",
        "Address",
        "VLAN",
        "ID",
        "State",
        "Port/Nickname",
        "Aging",
    ]


def test_save_asks_as_comware_does(conn: BaseConnection, fleet: DeviceFleet) -> None:
    configure(conn, ["interface GigabitEthernet1/0/2", "description saved-by-save"])
    first = conn.send_command("save", expect_string=r"\[Y/N\]:")
    assert "The current configuration will be written to the device. Are you sure?" in first
    second = conn.send_command("y", expect_string=r"key\):")
    assert "Please input the file name(*.cfg)[flash:/startup.cfg]" in second
    done = conn.send_command("", expect_string=r">")
    assert "Saved the current configuration to mainboard device successfully." in done
    saved = fleet.call(lambda: fleet.device("CW7").flash.read("startup.cfg"))
    assert "description saved-by-save" in saved
    assert "10.113.0.6 255.255.255.252" in saved


def test_routing_table_follows_configuration_and_link_state(conn: BaseConnection) -> None:
    configure(conn, ["ip route-static 10.40.0.0 255.255.0.0 10.113.0.5 preference 70"])
    try:
        table = {
            (r["network"], r["prefix_length"]): r for r in parsed(conn, "display ip routing-table")
        }
        pool = table[("10.40.0.0", "16")]
        assert (pool["protocol"], pool["distance"], pool["metric"]) == ("Static", "70", "0")
        assert (pool["nexthop_ip"], pool["nexthop_if"]) == ("10.113.0.5", "GE1/0/1")
        direct = table[("10.113.0.4", "30")]
        assert (direct["protocol"], direct["nexthop_ip"]) == ("Direct", "10.113.0.6")
        assert table[("10.113.0.6", "32")]["nexthop_if"] == "InLoop0"
        configure(conn, ["interface GigabitEthernet1/0/1", "shutdown"])
        after = {
            (r["network"], r["prefix_length"]) for r in parsed(conn, "display ip routing-table")
        }
        assert ("10.113.0.4", "30") not in after and ("10.40.0.0", "16") not in after
    finally:
        configure(
            conn,
            [
                "interface GigabitEthernet1/0/1",
                "undo shutdown",
                "quit",
                "undo ip route-static 10.40.0.0 16 10.113.0.5",
            ],
        )
