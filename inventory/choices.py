"""Closed vocabularies of the inventory (levels, roles, platforms, ...)."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Level(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


#: Level order, top first: a division node's parent is one level up.
LEVEL_ORDER: tuple[Level, ...] = (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


class Network(StrEnum):
    EXTRANET = "extranet"
    INTRANET = "intranet"
    INTERNET = "internet"


class Role(StrEnum):
    CORE = "core"
    EGRESS_FIREWALL = "egress-firewall"
    AGGREGATION = "aggregation"
    TOWNSHIP_ROUTER = "township-router"
    VILLAGE_CPE = "village-cpe"
    ACCESS_SWITCH = "access-switch"
    FIREWALL = "firewall"
    VPN_GATEWAY = "vpn-gateway"
    SERVER = "server"
    ISP = "isp"


#: The node that stands for a division at each level, and the level it belongs to.
DIVISION_ROLE_LEVEL: dict[Role, Level] = {
    Role.CORE: Level.CITY,
    Role.AGGREGATION: Level.COUNTY,
    Role.TOWNSHIP_ROUTER: Level.TOWNSHIP,
    Role.VILLAGE_CPE: Level.VILLAGE,
}


class Platform(StrEnum):
    HUAWEI_VRP5 = "huawei_vrp5"
    HUAWEI_VRP8 = "huawei_vrp8"
    H3C_COMWARE7 = "h3c_comware7"
    CISCO_IOS = "cisco_ios"


class Status(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    RETIRED = "retired"


class LinkKind(StrEnum):
    UPLINK = "uplink"
    PEER = "peer"
    ISP = "isp"
    INTRANET = "intranet"


class ZoneKind(StrEnum):
    PUBLIC = "public"
    INTERNET_ACCESS = "internet-access"
    PRIVATE = "private"


class PrefixRole(StrEnum):
    CITY_BLOCK = "city-block"
    COUNTY_POOL = "county-pool"
    TOWNSHIP_POOL = "township-pool"
    SUBNET = "subnet"
    LOOPBACK_POOL = "loopback-pool"
    LOOPBACK = "loopback"
    TRANSIT_POOL = "transit-pool"
    P2P = "p2p"
    MANAGEMENT = "management"


#: Roles that are pools (containers); every other role is an allocation.
POOL_ROLES = frozenset(
    {
        PrefixRole.CITY_BLOCK,
        PrefixRole.COUNTY_POOL,
        PrefixRole.TOWNSHIP_POOL,
        PrefixRole.LOOPBACK_POOL,
        PrefixRole.TRANSIT_POOL,
        PrefixRole.MANAGEMENT,
    }
)


class AllocationKind(StrEnum):
    """What ``egovnet inventory allocate --kind`` hands out."""

    PREFIX = "prefix"
    VLAN = "vlan"
    LOOPBACK = "loopback"
    P2P = "p2p"
    RD = "rd"


E = TypeVar("E", bound=StrEnum)


def parse_choice(enum: type[E], value: object, field: str) -> E:
    """Return ``value`` as a member of ``enum`` or raise a message naming the choices.

    >>> parse_choice(Level, "county", "level")
    <Level.COUNTY: 'county'>
    >>> parse_choice(Level, "province", "level")
    Traceback (most recent call last):
    ...
    ValueError: level: 'province' is not one of city, county, township, village
    """
    try:
        return enum(str(value))
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise ValueError(f"{field}: {value!r} is not one of {known}") from None
