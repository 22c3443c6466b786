"""The network model of device configurations (VRP5, VRP8, Comware 7, IOS).

A :class:`Device` is what security needs to know of one configuration:
interfaces (addresses, VRF binding, NAT outbound, ACLs applied), VLANs,
VRFs/vpn-instances (RD, route-target import/export), static routes per VRF,
ACLs, the management plane (SSH, Telnet, vty lines, SNMP communities and
users, syslog, NTP, AAA, banners, HTTP/FTP servers) and firewall policy
rules. Every item keeps its 1-based source line (:class:`Src`).

Parsing is a hier_config tree (:mod:`security.configtree`) walked with the
platform's handler tables (:mod:`security.syntax`): vendors are data plus
small shared handlers, never ``if vendor ==`` branches here.
"""

from __future__ import annotations

import gc
import ipaddress
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

IPv4 = ipaddress.IPv4Address
Net = ipaddress.IPv4Network
Iface = ipaddress.IPv4Interface

ANY = ipaddress.IPv4Network("0.0.0.0/0")


class Src(NamedTuple):
    """A source line: 1-based number and the text as printed (words single-spaced).

    A NamedTuple: one is made per parsed line, and a frozen dataclass costs 3x more.
    """

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class NatOutbound:
    interface: str
    acl: str | None
    src: Src


@dataclass(frozen=True, slots=True)
class AclBinding:
    """An ACL applied somewhere: ``where`` is an interface, ``vty``, ``snmp``, ``ssh``..."""

    acl: str
    where: str
    direction: str
    src: Src


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    src: Src
    description: str = ""
    vrf: str | None = None
    vrf_src: Src | None = None
    addresses: tuple[tuple[Iface, Src], ...] = ()
    shutdown: bool = False
    nat_outbound: tuple[NatOutbound, ...] = ()
    acls: tuple[AclBinding, ...] = ()
    access_vlan: int | None = None


@dataclass(frozen=True, slots=True)
class RouteTarget:
    value: str
    direction: str  # import | export
    src: Src


@dataclass(frozen=True, slots=True)
class Vrf:
    name: str
    src: Src
    rd: str | None = None
    rd_src: Src | None = None
    targets: tuple[RouteTarget, ...] = ()

    def imports(self) -> tuple[RouteTarget, ...]:
        return tuple(t for t in self.targets if t.direction == "import")

    def exports(self) -> tuple[RouteTarget, ...]:
        return tuple(t for t in self.targets if t.direction == "export")


@dataclass(frozen=True, slots=True)
class StaticRoute:
    """A static route; ``vrf`` None is the global (public) table.

    ``next_hop_vrf`` is the table the next hop is resolved in when the route
    names one (``vpn-instance B``, ``public``, ``global``): ``""`` means the
    global table, None means the route's own table.
    """

    vrf: str | None
    prefix: Net
    next_hop: IPv4 | None
    interface: str | None
    next_hop_vrf: str | None
    src: Src

    @property
    def is_default(self) -> bool:
        return self.prefix.prefixlen == 0


@dataclass(frozen=True, slots=True)
class AclRule:
    action: str  # permit | deny
    source: Net | None  # None: any
    logged: bool
    src: Src


