"""Settings of the inventory package, declared once (see :mod:`inventory.options`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .options import ConfigError, Option

OPTIONS: tuple[Option, ...] = (
    Option("database.url", None, "SQLAlchemy URL; default: a SQLite file in the instance folder"),
    Option("secret.key", None, "credential-store key (Fernet, base64)", secret=True),
    Option(
        "secret.key_file",
        None,
        "file holding the credential-store key; default instance/secret.key",
    ),
    Option("ipam.city_block", "10.112.0.0/13", "the city's block for node subnets"),
    Option("ipam.county_pool_length", 18, "prefix length of a county-level pool", int),
    Option("ipam.township_pool_length", 23, "prefix length of a township pool", int),
    Option(
        "ipam.subnet_lengths",
        {"access-switch": "27", "township-router": "28", "village-cpe": "29", "default": "28"},
        "default subnet length per node role",
        dict,
    ),
    Option("ipam.loopback_pool", "10.111.0.0/17", "pool of /32 management loopbacks"),
    Option("ipam.transit_pool", "10.110.0.0/16", "pool of point-to-point link subnets"),
    Option("ipam.transit_length", 30, "prefix length of a point-to-point subnet", int),
    Option(
        "ipam.management_subnet", "10.111.255.0/24", "the city management subnet (NMS, syslog, NTP)"
    ),
    Option("ipam.vlan_range", "100-3999", "VLAN ids handed out per node"),
    Option("ipam.rd_asn", 65001, "AS number used in route distinguishers and targets", int),
    Option("ipam.rd_range", "100-65000", "assigned numbers of route distinguishers"),
    Option(
        "ipam.intranet_blocks",
        "",
        "government intranet blocks (comma-separated CIDRs) that must never appear on the extranet",
    ),
)


def _range(text: str, key: str) -> tuple[int, int]:
    """Parse ``"100-3999"``.

    >>> _range("100-3999", "ipam.vlan_range")
    (100, 3999)
    """
    low, sep, high = str(text).partition("-")
    try:
        lo, hi = int(low), int(high)
    except ValueError:
        raise ConfigError(f"{key}: expected 'LOW-HIGH', got {text!r}") from None
    if not sep or lo > hi:
        raise ConfigError(f"{key}: expected 'LOW-HIGH' with LOW <= HIGH, got {text!r}")
    return lo, hi


def _blocks(text: Any, key: str) -> tuple[ipaddress.IPv4Network, ...]:
    """Comma- or space-separated CIDRs (or a list of them).

    >>> _blocks("10.200.0.0/16, 10.201.0.0/16", "k")
    (IPv4Network('10.200.0.0/16'), IPv4Network('10.201.0.0/16'))
    """
    items = text if isinstance(text, list | tuple) else str(text).replace(",", " ").split()
    try:
        return tuple(ipaddress.IPv4Network(str(item).strip()) for item in items)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


@dataclass(frozen=True)
class IpamSettings:
    """Address plan of the city: every number here is configuration."""

    city_block: ipaddress.IPv4Network = ipaddress.IPv4Network("10.112.0.0/13")  # noqa: RUF009 - immutable
    county_pool_length: int = 18
    township_pool_length: int = 23
    subnet_lengths: Mapping[str, int] = field(
        default_factory=lambda: {
            "access-switch": 27,
            "township-router": 28,
            "village-cpe": 29,
            "default": 28,
        }
    )
    loopback_pool: ipaddress.IPv4Network = ipaddress.IPv4Network("10.111.0.0/17")  # noqa: RUF009 - immutable
    transit_pool: ipaddress.IPv4Network = ipaddress.IPv4Network("10.110.0.0/16")  # noqa: RUF009 - immutable
    transit_length: int = 30
    management_subnet: ipaddress.IPv4Network = ipaddress.IPv4Network("10.111.255.0/24")  # noqa: RUF009 - immutable
    vlan_range: tuple[int, int] = (100, 3999)
    rd_asn: int = 65001
    rd_range: tuple[int, int] = (100, 65000)
    #: Government intranet space (physically isolated): never seen on the extranet.
    intranet_blocks: tuple[ipaddress.IPv4Network, ...] = ()

    def subnet_length(self, role: str) -> int:
        return self.subnet_lengths.get(role, self.subnet_lengths.get("default", 28))

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> IpamSettings:
        def net(key: str) -> ipaddress.IPv4Network:
            try:
                return ipaddress.IPv4Network(values[key])
            except ValueError as exc:
                raise ConfigError(f"{key}: {exc}") from None

        lengths = {k: int(v) for k, v in dict(values["ipam.subnet_lengths"]).items()}
        settings = cls(
            city_block=net("ipam.city_block"),
            county_pool_length=int(values["ipam.county_pool_length"]),
            township_pool_length=int(values["ipam.township_pool_length"]),
            subnet_lengths=lengths,
            loopback_pool=net("ipam.loopback_pool"),
            transit_pool=net("ipam.transit_pool"),
            transit_length=int(values["ipam.transit_length"]),
            management_subnet=net("ipam.management_subnet"),
            vlan_range=_range(values["ipam.vlan_range"], "ipam.vlan_range"),
            rd_asn=int(values["ipam.rd_asn"]),
            rd_range=_range(values["ipam.rd_range"], "ipam.rd_range"),
            intranet_blocks=_blocks(
                values.get("ipam.intranet_blocks") or "", "ipam.intranet_blocks"
            ),
        )
        pools = {
            "ipam.city_block": settings.city_block,
            "ipam.loopback_pool": settings.loopback_pool,
            "ipam.transit_pool": settings.transit_pool,
            "ipam.management_subnet": settings.management_subnet,
        }
        pools.update({f"ipam.intranet_blocks {b}": b for b in settings.intranet_blocks})
        items = list(pools.items())
        for i, (key_a, a) in enumerate(items):
            for key_b, b in items[i + 1 :]:
                if a.overlaps(b):
                    raise ConfigError(f"{key_a} {a} overlaps {key_b} {b}")
        return settings


@dataclass(frozen=True)
class InventorySettings:
    """What the inventory needs from configuration."""

    database_url: str
    secret_key: str | None
    secret_key_file: str
    ipam: IpamSettings

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, instance_path: str) -> InventorySettings:
        url = values["database.url"] or f"sqlite:///{instance_path}/egovnet.db"
        key_file = values["secret.key_file"] or f"{instance_path}/secret.key"
        return cls(
            database_url=url,
            secret_key=values["secret.key"],
            secret_key_file=key_file,
            ipam=IpamSettings.from_values(values),
        )
