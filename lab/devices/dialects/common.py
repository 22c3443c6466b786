"""Facts shared by every platform's show/display output, derived from the spec."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lab.model import LabInterface, LabRoute, chassis_mac, routing_table, stable_mac
from lab.snmp.platforms import if_name, platform

if TYPE_CHECKING:
    from lab.devices.device import LabDevice


@dataclass(frozen=True)
class Neighbor:
    """The device and interface at the other end of a link."""

    local: LabInterface
    hostname: str
    interface: str
    address: str | None
    #: MAC of the peer's interface (ARP), and the peer's chassis id (LLDP).
    mac: str
    chassis: str
    #: The LLDP port id the peer advertises (IOS: the short name ``Gi0/1``).
    port_id: str


def mac_digits(mac: str) -> str:
    """12 lower-case hex digits.

    >>> mac_digits("00:E0:FC:12:34:56")
    '00e0fc123456'
    """
    digits = "".join(c for c in mac.lower() if c in "0123456789abcdef")
    return digits.rjust(12, "0")[:12]


def mac_dashed(mac: str) -> str:
    """Huawei/H3C form ``00e0-fc12-3456``."""
    d = mac_digits(mac)
    return f"{d[0:4]}-{d[4:8]}-{d[8:12]}"


def mac_dotted(mac: str) -> str:
    """Cisco form ``00e0.fc12.3456``."""
    d = mac_digits(mac)
    return f"{d[0:4]}.{d[4:8]}.{d[8:12]}"


def split_address(address: str | None) -> tuple[str, str, int] | None:
    """``10.0.0.1/30`` -> (ip, mask, length)."""
    if not address:
        return None
    iface = ipaddress.IPv4Interface(address)
    return str(iface.ip), str(iface.netmask), iface.network.prefixlen


def neighbors(device: LabDevice) -> list[Neighbor]:
    """Neighbours (LLDP, ARP) of ``device``, on links that are operationally up.

    A neighbour disappears when its link goes down, as the LLDP-MIB row does.
    """
    result = []
    network = device.runtime.network
    for iface in device.spec.interfaces:
        if not (iface.peer_device and iface.peer_interface):
            continue
        if not interface_state(device, iface.name)[1]:
            continue
        peer = network.devices.get(iface.peer_device) if network else None
        hostname = peer.spec.hostname if peer else iface.peer_device
        peer_if = None
        if peer:
            peer_if = next(
                (i for i in peer.spec.interfaces if i.name == iface.peer_interface), None
            )
        result.append(
            Neighbor(
                local=iface,
                hostname=hostname,
                interface=iface.peer_interface,
                address=peer_if.address if peer_if else None,
                mac=peer_if.mac if peer_if else stable_mac(iface.peer_device),
                chassis=chassis_mac(peer.spec) if peer else stable_mac(iface.peer_device),
                port_id=(
                    if_name(platform(peer.spec.platform), iface.peer_interface)
                    if peer
                    else iface.peer_interface
                ),
            )
        )
    return result


def connected_routes(device: LabDevice) -> list[LabRoute]:
    """Direct routes of the addressed interfaces followed by the spec's routes."""
    return routing_table(device.spec)


def uptime_parts(seconds: int) -> tuple[int, int, int, int]:
    """(weeks, days, hours, minutes)."""
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    weeks, days = divmod(days, 7)
    return weeks, days, hours, minutes


def interface_state(device: LabDevice, name: str) -> tuple[bool, bool]:
    """(admin up, oper up) for an interface; unknown names count as up."""
    admin = device.admin_up(name)
    try:
        oper = device.runtime.oper_up(name) and admin
    except KeyError:
        oper = admin
    return admin, oper


def interface_names(device: LabDevice) -> list[str]:
    """Interfaces of the spec, then configured ones the spec does not know (Loopbacks)."""
    names = [i.name for i in device.spec.interfaces]
    for node in device.running.children:
        if node.text.startswith("interface "):
            name = node.text.split(" ", 1)[1]
            if name not in names:
                names.append(name)
    return names


def configured_description(device: LabDevice, name: str) -> str:
    """Description from the running configuration."""
    node = device.running.child(f"interface {name}")
    if node:
        for child in node.children:
            if child.text.startswith("description "):
                return child.text[len("description ") :]
    return ""


def configured_bandwidth(device: LabDevice, name: str) -> int | None:
    """The number of the interface's ``bandwidth`` line (kbit/s on IOS/Comware, Mbit/s on VRP)."""
    node = device.running.child(f"interface {name}")
    if node:
        for child in node.children:
            words = child.text.split()
            if words[0] == "bandwidth" and len(words) == 2 and words[1].isdigit():
                return int(words[1])
    return None


def configured_address(device: LabDevice, name: str) -> tuple[str, str] | None:
    """(ip, mask) from the running configuration."""
    node = device.running.child(f"interface {name}")
    if node:
        for child in node.children:
            words = child.text.split()
            if words[:2] == ["ip", "address"] and len(words) >= 4:
                mask = words[3]
                if mask.isdigit():
                    mask = str(ipaddress.IPv4Network(f"0.0.0.0/{mask}").netmask)
                return words[2], mask
    return None


def spec_interface(device: LabDevice, name: str) -> LabInterface | None:
    """The spec's interface of that name."""
    return next((i for i in device.spec.interfaces if i.name == name), None)


def prefixlen(mask: str) -> int:
    """Dotted mask -> length."""
    return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen


def shorten(name: str, table: tuple[tuple[str, str], ...]) -> str:
    """The short form of an interface name by a platform's ``(full, short)`` table.

    >>> shorten("GigabitEthernet0/1", (("GigabitEthernet", "Gi"),))
    'Gi0/1'
    """
    for full, short in table:
        if name.startswith(full):
            return short + name[len(full) :]
    return name