@dataclass(frozen=True, slots=True)
class Acl:
    name: str
    src: Src
    rules: tuple[AclRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Vty:
    """A vty (remote login) line block."""

    src: Src
    auth: Src | None = None  # the authentication line
    auth_mode: str | None = None  # aaa | scheme | password | none | local
    protocols: tuple[str, ...] | None = None  # None: platform default
    protocols_src: Src | None = None
    idle_seconds: int | None = None  # None: platform default
    idle_src: Src | None = None
    acl: str | None = None
    acl_src: Src | None = None


@dataclass(frozen=True, slots=True)
class SnmpCommunity:
    """A community; ``name`` is None when printed ciphered (not readable)."""

    name: str | None
    access: str
    acl: str | None
    src: Src


@dataclass(frozen=True, slots=True)
class SnmpUser:
    name: str
    auth: str | None  # sha | md5 | sha2-256 ...
    priv: str | None  # aes128 | des56 ...
    acl: str | None
    srcs: tuple[Src, ...]


@dataclass(frozen=True, slots=True)
class LocalUser:
    name: str
    password_form: str | None  # irreversible-cipher | cipher | simple | hash | secret | plain
    src: Src
    password_src: Src | None = None


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """A firewall security-policy rule (egress firewall, B13)."""

    name: str
    action: str | None  # permit | deny
    logged: bool
    src: Src
    action_src: Src | None = None


@dataclass(frozen=True, slots=True)
class Management:
    ssh: Src | None = None  # SSH server enabled by this line
    telnet: Src | None = None  # Telnet server enabled by this line
    telnet_disabled: Src | None = None
    vty: tuple[Vty, ...] = ()
    snmp_enabled: Src | None = None
    snmp_versions: tuple[str, ...] | None = None  # None: not printed
    snmp_versions_src: Src | None = None
    communities: tuple[SnmpCommunity, ...] = ()
    snmp_users: tuple[SnmpUser, ...] = ()
    snmp_groups: tuple[tuple[str, str | None, str | None, Src], ...] = ()  # name, level, acl
    snmp_acl: tuple[str, Src] | None = None
    ssh_acl: tuple[str, Src] | None = None
    syslog: tuple[tuple[IPv4, Src], ...] = ()
    ntp: tuple[tuple[IPv4, Src], ...] = ()
    ntp_enabled: Src | None = None
    local_users: tuple[LocalUser, ...] = ()
    aaa: Src | None = None  # aaa section / aaa new-model
    lockout: tuple[Src, ...] = ()  # lockout lines (parsed values in lockout_values)
    lockout_values: tuple[int, int] | None = None  # (attempts, block minutes)
    lockout_disabled: Src | None = None
    password_control: Src | None = None
    banner: Src | None = None
    http: tuple[Src, ...] = ()
    ftp: tuple[Src, ...] = ()
    password_encryption: Src | None = None


@dataclass(frozen=True)
class Device:
    """The model of one device configuration."""

    name: str  # the device code (file stem offline)
    platform: str
    source: str  # file name or device for messages
    hostname: str | None = None
    interfaces: Mapping[str, Interface] = field(default_factory=dict)
    vlans: tuple[int, ...] = ()
    vrfs: Mapping[str, Vrf] = field(default_factory=dict)
    routes: tuple[StaticRoute, ...] = ()
    acls: Mapping[str, Acl] = field(default_factory=dict)
    nat_global: tuple[Src, ...] = ()  # IOS ``ip nat inside source ...``
    management: Management = Management()
    policy_rules: tuple[PolicyRule, ...] = ()
    lines: int = 0

    def addresses(self) -> list[tuple[Interface, Iface, Src]]:
        """Every interface address with its interface and line."""
        return [(i, a, s) for i in self.interfaces.values() for a, s in i.addresses]

    def default_routes(self) -> list[StaticRoute]:
        return [r for r in self.routes if r.is_default]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector while a city's worth of long-lived objects is made.

    Measured (bench/bench_policy.py): with millions of live model objects the
    collector rescans them over and over, several times the work itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_device(
    text: str, platform: str | None = None, *, name: str = "device", source: str | None = None
) -> Device:
    """The model of one configuration; the platform is detected when not given.

    Raises only :class:`security.errors.ConfigError` (and its subclasses).
    """
    from security.configtree import load_tree, release
    from security.syntax import detect_platform, syntax_for
    from security.syntax.builder import Builder

    where = source or name
    slug = platform or detect_platform(text, where)
    syntax = syntax_for(slug, where)
    tree = load_tree(text, slug, syntax.tree, where)
    builder = Builder(syntax, name, where)
    try:
        builder.walk(tree)
    finally:
        release(tree)
    return builder.device(text.count("\n") + 1)
