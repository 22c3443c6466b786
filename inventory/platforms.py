"""Platform facts: one place per platform, for the product and the lab alike.

How a platform names its ports, VLAN interfaces and loopback, how it numbers
ifIndex, how fast its uplink port is, its representative model and software
release, the command that shows its version and the largest SNMP message its
agent sends. The
seeder, the lab's topology, the SNMP samples and the scale benchmark all read
these instead of keeping their own copies.
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

    def port_name(self, n: int) -> str:
        """The name of port ``n``.

        >>> PLATFORMS["huawei_vrp8"].port_name(3)
        'GE1/0/3'
        """
        return self.port.format(n=n)


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
            model="S5720-28X-SI-AC",
            show_version="display version",
            snmp_max_message=12000,
        ),
        PlatformFacts(
            slug="huawei_vrp8",
            vendor="HUAWEI",
            port="GE1/0/{n}",
            svi="Vlanif{n}",
            loopback="LoopBack0",
            if_index_offset=1,
            uplink_bps=10 * GBIT,
            port_bps=GBIT,
            model="CE6850-48T4Q-EI",
            show_version="display version",
            snmp_max_message=12000,
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
