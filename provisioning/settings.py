"""Settings of the renderer: every number and address here is configuration.

Built from the inventory's address plan (management subnet, AS number) plus
the few facts the inventory does not hold (where syslog, NTP and the NMS live
in the management subnet, the banner, the egress NAT pool, the DHCP server).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from inventory.settings import IpamSettings


@dataclass(frozen=True)
class RenderSettings:
    """What every rendered configuration shares (city-wide policy)."""

    management_subnet: ipaddress.IPv4Network = ipaddress.IPv4Network("10.111.255.0/24")  # noqa: RUF009 - immutable
    asn: int = 65001
    #: Host numbers inside the management subnet.
    nms_host: int = 10
    syslog_host: int = 11
    ntp_host: int = 12
    #: DHCP server for department VLANs (host number in the management subnet); 0: no relay.
    dhcp_host: int = 0
    banner: str = "Authorized access only: Nanyang e-government extranet"
    #: Local account egovnet logs in with, and the SNMPv3 user of the NMS.
    local_user: str = "netops"
    snmp_user: str = "nms"
    snmp_group: str = "NMS"
    #: Number of the basic ACL that guards the management plane (B11).
    management_acl: int = 2001
    idle_timeout_minutes: int = 10
    lockout_failures: int = 3
    lockout_minutes: int = 30
    #: Egress: the ISP-side address (``/30``, the ISP is the other host) and the NAT pool.
    isp_network: ipaddress.IPv4Network = ipaddress.IPv4Network("203.0.113.0/30")  # noqa: RUF009 - immutable
    nat_pool: tuple[str, str] = ("203.0.113.10", "203.0.113.20")
    #: Host name prefix of nodes whose code does not start with a letter.
    sysname_prefix: str = "NY"
    #: Access ports per department switch in the department VLAN (ports 2..n+1).
    access_ports: int = 4
    ospf_area: str = "0.0.0.0"  # noqa: S104 - an OSPF area id, not a bind address
    #: IOS ``archive`` path (NAPALM's ios driver needs the archive for configure replace,
    #: revert timers and rollback); ``bootflash:archive`` on platforms without ``flash:``.
    ios_archive_path: str = "flash:archive"

    @classmethod
    def from_ipam(cls, ipam: IpamSettings, **overrides: object) -> RenderSettings:
        """Settings that follow the inventory's address plan."""
        base = cls(management_subnet=ipam.management_subnet, asn=ipam.rd_asn)
        return replace(base, **overrides)  # type: ignore[arg-type]

    def host(self, number: int) -> str:
        """Address of host ``number`` of the management subnet.

        >>> RenderSettings().host(11)
        '10.111.255.11'
        """
        return str(self.management_subnet.network_address + number)
