"""H3C Comware 7 display output and initial configuration, from the device spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.devices.dialects import comware_show
from lab.devices.dialects.common import (
    configured_address,
    configured_bandwidth,
    configured_description,
    interface_names,
    interface_state,
    mac_dashed,
    neighbors,
    prefixlen,
    shorten,
    spec_interface,
    split_address,
)

if TYPE_CHECKING:
    from lab.devices.device import LabDevice

SHORT = (("Ten-GigabitEthernet", "XGE"), ("GigabitEthernet", "GE"), ("LoopBack", "Loop"))


def short_name(name: str) -> str:
    """``GigabitEthernet1/0/1`` -> ``GE1/0/1``."""
    return shorten(name, SHORT)


def comware_initial_config(device: LabDevice) -> str:
    """A realistic Comware 7 configuration for the spec."""
    spec = device.spec
    lines = [
        f"version {comware_show.SOFTWARE}",
        f"sysname {spec.hostname}",
        "clock timezone Beijing add 08:00:00",
        "lldp global enable",
        "password-recovery enable",
        "vlan 1",
    ]
    for iface in spec.interfaces:
        lines.append(f"interface {iface.name}")
        if not iface.name.startswith(("LoopBack", "Vlan-interface")):
            lines.append(" port link-mode route")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.bandwidth_bps:
            lines.append(f" bandwidth {max(1, iface.bandwidth_bps // 1000)}")
        if iface.vrf:
            lines.append(f" ip binding vpn-instance {iface.vrf}")
        parts = split_address(iface.address)
        if parts:
            lines.append(f" ip address {parts[0]} {parts[1]}")
    for route in spec.routes:
        if route.protocol == "static":
            parts = split_address(route.prefix)
            if parts is None:
                continue
            vrf = f"vpn-instance {route.vrf} " if route.vrf else ""
            lines.append(f"ip route-static {vrf}{parts[0]} {parts[2]} {route.next_hop}")
    lines += [
        "ssh server enable",
        "snmp-agent",
        "snmp-agent local-engineid 800063A280"
        + mac_dashed(spec.interfaces[0].mac if spec.interfaces else "0").replace("-", "")
        + "00000001",
        f"snmp-agent community read simple {spec.snmp.community}",
        "snmp-agent sys-info version v2c v3",
        "line class vty",
        " user-role network-operator",
        "line vty 0 63",
        " authentication-mode scheme",
        " protocol inbound ssh",
        " user-role network-operator",
        f"local-user {spec.username} class manage",
        f" password hash $h$6${spec.password.encode().hex()}",
        " service-type ssh",
        " authorization-attribute user-role network-admin",
    ]
    return "\n".join(lines) + "\n"


class ComwareViews:
    """``display`` output of Comware 7."""

    def version(self, device: LabDevice) -> str:
        """``display version``."""
        return comware_show.version(device)

    def serial(self, device: LabDevice) -> str:
        """``display device manuinfo``."""
        return comware_show.manuinfo(device)

    def running(self, device: LabDevice, lines: list[str]) -> str:
        """``display current-configuration``."""
        return "\n".join(["#", *lines, "return"]) + "\n"

    def interfaces_brief(self, device: LabDevice) -> str:
        """``display interface brief``."""
        rows = [
            "Brief information on interfaces in route mode:",
            "Link: ADM - administratively down; Stby - standby",
            "Protocol: (s) - spoofing",
            f"{'Interface':<21}{'Link':<5}{'Protocol':<9}{'Primary IP':<16}Description",
        ]
        for name in interface_names(device):
            admin, oper = interface_state(device, name)
            link = "UP" if oper else ("DOWN" if admin else "ADM")
            addr = configured_address(device, name)
            rows.append(
                f"{short_name(name):<21}{link:<5}{'UP' if oper else 'DOWN':<9}"
                f"{addr[0] if addr else '--':<16}{configured_description(device, name)}"
            )
        return "\n".join(rows) + "\n"

    def ip_interfaces_brief(self, device: LabDevice) -> str:
        """``display ip interface brief``."""
        rows = [
            "*down: administratively down",
            "(s): spoofing  (l): loopback",
            f"{'Interface':<21}{'Physical':<9}{'Protocol':<9}{'IP address/Mask':<19}"
            "VPN instance Description",
        ]
        for name in interface_names(device):
            admin, oper = interface_state(device, name)
            addr = configured_address(device, name)
            text = f"{addr[0]}/{prefixlen(addr[1])}" if addr else "--"
            phy = "up" if oper else ("down" if admin else "*down")
            rows.append(
                f"{short_name(name):<21}{phy:<9}{'up' if oper else 'down':<9}"
                f"{text:<19}--           {configured_description(device, name)}"
            )
        return "\n".join(rows) + "\n"

    def interfaces(self, device: LabDevice, name: str | None) -> str:
        """``display interface [name]``."""
        names = [name] if name else interface_names(device)
        blocks = []
        for ifname in names:
            spec = spec_interface(device, ifname)
            if spec is None and device.running.child(f"interface {ifname}") is None:
                return " % Interface does not exist.\n"
            admin, oper = interface_state(device, ifname)
            state = "UP" if oper else ("DOWN" if admin else "DOWN ( Administratively )")
            port_kbps = (spec.speed_bps if spec else 1_000_000_000) // 1000
            lines = [
                ifname,
                f"Current state: {state}",
                f"Line protocol state: {'UP' if oper else 'DOWN'}",
                f"Description: {configured_description(device, ifname) or ifname + ' Interface'}",
                # the configured (expected) bandwidth, else the port's speed
                f"Bandwidth: {configured_bandwidth(device, ifname) or port_kbps} kbps",
                "Maximum transmission unit: 1500",
            ]
            addr = configured_address(device, ifname)
            lines.append(
                f"Internet address: {addr[0]}/{prefixlen(addr[1])} (primary)"
                if addr
                else "Internet protocol processing: Disabled"
            )
            mac = mac_dashed(spec.mac if spec else "00:00:00:00:00:01")
            lines.append(f"IP packet frame type: Ethernet II, hardware address: {mac}")
            if spec:
                c = device.runtime.counters(ifname)
                lines += [
                    f"Input (total):  {c.in_ucast_pkts} packets, {c.in_octets} bytes",
                    f"Input (normal):  {c.in_ucast_pkts} packets, - bytes",
                    f"  {c.in_errors} input errors",
                    f"Output (total): {c.out_ucast_pkts} packets, {c.out_octets} bytes",
                    f"  {c.out_errors} output errors",
                ]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def lldp(self, device: LabDevice) -> str:
        """``display lldp neighbor-information list``."""
        return comware_show.lldp_list(device)

    def arp(self, device: LabDevice) -> str:
        """``display arp``."""
        rows = [
            "  Type: S-Static   D-Dynamic   O-Openflow   R-Rule   M-Multiport  I-Invalid",
            "IP address      MAC address    VLAN/VSI name Interface                Aging Type",
        ]
        for n in neighbors(device):
            if n.address:
                rows.append(
                    f"{n.address.split('/')[0]:<16}{mac_dashed(n.mac):<15}--            "
                    f"{short_name(n.local.name):<25}1199  D"
                )
        return "\n".join(rows) + "\n"

    def routes(self, device: LabDevice) -> str:
        """``display ip routing-table``."""
        return comware_show.routes(device)

    def dir(self, device: LabDevice, path: str | None) -> str:
        """``dir [path]``."""
        flash = device.flash
        target = flash.relative(path) if path else ""
        entries = flash.entries()
        if target:
            entries = [e for e in entries if e.name == target]
            if not entries:
                return "The file or directory doesn't exist.\n"
        rows = ["Directory of flash:"]
        for index, e in enumerate(entries):
            rows.append(f"   {index} -rw- {e.size:>10} {e.mtime:%b %d %Y %H:%M:%S}   {e.name}")
        total_kb = (flash.free() + flash.used()) // 1024
        rows += ["", f"{total_kb} KB total ({flash.free() // 1024} KB free)"]
        return "\n".join(rows) + "\n"
