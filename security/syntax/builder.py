"""The mutable side of model parsing: handlers fill a :class:`Builder`, which freezes a Device."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from security.configtree import line_of
from security.errors import ConfigError
from security.model import (
    ANY,
    Acl,
    AclBinding,
    AclRule,
    Device,
    Iface,
    Interface,
    IPv4,
    LocalUser,
    Management,
    NatOutbound,
    Net,
    PolicyRule,
    RouteTarget,
    SnmpUser,
    Src,
    StaticRoute,
    Vrf,
    Vty,
)

if TYPE_CHECKING:
    from hier_config import HConfig, HConfigChild

    from security.syntax.base import Syntax


#: Dotted masks and their lengths.
MASKS = {str(ipaddress.IPv4Network(f"0.0.0.0/{n}").netmask): n for n in range(33)}


def ip_int(text: str) -> int | None:
    """``10.1.2.3`` -> its integer, None when it is not a dotted quad (ipaddress is 5x slower).

    >>> ip_int("10.0.0.1"), ip_int("10.0.0.256"), ip_int("1.2.3")
    (167772161, None, None)
    """
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3:
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = value << 8 | octet
    return value


@lru_cache(maxsize=16384)
def _address(text: str) -> IPv4 | None:
    """``IPv4Address`` of a dotted quad, shared: the same texts recur in every device (servers,
    ACL sources); the cache is bounded, so hostile input costs only misses."""
    value = ip_int(text)
    return None if value is None else ipaddress.IPv4Address(value)


@lru_cache(maxsize=4096)
def _wildcard(address: str, wildcard: str) -> Net | None:
    """``10.1.1.0 0.0.0.255`` -> 10.1.1.0/24, None for a bad address or wildcard.

    Cached: every device of a city carries the same few ACLs (measured, bench_policy:
    building the networks was 0.25 s of a 1.5 s cold city).
    """
    addr = _address(address)
    if addr is None:
        return None
    if wildcard == "0":
        return ipaddress.IPv4Network((int(addr), 32))
    wild_addr = _address(wildcard)
    if wild_addr is None:
        return None
    wild = int(wild_addr)
    hostbits = (wild + 1).bit_length() - 1
    if wild != (1 << hostbits) - 1:
        return ANY  # non-contiguous: the smallest honest answer is "any"
    return ipaddress.IPv4Network((int(addr) & ~wild & 0xFFFFFFFF, 32 - hostbits))


def src(node: HConfigChild) -> Src:
    return Src(node.facts.get("line", 0), node.text)  # line_of, inlined: one per parsed line


@dataclass
class _Iface:
    name: str
    src: Src
    description: str = ""
    vrf: str | None = None
    vrf_src: Src | None = None
    addresses: list[tuple[Iface, Src]] = field(default_factory=list)
    shutdown: bool = False
    nat: list[NatOutbound] = field(default_factory=list)
    acls: list[AclBinding] = field(default_factory=list)
    access_vlan: int | None = None
    nat_outside: Src | None = None


@dataclass
class _User:
    name: str
    auth: str | None = None
    priv: str | None = None
    acl: str | None = None
    srcs: list[Src] = field(default_factory=list)


class Builder:
    """Collects what the handlers read; :meth:`device` freezes it."""

    def __init__(self, syntax: Syntax, name: str, source: str) -> None:
        self.syntax = syntax
        self.name = name
        self.source = source
        self.hostname: str | None = None
        self.interfaces: dict[str, _Iface] = {}
        self.current: _Iface | None = None
        self.vlans: set[int] = set()
        self.vrfs: dict[str, Vrf] = {}
        self.routes: list[StaticRoute] = []
        self.acls: dict[str, Acl] = {}
        self.nat_global: list[Src] = []
        self.mgmt: dict[str, object] = {}
        self.vty: list[Vty] = []
        self.communities: list[object] = []
        self.users: dict[str, _User] = {}
        self.groups: list[tuple[str, str | None, str | None, Src]] = []
        self.syslog: list[tuple[IPv4, Src]] = []
        self.ntp: list[tuple[IPv4, Src]] = []
        self.local_users: dict[str, LocalUser] = {}
        self.lockout: list[Src] = []
        self.http: list[Src] = []
        self.ftp: list[Src] = []
        self.policy: list[PolicyRule] = []

    # -- helpers for handlers ----------------------------------------------------
    def fail(self, node: HConfigChild, message: str) -> ConfigError:
        return ConfigError(f"{message}: {node.text!r}", source=self.source, line=line_of(node))

    def ip(self, node: HConfigChild, text: str) -> IPv4:
        value = _address(text)
        if value is None:
            raise self.fail(node, f"{text!r} is not an IPv4 address")
        return value

    def mask_length(self, node: HConfigChild, text: str) -> int:
        """A mask as printed: dotted (``255.255.255.0``) or a length (``24``)."""
        if text.isdigit() and int(text) <= 32:
            return int(text)
        length = MASKS.get(text)
        if length is None:
            raise self.fail(node, f"{text!r} is not a network mask")
        return length

    def wildcard_net(self, node: HConfigChild, address: str, wildcard: str) -> Net:
        """``10.1.1.0 0.0.0.255`` -> 10.1.1.0/24 (``0`` = host); non-contiguous -> any."""
        net = _wildcard(address, wildcard)
        if net is None:
            self.ip(node, address)
            self.ip(node, wildcard)  # one of them is no address: raises naming it
            raise self.fail(node, f"{address} {wildcard} is not an address and wildcard")
        return net

    def interface(self, node: HConfigChild) -> _Iface:
        name = node.text.split(" ", 1)[1] if " " in node.text else ""
        iface = self.interfaces.get(name)
        if iface is None:
            iface = self.interfaces[name] = _Iface(name, src(node))
        return iface

    def user(self, name: str) -> _User:
        user = self.users.get(name)
        if user is None:
            user = self.users[name] = _User(name)
        return user

    def walk(self, node: HConfig | HConfigChild, table: str = "top") -> None:
        """Dispatch every child of ``node`` through the ``top`` or ``interface`` table."""
        finder = self.syntax.top_handler if table == "top" else self.syntax.interface_handler
        for child in node.children:
            handler = finder(child.text)
            if handler is not None:
                handler(self, child)

    # -- freezing ------------------------------------------------------------------
    def device(self, lines: int) -> Device:
        interfaces: dict[str, Interface] = {}
        for b in self.interfaces.values():
            nat = list(b.nat)
            if b.nat_outside is not None and self.nat_global:
                nat.append(NatOutbound(b.name, None, b.nat_outside))
            interfaces[b.name] = Interface(
                name=b.name,
                src=b.src,
                description=b.description,
                vrf=b.vrf,
                vrf_src=b.vrf_src,
                addresses=tuple(b.addresses),
                shutdown=b.shutdown,
                nat_outbound=tuple(nat),
                acls=tuple(b.acls),
                access_vlan=b.access_vlan,
            )
        m = dict(self.mgmt)
        users = tuple(
            SnmpUser(u.name, u.auth, u.priv, u.acl, tuple(u.srcs)) for u in self.users.values()
        )
        management = replace(
            Management(),
            **m,  # type: ignore[arg-type]
            vty=tuple(self.vty),
            communities=tuple(self.communities),  # type: ignore[arg-type]
            snmp_users=users,
            snmp_groups=tuple(self.groups),
            syslog=tuple(self.syslog),
            ntp=tuple(self.ntp),
            local_users=tuple(self.local_users.values()),
            lockout=tuple(self.lockout),
            http=tuple(self.http),
            ftp=tuple(self.ftp),
        )
        return Device(
            name=self.name,
            platform=self.syntax.slug,
            source=self.source,
            hostname=self.hostname,
            interfaces=interfaces,
            vlans=tuple(sorted(self.vlans)),
            vrfs=dict(self.vrfs),
            routes=tuple(self.routes),
            acls=dict(self.acls),
            nat_global=tuple(self.nat_global),
            management=management,
            policy_rules=tuple(self.policy),
            lines=lines,
        )


__all__ = ["AclRule", "Builder", "RouteTarget", "src"]
