"""Huawei VRP display output and initial configuration, from the device spec.

Formats follow the devices' own output (S5720 for VRP5, CE5850 for VRP8), as
ntc-templates' ``huawei_vrp`` templates and napalm-huawei-vrp read it. Model,
software and port speeds come from :mod:`inventory.platforms`. Routes are the
running configuration's: a direct route per addressed interface that is up, a
static route per ``ip route-static`` whose outgoing interface is up, then the
spec's dynamic (OSPF/BGP) routes.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inventory.platforms import facts
from lab.devices.config_tree import ConfigNode
from lab.devices.dialects.common import (
    configured_address,
    configured_description,
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
from lab.snmp.platforms import platform as snmp_platform

if TYPE_CHECKING:
    from lab.devices.device import LabDevice

SHORT = (("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE"), ("Ethernet", "Eth"))
_IF_NAME = re.compile(r"interface (\d*[A-Za-z-]+)(\S*)")

#: Port types that are layer 2 (``portswitch``) until ``undo portswitch``.
SWITCHED = frozenset(
    {"GigabitEthernet", "XGigabitEthernet", "GE", "10GE", "25GE", "40GE", "100GE", "Eth-Trunk"}
)


def short_name(name: str) -> str:
    """``GigabitEthernet0/0/1`` -> ``GE0/0/1`` (as LLDP/ARP tables print it)."""
    return shorten(name, SHORT)


def interface_type(name: str) -> str:
    """``10GE1/0/1`` -> ``10GE``; ``LoopBack0`` -> ``LoopBack``."""
    m = _IF_NAME.fullmatch("interface " + name)
    return m.group(1) if m else ""


def switched_port(name: str, section: ConfigNode) -> bool:
    """True for an Ethernet port still in its default layer-2 mode."""
    return interface_type(name) in SWITCHED and section.child("undo portswitch") is None


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
        parts = split_address(iface.address)
        if parts and interface_type(iface.name) in SWITCHED:
            lines.append(" undo portswitch")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.vrf:
            lines.append(f" ip binding vpn-instance {iface.vrf}")
        if parts:
            lines.append(f" ip address {parts[0]} {parts[1]}")
        if iface.bandwidth_bps:
            lines.append(f" bandwidth {max(1, iface.bandwidth_bps // 1_000_000)}")
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


@dataclass(frozen=True)
class Route:
    """One row of ``display ip routing-table``."""

    prefix: str
    protocol: str  # Direct | Static | OSPF | BGP
    preference: int
    cost: int
    next_hop: str
    interface: str


#: Default preference of each protocol (VRP: direct 0, OSPF 10, static 60, BGP 255).
PREFERENCE = {"direct": 0, "ospf": 10, "static": 60, "bgp": 255}


def _vrf_of(device: LabDevice, name: str) -> str | None:
    node = device.running.child(f"interface {name}")
    if node:
        for child in node.children:
            if child.text.startswith("ip binding vpn-instance "):
                return child.text.split()[-1]
    return None


def routing_rows(device: LabDevice) -> list[Route]:
    """The public routing table from the running configuration and interface states."""
    connected: list[tuple[ipaddress.IPv4Interface, str]] = []
    rows: list[Route] = []
    for name in interface_names(device):
        addr = configured_address(device, name)
        if addr is None or _vrf_of(device, name) is not None:
            continue
        _admin, oper = interface_state(device, name)
        if not oper:
            continue
        iface = ipaddress.IPv4Interface(f"{addr[0]}/{addr[1]}")
        connected.append((iface, name))
        rows.append(Route(str(iface.network), "Direct", 0, 0, str(iface.ip), name))
        if iface.network.prefixlen < 32:
            rows.append(Route(f"{iface.ip}/32", "Direct", 0, 0, "127.0.0.1", name))
    for node in device.running.children:
        words = node.text.split()
        if words[:2] != ["ip", "route-static"] or "vpn-instance" in words[:3] or len(words) < 5:
            continue
        try:
            net = ipaddress.IPv4Network(f"{words[2]}/{words[3]}", strict=False)
        except ValueError:
            continue
        rest = words[4:]
        preference = PREFERENCE["static"]
        if "preference" in rest:
            preference = int(rest[rest.index("preference") + 1])
        hop, out = rest[0], ""
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", hop):
            address = ipaddress.IPv4Address(hop)
            out = next((n for i, n in connected if address in i.network), "")
            if not out:
                continue  # next hop not reachable: the route is inactive, not shown
        else:
            out = hop
            hop = rest[1] if len(rest) > 1 and re.fullmatch(r"[\d.]+", rest[1]) else "0.0.0.0"
            if not out.startswith("NULL") and not interface_state(device, out)[1]:
                continue
        rows.append(Route(str(net), "Static", preference, 0, hop, out))
    for r in device.spec.routes:
        dynamic = r.protocol in ("ospf", "bgp") and r.vrf is None
        if dynamic and interface_state(device, r.interface)[1]:
            rows.append(
                Route(
                    r.prefix,
                    r.protocol.upper(),
                    PREFERENCE[r.protocol],
                    r.metric,
                    r.next_hop,
                    r.interface,
                )
            )
    rows.sort(key=lambda r: (int(ipaddress.IPv4Network(r.prefix).network_address), r.prefix))
    return rows


def chassis_mac(device: LabDevice) -> str:
    """The system MAC the device advertises as its LLDP chassis id (its first port's)."""
    first = min(device.spec.interfaces, key=lambda i: i.index, default=None)
    return mac_dashed(first.mac if first else "00:e0:fc:00:00:01")


class HuaweiViews:
    """``display`` output of VRP5 and VRP8."""

    def __init__(self, two_stage: bool) -> None:
        self.two_stage = two_stage
        self.facts = facts("huawei_vrp8" if two_stage else "huawei_vrp5")

    def _model(self, device: LabDevice) -> str:
        return device.spec.model or self.facts.model

    def version_line(self) -> str:
        """``VRP (R) software, Version 5.170 (S5720 V200R011C10SPC500)``."""
        f = self.facts
        return f"VRP (R) software, Version {f.software_version} ({f.series} {f.software_release})"

    def version(self, device: LabDevice) -> str:
        """``display version``."""
        model = self._model(device)
        weeks, days, hours, minutes = uptime_parts(device.uptime_seconds())
        if self.two_stage:
            return (
                "Huawei Versatile Routing Platform Software\n"
                f"{self.version_line()}\n"
                "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\n"
                f"HUAWEI {model} uptime is {days + 7 * weeks} days, {hours} hours, "
                f"{minutes} minutes\n"
            )
        return (
            "Huawei Versatile Routing Platform Software\n"
            f"{self.version_line()}\n"
            "Copyright (C) 2000-2018 HUAWEI TECH Co., Ltd.\n"
            f"HUAWEI {model} Routing Switch uptime is {weeks} week, {days} day, {hours} hours,"
            f" {minutes} minutes\n"
        )

    def serial(self, device: LabDevice) -> str:
        """``display esn``."""
        return f"ESN of slot 0: {self._serial(device)}\n"

    @staticmethod
    def _serial(device: LabDevice) -> str:
        return device.spec.serial or "2102351931P0" + device.spec.code[-6:]

    def header(self, device: LabDevice) -> list[str]:
        """The ``!`` lines before the configuration."""
        lines = [f"!Software Version {self.facts.software_release}"]
        if self.two_stage:
            when, who = device.config_updated
            by = "SYSTEM automatically" if who is None else who
            lines.append(
                f"!Last configuration was updated at {when:%Y-%m-%d %H:%M:%S}+00:00 by {by}"
            )
            if device.config_saved is not None:
                lines.append(
                    f"!Last configuration was saved at {device.config_saved:%Y-%m-%d %H:%M:%S}+00:00"
                )
        return lines

    def running(self, device: LabDevice, lines: list[str]) -> str:
        """``display current-configuration``."""
        return "\n".join([*self.header(device), "#", *lines, "return"]) + "\n"

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

    def interface_description(self, device: LabDevice) -> str:
        """``display interface description``."""
        rows = [
            "PHY: Physical",
            "*down: administratively down",
            "(l): loopback",
            "(s): spoofing",
            "(b): BFD down",
            "(e): ETHOAM down",
            f"{'Interface':<30}{'PHY':<8}{'Protocol':<9}Description",
        ]
        for name in interface_names(device):
            admin, oper = interface_state(device, name)
            phy = "up" if oper else ("down" if admin else "*down")
            text = f"{short_name(name):<30}{phy:<8}{'up' if oper else 'down':<9}"
            rows.append((text + configured_description(device, name)).rstrip())
        return "\n".join(rows) + "\n"

    def ip_interfaces_brief(self, device: LabDevice) -> str:
        """``display ip interface brief``."""
        names = interface_names(device)
        states = [interface_state(device, name) for name in names]
        up = sum(1 for _a, oper in states if oper)
        rows = [
            "*down: administratively down",
            "^down: standby",
            "(l): loopback",
            "(s): spoofing",
            f"The number of interface that is UP in Physical is {up}",
            f"The number of interface that is DOWN in Physical is {len(names) - up}",
            f"The number of interface that is UP in Protocol is {up}",
            f"The number of interface that is DOWN in Protocol is {len(names) - up}",
            "",
            f"{'Interface':<34}{'IP Address/Mask':<21}{'Physical':<11}Protocol",
        ]
        for name, (admin, oper) in zip(names, states, strict=True):
            addr = configured_address(device, name)
            text = f"{addr[0]}/{prefixlen(addr[1])}" if addr else "unassigned"
            phy = "up" if oper else ("down" if admin else "*down")
            rows.append(f"{name:<34}{text:<21}{phy:<11}{'up' if oper else 'down'}")
        return "\n".join(rows) + "\n"

    def ip_interfaces(self, device: LabDevice, name: str | None) -> str:
        """``display ip interface [name]`` (what napalm-huawei-vrp reads for interfaces_ip)."""
        names = [name] if name else interface_names(device)
        blocks = []
        for ifname in names:
            if device.running.child(f"interface {ifname}") is None:
                if name:
                    return "Error: The interface does not exist.\n"
                continue
            addr = configured_address(device, ifname)
            if addr is None:
                continue
            admin, oper = interface_state(device, ifname)
            state = "UP" if oper else ("DOWN" if admin else "Administratively DOWN")
            counters = device.runtime.counters(ifname) if spec_interface(device, ifname) else None
            iface = ipaddress.IPv4Interface(f"{addr[0]}/{addr[1]}")
            sent = counters.out_ucast_pkts if counters else 0
            received = counters.in_ucast_pkts if counters else 0
            blocks.append(
                "\n".join(
                    [
                        f"{ifname} current state : {state}",
                        f"Line protocol current state : {'UP' if oper else 'DOWN'}",
                        f"The Maximum Transmit Unit : {self._mtu(device, ifname)} bytes",
                        f"input packets : {received}, bytes : {counters.in_octets if counters else 0}, multicasts : 0",
                        f"output packets : {sent}, bytes : {counters.out_octets if counters else 0}, multicasts : 0",
                        "Directed-broadcast packets:",
                        " received packets:            0, sent packets:            0",
                        " forwarded packets:           0, dropped packets:         0",
                        "ARP packet input number:           0",
                        "  Request packet:                  0",
                        "  Reply packet:                    0",
                        "  Unknown packet:                  0",
                        f"Internet Address is {iface.ip}/{iface.network.prefixlen}",
                        f"Broadcast address : {iface.network.broadcast_address}",
                        "TTL being 1 packet number:         0",
                        "TTL invalid packet number:         0",
                        "ICMP packet input number:          0",
                    ]
                )
            )
        return "\n".join(blocks) + ("\n" if blocks else "")

    @staticmethod
    def _mtu(device: LabDevice, name: str) -> int:
        node = device.running.child(f"interface {name}")
        if node:
            for child in node.children:
                if child.text.startswith("mtu "):
                    return int(child.text.split()[1])
        return 1500

    def interfaces(self, device: LabDevice, name: str | None) -> str:
        """``display interface [name]``."""
        names = [name] if name else interface_names(device)
        blocks = []
        for ifname in names:
            spec = spec_interface(device, ifname)
            node = device.running.child(f"interface {ifname}")
            if spec is None and node is None:
                return "Error: The interface does not exist.\n"
            admin, oper = interface_state(device, ifname)
            state = "UP" if oper else ("DOWN" if admin else "Administratively DOWN")
            counters = device.runtime.counters(ifname) if spec else None
            lines = [
                f"{ifname} current state : {state}",
                f"Line protocol current state : {'UP' if oper else 'DOWN'}",
                f"Description:{configured_description(device, ifname)}",
            ]
            if node is not None and switched_port(ifname, node):
                lines.append(
                    "Switch Port, PVID :    1, TPID : 8100(Hex), The Maximum Frame Length is 9216"
                )
            else:
                lines.append(f"Route Port,The Maximum Transmit Unit is {self._mtu(device, ifname)}")
                addr = configured_address(device, ifname)
                lines.append(
                    f"Internet Address is {addr[0]}/{prefixlen(addr[1])}"
                    if addr
                    else "Internet protocol processing : disabled"
                )
            mac = mac_dashed(spec.mac if spec else "00:e0:fc:00:00:01")
            lines.append(f"IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is {mac}")
            if spec and interface_type(ifname) in SWITCHED:
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
        """``display lldp neighbor brief`` (S-series and CE column orders differ)."""
        found = [n for n in neighbors(device) if interface_state(device, n.local.name)[1]]
        if self.two_stage:
            rows = [
                f"{'Local Interface':<24}{'Exptime(s)':<11}{'Neighbor Interface':<24}"
                "Neighbor Device",
                "-" * 79,
            ]
            for n in found:
                rows.append(f"{n.local.name:<24}{104:>9}  {n.interface:<24}{n.hostname}")
            return "\n".join(rows) + "\n"
        rows = [f"{'Local Intf':<17}{'Neighbor Dev':<25}{'Neighbor Intf':<26}Exptime(s)"]
        for n in found:
            rows.append(
                f"{short_name(n.local.name):<17}{n.hostname:<25}"
                f"{short_name(n.interface):<26}{104:<10}"
            )
        return "\n".join(rows) + "\n"

    def lldp_detail(self, device: LabDevice, name: str | None) -> str:
        """``display lldp neighbor [interface X]``: every LLDP port, its neighbour's TLVs."""
        network = device.runtime.network
        by_local = {
            n.local.name: n for n in neighbors(device) if interface_state(device, n.local.name)[1]
        }
        names = [i.name for i in device.spec.interfaces if interface_type(i.name) in SWITCHED]
        if name:
            names = [n for n in names if n == name]
        blocks = []
        for local in names:
            n = by_local.get(local)
            if n is None:
                blocks.append(
                    f"{local} has 0 neighbor(s)\n"
                    if self.two_stage
                    else f"{local} has 0 neighbors\n"
                )
                continue
            peer = network.devices.get(n.local.peer_device or "") if network else None
            if peer is not None:
                pspec = peer.spec
                first = min(pspec.interfaces, key=lambda i: i.index)
                chassis = mac_dashed(first.mac)
                remote = next((i for i in pspec.interfaces if i.name == n.interface), None)
                pplat = snmp_platform(pspec.platform)
                descr = (
                    pplat.sys_descr.format(
                        model=pspec.model or pplat.default_model, hostname=pspec.hostname
                    )
                    .replace("\r\n", "\n")
                    .strip()
                )
                port_desc = remote.description if remote and remote.description else n.interface
                mgmt = next(
                    (
                        i.address.split("/")[0]
                        for i in pspec.interfaces
                        if i.address and i.name.lower().startswith("loopback")
                    ),
                    n.address.split("/")[0] if n.address else "",
                )
            else:
                chassis, descr, port_desc, mgmt = mac_dashed(n.mac), "", n.interface, ""
            head = f"{local} has 1 neighbor(s):" if self.two_stage else f"{local} has 1 neighbors:"
            lines = [
                head,
                "",
                "Neighbor index :1",
                "Chassis type   :macAddress",
                f"Chassis ID     :{chassis}",
                "Port ID type   :interfaceName",
                f"Port ID        :{n.interface}",
                f"Port description    :{port_desc}",
                f"System name         :{n.hostname}",
                f"System description  :{descr}",
                "System capabilities supported   :bridge router",
                "System capabilities enabled     :bridge router",
            ]
            if mgmt:
                lines += ["Management address type  :ipv4", f"Management address : {mgmt}"]
            lines += ["Expired time   :104s", "", "Port VLAN ID(PVID)  :1", ""]
            blocks.append("\n".join(lines))
        return "\n".join(blocks)

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
            if n.address and interface_state(device, n.local.name)[1]:
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
        """``display ip routing-table``: statics at preference 60, cost 0 (none configured)."""
        entries = routing_rows(device)
        rows = [
            "Route Flags: R - relay, D - download to fib",
            "-" * 78,
            "Routing Tables: Public",
            f"         Destinations : {len(entries)}        Routes : {len(entries)}",
            "",
            "Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface",
            "",
        ]
        for r in entries:
            flags = "D" if r.protocol == "Direct" else "RD"
            rows.append(
                f"{r.prefix:>18}  {r.protocol:<8}{r.preference:<5}"
                f"{r.cost:<10}{flags:>4}   {r.next_hop:<16}{r.interface}"
            )
        return "\n".join(rows) + "\n"

    def vlan(self, device: LabDevice) -> str:
        """``display vlan``: VLAN 1 with every layer-2 port untagged."""
        ports = []
        for iface in device.spec.interfaces:
            node = device.running.child(f"interface {iface.name}")
            if node is not None and switched_port(iface.name, node):
                oper = interface_state(device, iface.name)[1]
                ports.append(f"{short_name(iface.name)}({'U' if oper else 'D'})")
        rows = [
            "The total number of vlans is : 1",
            "-" * 80,
            "U: Up;         D: Down;         TG: Tagged;         UT: Untagged;",
            "MP: Vlan-mapping;               ST: Vlan-stacking;",
            "#: ProtocolTransparent-vlan;    *: Management-vlan;",
            "-" * 80,
            "",
            "VID  Type    Ports",
            "-" * 80,
        ]
        chunks = [ports[i : i + 4] for i in range(0, len(ports), 4)] or [[]]
        for index, chunk in enumerate(chunks):
            cells = "".join(f"{p:<16}" for p in chunk).rstrip()
            rows.append(("1    common  UT:" if index == 0 else " " * 16) + cells)
        rows += [
            "",
            "VID  Status  Property      MAC-LRN Statistics Description",
            "-" * 80,
            "1    enable  default       enable  disable    VLAN 0001",
        ]
        return "\n".join(rows) + "\n"

    def port_vlan(self, device: LabDevice) -> str:
        """``display port vlan``: the layer-2 ports (access, PVID 1 by default)."""
        rows = [f"{'Port':<28}{'Link Type':<13}{'PVID':<6}Trunk VLAN List", "-" * 79]
        for iface in device.spec.interfaces:
            node = device.running.child(f"interface {iface.name}")
            if node is None or not switched_port(iface.name, node):
                continue
            link, pvid = "access", "1"
            for child in node.children:
                words = child.text.split()
                if words[:2] == ["port", "link-type"]:
                    link = words[2]
                elif words[:3] == ["port", "default", "vlan"]:
                    pvid = words[3]
            rows.append(f"{iface.name:<28}{link:<13}{pvid:<6}-")
        return "\n".join(rows) + "\n"

    def mac_address(self, device: LabDevice) -> str:
        """``display mac-address``: neighbours learnt on layer-2 ports (in VLAN 1)."""
        rows = [
            "-" * 79,
            f"{'MAC Address':<15}{'VLAN/VSI/BD':<34}{'Learned-From':<20}Type",
            "-" * 79,
        ]
        count = 0
        for n in neighbors(device):
            node = device.running.child(f"interface {n.local.name}")
            if node is None or not switched_port(n.local.name, node):
                continue
            if not interface_state(device, n.local.name)[1]:
                continue
            count += 1
            rows.append(
                f"{mac_dashed(n.mac):<15}{'1/-/-':<34}{short_name(n.local.name):<20}dynamic"
            )
        rows += ["", "-" * 79, f"Total items displayed = {count}"]
        return "\n".join(rows) + "\n"

    def device_status(self, device: LabDevice) -> str:
        """``display device``."""
        model = self._model(device)
        if self.two_stage:
            rule = "-" * 91
            rows = [
                f"{model.split('-')[0]}'s Device status:",
                rule,
                f"{'Slot':<6}{'Card':<7}{'Type':<25}{'Online':<9}{'Power':<6}{'Register':<13}"
                f"{'Alarm':<10}Primary",
                rule,
                f"{'1':<6}{'-':<7}{model:<25}{'Present':<9}{'On':<6}{'Registered':<13}"
                f"{'Normal':<10}Master",
                f"{'PWR1':<6}{'-':<7}{'PAC-150WA':<25}{'Present':<9}{'On':<6}{'Registered':<13}"
                f"{'Normal':<10}NA",
                f"{'FAN1':<6}{'-':<7}{'FAN-40EA-F':<25}{'Present':<9}{'On':<6}{'Registered':<13}"
                f"{'Normal':<10}NA",
                rule,
            ]
            return "\n".join(rows) + "\n"
        rows = [
            f"{model.split('-')[0]}'s Device status:",
            "Slot Sub  Type                   Online    Power    Register     Status   Role  ",
            "-" * 79,
            f"0    -    {model:<23}Present   PowerOn  Registered   Normal   Master",
        ]
        return "\n".join(rows) + "\n"

    def manuinfo(self, device: LabDevice) -> str:
        """``display device manuinfo``: the board's manufacturing record."""
        model = self._model(device)
        lines = [
            "[Slot_0]",
            "/$[Board Properties]",
            "BoardType=" + model,
            "BarCode=" + self._serial(device),
            "Item=02351931",
            f"Description=Huawei {model} Switch",
            "Manufactured=2019-06-18",
            "VendorName=Huawei",
            "IssueNumber=00",
            "CLEICode=",
            "BOM=",
        ]
        return "\n".join(lines) + "\n"

    def cpu(self, device: LabDevice) -> str:
        """``display cpu-usage``."""
        now = device.now()
        rows = [
            "CPU Usage Stat. Cycle: 60 (Second)",
            "CPU Usage            : 6% Max: 21%",
            f"CPU Usage Stat. Time : {now:%Y-%m-%d  %H:%M:%S}",
            "CPU utilization for five seconds: 6%: one minute: 6%: five minutes: 6%",
            f"Max CPU Usage Stat. Time : {now:%Y-%m-%d %H:%M:%S}.",
            "",
            "TaskName        CPU  Runtime(CPU Tick High/Tick Low)  Task Explanation",
            "VIDL           94%         0/  b2d8c6e8       DOPRA IDLE",
            "OS              3%         0/   8f1c0a2       Operation System",
            "SOCK            1%         0/   3c0a6b1       SOCKPacket schedule and process",
        ]
        return "\n".join(rows) + "\n"

    def memory(self, device: LabDevice) -> str:
        """``display memory-usage``."""
        total = 2_048_000_000 if self.two_stage else 523_934_720
        used = total * 37 // 100
        rows = [
            f"Memory utilization statistics at {device.now():%Y-%m-%d %H:%M:%S}+00:00",
            f"System Total Memory Is: {total} bytes",
            f"Total Memory Used Is: {used} bytes",
            "Memory Using Percentage Is: 37%",
        ]
        return "\n".join(rows) + "\n"

    def ntp(self, device: LabDevice) -> str:
        """``display ntp status``: unsynchronised unless a server is configured."""
        server = next(
            (
                node.text.split()[2]
                for node in device.running.children
                if node.text.split()[:2]
                in (["ntp-service", "unicast-server"], ["ntp", "unicast-server"])
            ),
            None,
        )
        now = device.now()
        if server is None:
            status, stratum, ref, state = "unsynchronized", "16", "none", "clock not synchronized"
        else:
            status, stratum, ref, state = "synchronized", "3", server, "clock synchronized"
        lines = [
            f" clock status: {status}",
            f" clock stratum: {stratum}",
            f" reference clock ID: {ref}",
            " nominal frequency: 100.0000 Hz",
            " actual frequency: 100.0000 Hz",
            " clock precision: 2^17",
            " clock offset: 0.0000 ms",
            " root delay: 0.00 ms",
            " root dispersion: 0.00 ms",
            " peer dispersion: 0.00 ms",
            f" reference time: {now:%H:%M:%S}.000 UTC {now:%b} {now.day} {now:%Y}(00000000.00000000)",
            f" synchronization state: {state}",
        ]
        return "\n".join(lines) + "\n"

    def vpn_instances(self, device: LabDevice) -> str:
        """``display ip vpn-instance``."""
        found = []
        for node in device.running.children:
            if not node.text.startswith("ip vpn-instance "):
                continue
            name = node.text.split()[2]
            rd = next(
                (
                    c.text.split()[1]
                    for d, c in node.walk()
                    if c.text.startswith("route-distinguisher ")
                ),
                "",
            )
            found.append((name, rd))
        rows = [
            f" Total VPN-Instances configured      : {len(found)}",
            f" Total IPv4 VPN-Instances configured : {len(found)}",
            " Total IPv6 VPN-Instances configured : 0",
            "",
            f"  {'VPN-Instance Name':<32}{'RD':<22}Address-family",
        ]
        for name, rd in found:
            rows.append(f"  {name:<32}{rd:<22}IPv4")
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
