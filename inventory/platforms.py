"""Platform facts: one place per platform, for the product and the lab alike.

How a platform names its ports, VLAN interfaces and loopback, how it numbers
ifIndex, how fast its uplink port is, its representative model and software
release, the command that shows its version and the largest SNMP message its
agent sends. The
seeder, the lab's topology, the SNMP samples and the scale benchmark all read
these instead of keeping their own copies.

Where a platform states its software and port layout (``software_*``,
``port_groups``), every lab view of it (CLI ``display version``, sysDescr,
LLDP system description, port speeds in ``display interface`` and
ifSpeed/ifHighSpeed) derives from these values:

* ``huawei_vrp5``: S5720-32X-EI-AC, VRP 5.170 V200R011C10SPC500; 28 GE ports
  ``GigabitEthernet0/0/1-28`` (1000 Mb/s), 4 10GE SFP+ ``XGigabitEthernet0/0/1-4``.
* ``huawei_vrp8``: CE5850-48T4S2Q-EI, VRP 8.150 V200R002C50SPC800; 48 GE ports
  ``GE1/0/1-48``, 4 10GE SFP+ ``10GE1/0/1-4``, 2 40GE QSFP+ ``40GE1/0/1-2``.
"""

from __future__ import annotations

from dataclasses import dataclass

GBIT = 1_000_000_000


@dataclass(frozen=True)
class PlatformFacts:
    """What egovnet knows of one platform (the ``platform`` of a node)."""

    slug: str
    vendor: str
    #: ``str.format`` template of port ``n`` (1-based).
    port: str
    #: ``str.format`` template of the VLAN interface of VLAN ``n``.
    svi: str
    loopback: str
    #: ifIndex of port ``n`` is ``n + if_index_offset``.
    if_index_offset: int
    #: Speed of port 1 (the uplink), of every other port ``port_bps``.
    uplink_bps: int
    port_bps: int
    model: str
    show_version: str
    #: Largest SNMP message the platform's agent sends (its default packet size).
    snmp_max_message: int
    #: The software release the platform runs, as ``show/display version`` prints it
    #: (``15.2(4)E10``; ``7.1.070, Release 6635P07``); empty where not pinned here.
    software: str = ""
    #: Software the devices run: version (``5.170``), release (``V200R011C10SPC500``)
    #: and the series name the version line carries (``S5720``).
    software_version: str = ""
    software_release: str = ""
    series: str = ""
    #: Front-panel layout: (name template, count, bit/s) per port group, in panel order.
    port_groups: tuple[tuple[str, int, int], ...] = ()

    def port_name(self, n: int) -> str:
        """The name of port ``n``.

        >>> PLATFORMS["huawei_vrp8"].port_name(3)
        'GE1/0/3'
        """
        return self.port.format(n=n)

    def port_speed(self, name: str) -> int | None:
        """The speed of the port called ``name`` by the layout, None if not a panel port.

        >>> PLATFORMS["huawei_vrp5"].port_speed("XGigabitEthernet0/0/2")
        10000000000
        >>> PLATFORMS["huawei_vrp8"].port_speed("GE1/0/48"), PLATFORMS["huawei_vrp8"].port_speed("GE1/0/49")
        (1000000000, None)
        """
        for template, count, bps in self.port_groups:
            head, _, tail = template.partition("{n}")
            if name.startswith(head) and name.endswith(tail):
                number = name[len(head) : len(name) - len(tail)]
                if number.isdigit() and 1 <= int(number) <= count:
                    return bps
        return None


PLATFORMS: dict[str, PlatformFacts] = {
    p.slug: p
    for p in (
        PlatformFacts(
            slug="huawei_vrp5",
            vendor="HUAWEI",
            port="GigabitEthernet0/0/{n}",
            svi="Vlanif{n}",
            loopback="LoopBack0",
            if_index_offset=1,
            uplink_bps=GBIT,
            port_bps=GBIT,
            model="S5720-32X-EI-AC",
            show_version="display version",
            snmp_max_message=12000,
            software_version="5.170",
            software_release="V200R011C10SPC500",
            series="S5720",
            port_groups=(
                ("GigabitEthernet0/0/{n}", 28, GBIT),
                ("XGigabitEthernet0/0/{n}", 4, 10 * GBIT),
            ),
        ),
        PlatformFacts(
            slug="huawei_vrp8",
            vendor="HUAWEI",
            port="GE1/0/{n}",
            svi="Vlanif{n}",
            loopback="LoopBack0",
            if_index_offset=1,
            uplink_bps=GBIT,
            port_bps=GBIT,
            model="CE5850-48T4S2Q-EI",
            show_version="display version",
            snmp_max_message=12000,
            software_version="8.150",
            software_release="V200R002C50SPC800",
            series="CE5850EI",
            port_groups=(
                ("GE1/0/{n}", 48, GBIT),
                ("10GE1/0/{n}", 4, 10 * GBIT),
                ("40GE1/0/{n}", 2, 40 * GBIT),
            ),
        ),
        PlatformFacts(
            slug="h3c_comware7",
            vendor="H3C",
            port="GigabitEthernet1/0/{n}",
            svi="Vlan-interface{n}",
            loopback="LoopBack0",
            if_index_offset=0,
            uplink_bps=GBIT,
            port_bps=GBIT,
            model="S5560X-30C-EI",
            show_version="display version",
            snmp_max_message=1500,
            software="7.1.070, Release 6635P07",
        ),
        PlatformFacts(
            slug="cisco_ios",
            vendor="CISCO",
            port="GigabitEthernet0/{n}",
            svi="Vlan{n}",
            loopback="Loopback0",
            if_index_offset=0,
            uplink_bps=GBIT,
            port_bps=GBIT,
            model="WS-C3560X-24T-S",
            show_version="show version",
            snmp_max_message=1500,
            software="15.2(4)E10",
        ),
    )
}


def facts(slug: str) -> PlatformFacts:
    """The facts of platform ``slug``; an unknown slug names the known ones (``KeyError``)."""
    try:
        return PLATFORMS[slug]
    except KeyError:
        raise KeyError(f"unknown platform {slug!r} (known: {', '.join(PLATFORMS)})") from None
