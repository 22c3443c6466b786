"""Cisco IOS show output and initial configuration, from the device spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.devices.dialects import ios_reference, ios_show
from lab.devices.dialects.common import (
    configured_address,
    configured_bandwidth,
    configured_description,
    interface_names,
    interface_state,
    mac_dotted,
    neighbors,
    prefixlen,
    shorten,
    spec_interface,
    split_address,
)
from lab.devices.dialects.ios_routes import interface_vrf, show_ip_route

if TYPE_CHECKING:
    from lab.devices.device import LabDevice

SHORT = (("GigabitEthernet", "Gi"), ("FastEthernet", "Fa"), ("TenGigabitEthernet", "Te"))


def short_name(name: str) -> str:
    """``GigabitEthernet0/1`` -> ``Gi0/1``."""
    return shorten(name, SHORT)


def ios_initial_config(device: LabDevice) -> str:
    """A realistic IOS configuration for the spec."""
    spec = device.spec
    lines = [
        "version 15.2",
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
        "no service pad",
        f"hostname {spec.hostname}",
        "boot-start-marker",
        "boot-end-marker",
        f"enable secret 5 $1$lab$/{spec.password.encode().hex()}",
        "no aaa new-model",
        "ip domain name lab.local",
        "ip routing",
        "ip cef",
        f"username {spec.username} privilege 15 secret 5 $1$lab${spec.password.encode().hex()}",
        "archive",
        " path flash:archive",
        " write-memory",
        "ip ssh version 2",
        "ip scp server enable",
    ]
    for iface in spec.interfaces:
        lines.append(f"interface {iface.name}")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.bandwidth_bps:
            lines.append(f" bandwidth {max(1, iface.bandwidth_bps // 1000)}")
        if iface.vrf:
            lines.append(f" vrf forwarding {iface.vrf}")
        parts = split_address(iface.address)
        physical = not iface.name.startswith(("Loopback", "Vlan", "Tunnel"))
        if parts:
            if physical:
                lines.append(" no switchport")
            lines.append(f" ip address {parts[0]} {parts[1]}")
        elif not physical:
            lines.append(" no ip address")
    lines += ["ip forward-protocol nd", "no ip http server", "no ip http secure-server"]
    for route in spec.routes:
        if route.protocol == "static":
            parts = split_address(route.prefix)
            if parts is None:
                continue
            vrf = f"vrf {route.vrf} " if route.vrf else ""
            lines.append(f"ip route {vrf}{parts[0]} {parts[1]} {route.next_hop}")
    lines += [
        f"snmp-server community {spec.snmp.community} RO",
        "snmp-server group NMS v3 priv",
        "lldp run",
        "line con 0",
        " exec-timeout 10 0",
        "line vty 0 4",
        " exec-timeout 10 0",
        " login local",
        " transport input ssh",
    ]
    return "\n".join(lines) + "\n"


class IosViews:
    """``show`` output of IOS 15."""

    def version(self, device: LabDevice) -> str:
        """``show version``."""
        return ios_show.version(device)

    def serial(self, device: LabDevice) -> str:
        """``show inventory``."""
        return ios_show.inventory(device)

    def running(self, device: LabDevice, lines: list[str]) -> str:
        """``show running-config``."""
        body = "\n".join(["!", *lines, "end"])
        stamp = device.now().strftime("%H:%M:%S UTC %a %b %d %Y")
        return (
            f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n!\n"
            f"! Last configuration change at {stamp}\n{body}\n"
        )

    def ip_interfaces_brief(self, device: LabDevice) -> str:
        """``show ip interface brief``."""
        rows = [f"{'Interface':<27}{'IP-Address':<16}OK? Method Status                Protocol"]
        for name in interface_names(device):
            admin, oper = interface_state(device, name)
            addr = configured_address(device, name)
            status = "up" if oper else ("down" if admin else "administratively down")
            rows.append(
                f"{name:<27}{addr[0] if addr else 'unassigned':<16}YES "
                f"{'NVRAM' if addr else 'unset':<7}{status:<22}{'up' if oper else 'down'}"
            )
        return "\n".join(rows) + "\n"

    interfaces_brief = ip_interfaces_brief

    def interfaces(self, device: LabDevice, name: str | None) -> str:
        """``show interfaces [name]``."""
        names = [name] if name else interface_names(device)
        blocks = []
        for ifname in names:
            spec = spec_interface(device, ifname)
            if spec is None and device.running.child(f"interface {ifname}") is None:
                return "                 ^\n% Invalid input detected at '^' marker.\n"
            admin, oper = interface_state(device, ifname)
            status = "up" if oper else ("down" if admin else "administratively down")
            mac = mac_dotted(spec.mac if spec else "00:00:0c:00:00:01")
            lines = [
                f"{ifname} is {status}, line protocol is {'up' if oper else 'down'}",
                f"  Hardware is {ios_reference.HARDWARE}, address is {mac} (bia {mac})",
            ]
            desc = configured_description(device, ifname)
            if desc:
                lines.append(f"  Description: {desc}")
            addr = configured_address(device, ifname)
            if addr:
                lines.append(f"  Internet address is {addr[0]}/{prefixlen(addr[1])}")
            # BW is the configured bandwidth, else the port's speed (as IOS prints it)
            speed_kbit = configured_bandwidth(device, ifname) or (
                (spec.speed_bps if spec else 8_000_000_000) // 1000
            )
            lines.append(f"  MTU 1500 bytes, BW {speed_kbit} Kbit/sec, DLY 10 usec,")
            lines.append("     reliability 255/255, txload 1/255, rxload 1/255")
            if spec:
                c = device.runtime.counters(ifname)
                lines += [
                    f"     {c.in_ucast_pkts} packets input, {c.in_octets} bytes, 0 no buffer",
                    "     Received 0 broadcasts (0 IP multicasts)",
                    f"     {c.in_errors} input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
                    f"     {c.out_ucast_pkts} packets output, {c.out_octets} bytes, 0 underruns",
                    f"     {c.out_errors} output errors, 0 collisions, 0 interface resets",
                ]
            blocks.append("\n".join(lines))
        return "\n".join(blocks) + "\n"

    def lldp(self, device: LabDevice) -> str:
        """``show lldp neighbors``."""
        return ios_show.lldp_brief(device)

    def arp(self, device: LabDevice) -> str:
        """``show arp``: the global table's own addresses on up interfaces, then neighbours."""
        rows = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"]
        for name in interface_names(device):
            addr = configured_address(device, name)
            spec = spec_interface(device, name)
            if interface_vrf(device, name):
                continue
            if addr and spec and interface_state(device, name)[1]:
                rows.append(
                    f"Internet  {addr[0]:<17}{'-':>9}   {mac_dotted(spec.mac):<16}ARPA   {name}"
                )
        for n in neighbors(device):
            if n.address and not interface_vrf(device, n.local.name):
                rows.append(
                    f"Internet  {n.address.split('/')[0]:<17}{1:>9}   "
                    f"{mac_dotted(n.mac):<16}ARPA   {n.local.name}"
                )
        return "\n".join(rows) + "\n"

    def routes(self, device: LabDevice) -> str:
        """``show ip route``."""
        return show_ip_route(device)

    def dir(self, device: LabDevice, path: str | None) -> str:
        """``dir [path]``."""
        flash = device.flash
        target = flash.relative(path) if path else ""
        entries = flash.entries()
        if target:
            entries = [e for e in entries if e.name == target]
            if not entries:
                return f"%Error opening flash:/{target} (No such file or directory)\n"
        rows = [f"Directory of flash:/{target}", ""]
        for index, e in enumerate(entries, start=1):
            rows.append(
                f"{index:>5}  -rw-  {e.size:>10}  {e.mtime:%b %d %Y %H:%M:%S} +00:00  {e.name}"
            )
        total = flash.free() + flash.used()
        rows += ["", f"{total} bytes total ({flash.free()} bytes free)"]
        return "\n".join(rows) + "\n"
