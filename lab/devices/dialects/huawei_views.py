"""Huawei VRP display output and initial configuration, from the device spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.devices.dialects.common import (
    configured_address,
    configured_description,
    connected_routes,
    interface_names,
    interface_state,
    mac_dashed,
    neighbors,
    prefixlen,
    shorten,
    spec_interface,
    split_address,
    uptime_parts,
)

if TYPE_CHECKING:
    from lab.devices.device import LabDevice

SHORT = (("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE"), ("Ethernet", "Eth"))


def short_name(name: str) -> str:
    """``GigabitEthernet0/0/1`` -> ``GE0/0/1`` (as LLDP/ARP tables print it)."""
    return shorten(name, SHORT)


def _cipher(secret: str) -> str:
    return "%^%#" + secret.encode().hex()[:32].ljust(32, "0") + "%^%#"


def huawei_initial_config(device: LabDevice, two_stage: bool) -> str:
    """A realistic VRP configuration for the spec."""
    spec = device.spec
    lines = [f"sysname {spec.hostname}", "aaa"]
    lines += [
        f" local-user {spec.username} password irreversible-cipher "
        f"$1a${spec.password.encode().hex()}$",
        f" local-user {spec.username} privilege level 15",
        f" local-user {spec.username} service-type ssh",
    ]
    for iface in spec.interfaces:
        lines.append(f"interface {iface.name}")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.vrf:
            lines.append(f" ip binding vpn-instance {iface.vrf}")
        parts = split_address(iface.address)
        if parts:
            lines.append(f" ip address {parts[0]} {parts[1]}")
    vrfs = sorted({i.vrf for i in spec.interfaces if i.vrf} | {r.vrf for r in spec.routes if r.vrf})
    for vrf in vrfs:
        lines += [f"ip vpn-instance {vrf}", " ipv4-family"]
    for route in spec.routes:
        net = route.prefix.split("/")
        vpn = f"vpn-instance {route.vrf} " if route.vrf else ""
        if route.protocol == "static":
            lines.append(f"ip route-static {vpn}{net[0]} {net[1]} {route.next_hop}")
    snmp = spec.snmp
    lines += [
        "snmp-agent",
        "snmp-agent local-engineid 800007DB03" + mac_dashed(spec.interfaces[0].mac).replace("-", "")
        if spec.interfaces
        else "snmp-agent local-engineid 800007DB03000000000000",
        "snmp-agent sys-info version v2c v3",
        f"snmp-agent community read cipher {_cipher(snmp.community)}",
        "snmp-agent group v3 NMS privacy",
        f"snmp-agent usm-user v3 {snmp.v3_user} NMS authentication-mode sha cipher "
        f"{_cipher(snmp.v3_auth_key)} privacy-mode aes128 cipher {_cipher(snmp.v3_priv_key)}",
        "stelnet server enable",
        f"ssh user {spec.username}",
        f"ssh user {spec.username} authentication-type password",
        f"ssh user {spec.username} service-type stelnet",
        "lldp enable",
        "user-interface con 0",
        " authentication-mode password",
        "user-interface vty 0 4",
        " authentication-mode aaa",
        " protocol inbound ssh",
        " idle-timeout 10 0",
    ]
    if two_stage:
        lines = [line.replace("ntp-service", "ntp") for line in lines]
    return "\n".join(lines) + "\n"


class HuaweiViews:
    """``display`` output of VRP5 and VRP8."""

    def __init__(self, two_stage: bool) -> None:
        self.two_stage = two_stage

    def _model(self, device: LabDevice) -> str:
        return device.spec.model or ("CE6850-48T4Q-EI" if self.two_stage else "S5720-28X-SI-AC")

    def version(self, device: LabDevice) -> str:
        """``display version``."""
        model = self._model(device)
        series = model.split("-")[0]
        weeks, days, hours, minutes = uptime_parts(device.uptime_seconds())
        if self.two_stage:
            return (
                "Huawei Versatile Routing Platform Software\n"
                f"VRP (R) software, Version 8.180 ({series} V200R005C10SPC800)\n"
                "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\n"
                f"HUAWEI {model} uptime is {days + 7 * weeks} days, {hours} hours, "
                f"{minutes} minutes\n"
            )
        return (
            "Huawei Versatile Routing Platform Software\n"
            f"VRP (R) software, Version 5.170 ({series} V200R011C10SPC500)\n"
            "Copyright (C) 2000-2018 HUAWEI TECH Co., Ltd.\n"
            f"HUAWEI {model} Routing Switch uptime is {weeks} week, {days} day, {hours} hours,"
            f" {minutes} minutes\n"
        )

    def serial(self, device: LabDevice) -> str:
        """``display esn``."""
        return f"ESN of slot 0: {device.spec.serial or '2102351931P0' + device.spec.code[-6:]}\n"

    def running(self, device: LabDevice, lines: list[str]) -> str:
        """``display current-configuration``."""
        version = "V200R005C10SPC800" if self.two_stage else "V200R011C10SPC500"
        return "\n".join([f"!Software Version {version}", *lines, "return"]) + "\n"

    def interfaces_brief(self, device: LabDevice) -> str:
        """``display interface brief``."""
        rows = [
            "PHY: Physical",
            "*down: administratively down",
            "(l): loopback",
            "(s): spoofing",
            "(b): BFD down",
            "(e): ETHOAM down",
            "(d): Dampening Suppressed",
            "InUti/OutUti: input utility/output utility",
            f"{'Interface':<28}{'PHY':<6}{'Protocol':<9}InUti OutUti   inErrors  outErrors",
        ]
        for name in interface_names(device):
            admin, oper = interface_state(device, name)
            phy = "up" if oper else ("down" if admin else "*down")
            proto = "up" if oper else "down"
            rows.append(f"{name:<28}{phy:<6}{proto:<9}{'0%':>5}{'0%':>7}{0:>11}{0:>11}")
        return "\n".join(rows) + "\n"

    def ip_interfaces_brief(self, device: LabDevice) -> str:
        """``display ip interface brief``."""
        rows = [
            "*down: administratively down",
            "(l): loopback",
            "(s): spoofing",
            f"{'Interface':<34}{'IP Address/Mask':<20}{'Physical':<10}Protocol",
        ]
        for name in interface_names(device):
            admin, oper = interface_state(device, name)
            addr = configured_address(device, name)
            text = f"{addr[0]}/{prefixlen(addr[1])}" if addr else "unassigned"
            phy = "up" if oper else ("down" if admin else "*down")
            rows.append(f"{name:<34}{text:<20}{phy:<10}{'up' if oper else 'down'}")
        return "\n".join(rows) + "\n"

    def interfaces(self, device: LabDevice, name: str | None) -> str:
        """``display interface [name]``."""
        names = [name] if name else interface_names(device)
        blocks = []
        for ifname in names:
            spec = spec_interface(device, ifname)
            if spec is None and device.running.child(f"interface {ifname}") is None:
                return "Error: The interface does not exist.\n"
            admin, oper = interface_state(device, ifname)
            state = "UP" if oper else ("DOWN" if admin else "Administratively DOWN")
            counters = device.runtime.counters(ifname) if spec else None
            lines = [
                f"{ifname} current state : {state}",
                f"Line protocol current state : {'UP' if oper else 'DOWN'}",
                f"Description:{configured_description(device, ifname)}",
                "Route Port,The Maximum Transmit Unit is 1500",
            ]
            addr = configured_address(device, ifname)
            lines.append(
                f"Internet Address is {addr[0]}/{prefixlen(addr[1])}"
                if addr
                else "Internet protocol processing : disabled"
            )
            mac = mac_dashed(spec.mac if spec else "00:e0:fc:00:00:01")
            lines.append(f"IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is {mac}")
            if spec:
                lines += [
                    f"Speed : {spec.speed_bps // 1_000_000},  Loopback: NONE",
                    "Duplex: FULL,  Negotiation: ENABLE",
                ]
            if counters:
                lines += [
                    f"Input:  {counters.in_ucast_pkts} packets, {counters.in_octets} bytes",
                    f"  Unicast:  {counters.in_ucast_pkts},  Multicast: 0",
                    "  Broadcast:  0,  Jumbo: 0",
                    f"  Discard:  {counters.in_discards},  Total Error: {counters.in_errors}",
                    f"Output:  {counters.out_ucast_pkts} packets, {counters.out_octets} bytes",
                    f"  Unicast:  {counters.out_ucast_pkts},  Multicast: 0",
                    "  Broadcast:  0,  Jumbo: 0",
                    f"  Discard:  {counters.out_discards},  Total Error: {counters.out_errors}",
                ]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def lldp(self, device: LabDevice) -> str:
        """``display lldp neighbor brief``."""
        rows = [f"{'Local Intf':<17}{'Neighbor Dev':<25}{'Neighbor Intf':<26}Exptime(s)"]
        for n in neighbors(device):
            rows.append(
                f"{short_name(n.local.name):<17}{n.hostname:<25}"
                f"{short_name(n.interface):<26}{104:<10}"
            )
        return "\n".join(rows) + "\n"

    def arp(self, device: LabDevice) -> str:
        """``display arp all``."""
        rows = [
            "IP ADDRESS      MAC ADDRESS     EXPIRE(M) TYPE        INTERFACE   VPN-INSTANCE",
            "                                          VLAN/CEVLAN PVC",
            "-" * 78,
        ]
        local = dynamic = 0
        for iface in device.spec.interfaces:
            parts = split_address(iface.address)
            if parts:
                local += 1
                rows.append(
                    f"{parts[0]:<16}{mac_dashed(iface.mac):<16}{'':<10}{'I -':<12}"
                    f"{short_name(iface.name):<12}{iface.vrf or ''}"
                )
        for n in neighbors(device):
            if n.address:
                dynamic += 1
                ip = n.address.split("/")[0]
                rows.append(
                    f"{ip:<16}{mac_dashed(n.mac):<16}{'20':<10}{'D-0':<12}"
                    f"{short_name(n.local.name):<12}{n.local.vrf or ''}"
                )
        rows += [
            "-" * 78,
            f"Total:{local + dynamic:<10}Dynamic:{dynamic:<8}Static:0     Interface:{local}",
        ]
        return "\n".join(rows) + "\n"

    def routes(self, device: LabDevice) -> str:
        """``display ip routing-table``."""
        entries = [r for r in connected_routes(device) if r.vrf is None]
        rows = [
            "Route Flags: R - relay, D - download to fib",
            "-" * 78,
            "Routing Tables: Public",
            f"         Destinations : {len(entries)}        Routes : {len(entries)}",
            "",
            "Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface",
            "",
        ]
        pre = {"direct": 0, "static": 60, "ospf": 10, "bgp": 255}
        for r in entries:
            flags = "D" if r.protocol == "direct" else "RD"
            rows.append(
                f"{r.prefix:>18}  {r.protocol.capitalize():<8}{pre.get(r.protocol, 60):<5}"
                f"{r.metric:<10}{flags:>4}   {r.next_hop:<16}{r.interface}"
            )
        return "\n".join(rows) + "\n"

    def dir(self, device: LabDevice, path: str | None) -> str:
        """``dir [path]``."""
        target = device.flash.relative(path) if path else ""
        entries = device.flash.entries()
        if target:
            entries = [e for e in entries if e.name == target]
        free_kb = device.flash.free() // 1024
        total_kb = (device.flash.free() + device.flash.used()) // 1024
        head = f"Directory of flash:/{target}\n\n"
        if not entries:
            return (
                head + f"  No file found in flash:/{target}\n\n{total_kb:,} KB total "
                f"({free_kb:,} KB free)\n"
            )
        rows = ["  Idx  Attr     Size(Byte)  Date        Time(LMT)  FileName"]
        for index, e in enumerate(entries):
            stamp = e.mtime.strftime("%b %d %Y %H:%M:%S")
            rows.append(f"  {index:>3}  -rw-   {e.size:>12,}  {stamp}   {e.name}")
        return head + "\n".join(rows) + f"\n\n{total_kb:,} KB total ({free_kb:,} KB free)\n"
