"""What each platform's SNMP agent says about itself, as frozen data.

Texts follow the shape real devices print (sysDescr lines separated by CRLF);
sysObjectID values sit under the right enterprise (Huawei 2011, H3C 25506,
Cisco 9) and are representative of the series, not a per-model registry.
Models and maximum packet sizes come from :mod:`inventory.platforms` (the
platform defaults: Huawei ``snmp-agent packet max-size`` 12000; H3C
``snmp-agent packet max-size`` 1500; Cisco ``snmp-server packetsize`` 1500):
a GETBULK answer never exceeds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inventory.platforms import facts
from lab.snmp.errors import SnmpLabError
from snmpcodec.ber import Oid


@dataclass(frozen=True)
class SnmpPlatform:
    """One platform's agent identity and limits."""

    slug: str
    #: ``str.format`` template; fields: ``model``, ``hostname``, ``software``.
    sys_descr: str
    sys_object_id: Oid
    default_model: str
    default_contact: str
    default_location: str
    max_packet: int
    #: ``(long prefix, short prefix)`` pairs for ifName; empty = ifName is ifDescr.
    short_names: tuple[tuple[str, str], ...] = ()
    #: ifSpeed/ifHighSpeed report the interface ``bandwidth`` when configured (IOS does;
    #: VRP and Comware report the port's speed whatever ``bandwidth`` says).
    speed_follows_bandwidth: bool = False

    def describe(self, model: str, hostname: str) -> str:
        """sysDescr (and the LLDP system description) of a device of this platform."""
        return self.sys_descr.format(
            model=model or self.default_model, hostname=hostname, software=facts(self.slug).software
        )


_V5, _V8 = facts("huawei_vrp5"), facts("huawei_vrp8")

PLATFORMS: dict[str, SnmpPlatform] = {
    p.slug: p
    for p in (
        SnmpPlatform(
            slug="huawei_vrp5",
            sys_descr=(
                "Huawei Versatile Routing Platform Software\r\n"
                f"VRP (R) software, Version {_V5.software_version} "
                f"({_V5.series} {_V5.software_release})\r\n"
                "Copyright (C) 2000-2018 HUAWEI TECH Co., Ltd.\r\n"
                "HUAWEI {model}"
            ),
            sys_object_id=(1, 3, 6, 1, 4, 1, 2011, 2, 23, 456),
            default_model=facts("huawei_vrp5").model,
            default_contact="R&D Beijing, Huawei Technologies co.,Ltd.",
            default_location="Beijing China",
            max_packet=facts("huawei_vrp5").snmp_max_message,
        ),
        SnmpPlatform(
            slug="huawei_vrp8",
            sys_descr=(
                "Huawei Versatile Routing Platform Software\r\n"
                f"VRP (R) software, Version {_V8.software_version} "
                f"({_V8.series} {_V8.software_release})\r\n"
                "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\r\n"
                "HUAWEI {model}\r\n"
            ),
            sys_object_id=(1, 3, 6, 1, 4, 1, 2011, 2, 239, 35),
            default_model=facts("huawei_vrp8").model,
            default_contact="R&D Beijing, Huawei Technologies co.,Ltd.",
            default_location="Beijing China",
            max_packet=facts("huawei_vrp8").snmp_max_message,
        ),
        SnmpPlatform(
            slug="h3c_comware7",
            sys_descr=(
                "H3C Comware Platform Software, Software Version {software}\r\n"
                "H3C {model}\r\n"
                "Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved."
            ),
            sys_object_id=(1, 3, 6, 1, 4, 1, 25506, 1, 1730),
            default_model=facts("h3c_comware7").model,
            default_contact="New H3C Technologies Co., Ltd.",
            default_location="Hangzhou, China",
            max_packet=facts("h3c_comware7").snmp_max_message,
        ),
        SnmpPlatform(
            slug="cisco_ios",
            sys_descr=(
                "Cisco IOS Software, C3560E Software (C3560E-UNIVERSALK9-M), "
                "Version {software}, RELEASE SOFTWARE (fc2)\r\n"
                "Technical Support: http://www.cisco.com/techsupport\r\n"
                "Copyright (c) 1986-2020 by Cisco Systems, Inc.\r\n"
                "Compiled Tue 31-Mar-20 03:07 by prod_rel_team"
            ),
            sys_object_id=(1, 3, 6, 1, 4, 1, 9, 1, 1208),
            default_model=facts("cisco_ios").model,
            default_contact="",
            default_location="",
            max_packet=facts("cisco_ios").snmp_max_message,
            speed_follows_bandwidth=True,
            short_names=(
                ("TenGigabitEthernet", "Te"),
                ("GigabitEthernet", "Gi"),
                ("FastEthernet", "Fa"),
                ("Port-channel", "Po"),
                ("Loopback", "Lo"),
                ("Ethernet", "Et"),
                ("Serial", "Se"),
                ("Tunnel", "Tu"),
            ),
        ),
    )
}


def platform(slug: str) -> SnmpPlatform:
    """The platform for ``slug``; an unknown slug names the known ones."""
    try:
        return PLATFORMS[slug]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise SnmpLabError(f"unknown platform {slug!r} (known: {known})") from None


@dataclass(frozen=True)
class IfKind:
    """ifType and ifMtu for interfaces whose name matches ``pattern``."""

    pattern: str
    if_type: int
    mtu: int
    has_mac: bool = True
    connector: bool = True


#: First match wins; IANAifType values.
IF_KINDS: tuple[IfKind, ...] = (
    IfKind(r"(?i)^(vlanif|vlan-interface|vlan)\d", 136, 1500, connector=False),
    IfKind(r"(?i)^loop ?back", 24, 1500, has_mac=False, connector=False),
    IfKind(r"(?i)^(eth-trunk|bridge-aggregation|route-aggregation|port-channel)", 161, 1500),
    IfKind(r"(?i)^tunnel", 131, 1476, has_mac=False, connector=False),
    IfKind(r"(?i)^null", 1, 1500, has_mac=False, connector=False),
    IfKind(r"(?i)^serial", 22, 1500, has_mac=False),
    IfKind(r"(?i)^(nve|vbdif)", 53, 1500, connector=False),
    IfKind(r"", 6, 1500),
)
_IF_KIND_RE = tuple((re.compile(kind.pattern), kind) for kind in IF_KINDS)


def if_kind(name: str) -> IfKind:
    """The :class:`IfKind` of an interface name.

    >>> if_kind("Vlanif10").if_type, if_kind("GigabitEthernet0/0/1").if_type
    (136, 6)
    """
    for regex, kind in _IF_KIND_RE:
        if regex.match(name):
            return kind
    return IF_KINDS[-1]


def if_name(plat: SnmpPlatform, name: str) -> str:
    """ifName as the platform prints it.

    >>> if_name(PLATFORMS["cisco_ios"], "GigabitEthernet1/0/2")
    'Gi1/0/2'
    >>> if_name(PLATFORMS["huawei_vrp5"], "GigabitEthernet0/0/1")
    'GigabitEthernet0/0/1'
    """
    for long, short in plat.short_names:
        if name.startswith(long):
            return short + name[len(long) :]
    return name
