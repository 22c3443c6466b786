"""What the policy engine knows besides configurations: roles, zones, links, address blocks.

A :class:`NetworkContext` comes from the inventory (:func:`context_from_state`,
the intent) or from a ``NETWORK.yaml`` next to a folder of configuration files
(:func:`load_network_file`, offline audits). Its format::

    city_block: 10.112.0.0/13              # the extranet's node subnets
    management_subnet: 10.111.255.0/24     # NMS, syslog and NTP servers
    extranet_blocks: [10.111.0.0/17, 10.110.0.0/16]   # other extranet space (loopbacks, links)
    intranet_blocks: [10.200.0.0/16]       # government intranet (must never appear here)
    level: 3                                # default 等保 level (2 or 3)
    zones:                                  # optional: VRF name -> kind and route targets
      ZW-GGQ: {kind: public, targets: ["65001:100"]}
    devices:                                # one entry per configuration file
      core.cfg: {role: core}
      egress.cfg: {role: egress-firewall, parent: core.cfg}
      town.cfg: {role: township-router, platform: huawei_vrp5, level: 2, parent: county.cfg}
      nw.cfg: {role: core, network: intranet}

Every device key is a file name in the folder; ``parent`` names another file;
``platform`` is detected from the text when absent; ``name`` (default: the
file stem) is the device name in reports; ``department`` the owning department.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from inventory.yamlio import YamlLoadError, load_yaml_with_lines

from .errors import NetworkFileError

Net = ipaddress.IPv4Network

ROLES = (
    "core",
    "egress-firewall",
    "aggregation",
    "township-router",
    "village-cpe",
    "access-switch",
    "firewall",
    "vpn-gateway",
    "server",
    "isp",
)
NETWORKS = ("extranet", "intranet", "internet")
ZONE_KINDS = ("public", "internet-access", "private")
EGRESS_ROLE = "egress-firewall"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A device as the inventory (or NETWORK.yaml) describes it."""

    name: str
    role: str = "core"
    network: str = "extranet"
    platform: str | None = None
    level: int = 3
    parent: str | None = None
    department: str | None = None
    file: str | None = None


@dataclass(frozen=True, slots=True)
class ZoneInfo:
    code: str
    kind: str
    targets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkInfo:
    a: str
    a_interface: str
    b: str
    b_interface: str
    kind: str = "uplink"


@dataclass(frozen=True)
class NetworkContext:
    """Roles, zones, links and address blocks of one network."""

    city_block: Net = ipaddress.IPv4Network("10.112.0.0/13")  # noqa: RUF009 - immutable
    management: Net = ipaddress.IPv4Network("10.111.255.0/24")  # noqa: RUF009 - immutable
    extranet_blocks: tuple[Net, ...] = (
        ipaddress.IPv4Network("10.111.0.0/17"),
        ipaddress.IPv4Network("10.110.0.0/16"),
    )
    intranet_blocks: tuple[Net, ...] = ()
    nodes: Mapping[str, NodeInfo] = field(default_factory=dict)
    zones: Mapping[str, ZoneInfo] = field(default_factory=dict)
    links: tuple[LinkInfo, ...] = ()
    level: int = 3
    source: str = "defaults"
    #: Offline: configuration file name -> device name (NETWORK.yaml ``devices``).
    files: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # integer ranges: ipaddress containment tests dominated a city-wide check
        object.__setattr__(self, "_extranet", tuple(_span(b) for b in self.extranet()))
        object.__setattr__(self, "_intranet", tuple(_span(b) for b in self.intranet_blocks))

    def extranet(self) -> tuple[Net, ...]:
        """Every block that is extranet space (city block, management, other pools)."""
        return (self.city_block, self.management, *self.extranet_blocks)

    def in_extranet(self, address: ipaddress.IPv4Address | Net) -> bool:
        """``address`` (or the whole network) lies inside one extranet block."""
        lo, hi = _span(address)
        return any(a <= lo and hi <= b for a, b in self._extranet)  # type: ignore[attr-defined]

    def in_intranet(self, address: ipaddress.IPv4Address | Net) -> bool:
        """``address`` (or any part of the network) lies in an intranet block."""
        lo, hi = _span(address)
        return any(lo <= b and a <= hi for a, b in self._intranet)  # type: ignore[attr-defined]

    def node(self, name: str) -> NodeInfo:
        return self.nodes.get(name) or NodeInfo(name, level=self.level)

    def egress_nodes(self) -> list[str]:
        """Names of the nodes holding the egress role, sorted (computed once)."""
        return list(self._egress)

    @cached_property
    def _egress(self) -> tuple[str, ...]:
        return tuple(sorted(n.name for n in self.nodes.values() if n.role == EGRESS_ROLE))

    def ancestors(self, name: str) -> list[str]:
        """Parents of ``name`` up to the top (cycles cut)."""
        out: list[str] = []
        node = self.nodes.get(name)
        while node is not None and node.parent and node.parent not in out and node.parent != name:
            out.append(node.parent)
            node = self.nodes.get(node.parent)
        return out


def _span(item: ipaddress.IPv4Address | Net) -> tuple[int, int]:
    """First and last address of an address or network, as integers.

    >>> _span(ipaddress.IPv4Network("10.0.0.0/30"))
    (167772160, 167772163)
    """
    if isinstance(item, Net):
        first = int(item.network_address)
        return first, first | (0xFFFFFFFF >> item.prefixlen)
    value = int(item)
    return value, value


# -- NETWORK.yaml ------------------------------------------------------------------------
TOP_KEYS = (
    "city_block",
    "management_subnet",
    "extranet_blocks",
    "intranet_blocks",
    "level",
    "zones",
    "devices",
)
DEVICE_KEYS = ("role", "platform", "level", "parent", "network", "name", "department")


def _net(value: Any, where: str) -> Net:
    try:
        return ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as exc:
        raise NetworkFileError(f"{where}: {value!r} is not an IPv4 prefix ({exc})") from None


def _nets(value: Any, where: str) -> tuple[Net, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise NetworkFileError(f"{where}: expected a list of prefixes")
    return tuple(_net(v, f"{where}[{i}]") for i, v in enumerate(value))


def _level(value: Any, where: str) -> int:
    if value in (2, 3, "2", "3"):
        return int(value)
    raise NetworkFileError(f"{where}: level must be 2 or 3, got {value!r}")


def _choice(value: Any, choices: Iterable[str], where: str) -> str:
    known = tuple(choices)
    if value not in known:
        raise NetworkFileError(f"{where}: {value!r} is not one of {', '.join(known)}")
    return str(value)


def load_network_file(path: Path, platforms: Iterable[str] = ()) -> NetworkContext:
    """Read NETWORK.yaml; every problem names ``file:line: field``."""
    name = str(path)
    try:
        with path.open("rb") as fh:
            data = load_yaml_with_lines(fh)
    except YamlLoadError as exc:
        raise NetworkFileError(f"{name}:{exc.line}: not valid YAML: {exc.message}") from None
    except OSError as exc:
        raise NetworkFileError(f"{name}: cannot read: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise NetworkFileError(f"{name}:1: expected a mapping with keys {', '.join(TOP_KEYS)}")
    return context_from_mapping(data, name, tuple(platforms))


def _line_of(value: Any, default: int = 0) -> int:
    """The 1-based line a loaded mapping starts at (``default`` when unknown)."""
    line = getattr(value, "line", 0)
    return line if isinstance(line, int) and line > 0 else default


def context_from_mapping(
    data: Mapping[str, Any], name: str = "NETWORK.yaml", platforms: tuple[str, ...] = ()
) -> NetworkContext:
    """The context of a NETWORK.yaml mapping (mappings loaded by ``inventory.yamlio`` know their line)."""
    at = f"{name}:{_line_of(data, 1)}"
    for key in data:
        if key not in TOP_KEYS:
            raise NetworkFileError(f"{at}: unknown key {key!r} (known: {', '.join(TOP_KEYS)})")
    defaults = NetworkContext()
    city = (
        _net(data["city_block"], f"{at}: city_block")
        if "city_block" in data
        else defaults.city_block
    )
    mgmt = (
        _net(data["management_subnet"], f"{at}: management_subnet")
        if "management_subnet" in data
        else defaults.management
    )
    extra = (
        _nets(data["extranet_blocks"], f"{at}: extranet_blocks")
        if "extranet_blocks" in data
        else defaults.extranet_blocks
    )
    intranet = _nets(data.get("intranet_blocks"), f"{at}: intranet_blocks")
    for block in intranet:
        for other in (city, mgmt, *extra):
            if block.overlaps(other):
                raise NetworkFileError(
                    f"{at}: intranet block {block} overlaps extranet block {other}"
                )
    level = _level(data["level"], f"{at}: level") if "level" in data else 3
    zones: dict[str, ZoneInfo] = {}
    raw_zones = data.get("zones") or {}
    if not isinstance(raw_zones, dict):
        raise NetworkFileError(f"{at}: zones must be a mapping of VRF name to kind and targets")
    for code, spec in raw_zones.items():
        zat = f"{name}:{_line_of(spec)}: zones.{code}"
        if not isinstance(spec, dict):
            raise NetworkFileError(f"{zat}: expected a mapping with kind and targets")
        for key in spec:
            if key not in ("kind", "targets"):
                raise NetworkFileError(f"{zat}: unknown key {key!r} (known: kind, targets)")
        targets = spec.get("targets") or []
        if not isinstance(targets, list):
            raise NetworkFileError(f"{zat}: targets must be a list")
        zones[str(code)] = ZoneInfo(
            str(code),
            _choice(spec.get("kind", "private"), ZONE_KINDS, f"{zat}: kind"),
            tuple(str(t) for t in targets),
        )
    by_file = _devices(data.get("devices") or {}, name, at, level, platforms)
    nodes = {n.name: n for n in by_file.values()}
    files = {f: n.name for f, n in by_file.items()}
    return NetworkContext(city, mgmt, extra, intranet, nodes, zones, (), level, name, files)


def _devices(
    raw: Any, name: str, at: str, level: int, platforms: tuple[str, ...]
) -> dict[str, NodeInfo]:
    """Device entries keyed by file name (NodeInfo.name is the device name)."""
    if not isinstance(raw, dict):
        raise NetworkFileError(f"{at}: devices must be a mapping of file name to attributes")
    out: dict[str, NodeInfo] = {}
    for file, spec in raw.items():
        if spec is None:
            spec = {}
        line = _line_of(spec)
        dat = f"{name}:{line}: devices.{file}"
        if not isinstance(spec, dict):
            raise NetworkFileError(f"{dat}: expected a mapping ({', '.join(DEVICE_KEYS)})")
        for key in spec:
            if key not in DEVICE_KEYS:
                raise NetworkFileError(
                    f"{dat}: unknown key {key!r} (known: {', '.join(DEVICE_KEYS)})"
                )
        platform = spec.get("platform")
        if platform is not None and platforms:
            platform = _choice(platform, platforms, f"{dat}: platform")
        parent = spec.get("parent")
        if parent is not None and parent not in raw:
            raise NetworkFileError(f"{dat}: parent: {parent!r} is not a file listed under devices")
        out[str(file)] = NodeInfo(
            name=str(spec.get("name") or Path(str(file)).stem),
            role=_choice(spec.get("role", "core"), ROLES, f"{dat}: role"),
            network=_choice(spec.get("network", "extranet"), NETWORKS, f"{dat}: network"),
            platform=platform,
            level=_level(spec["level"], f"{dat}: level") if "level" in spec else level,
            parent=str(parent) if parent is not None else None,
            department=str(spec["department"]) if spec.get("department") else None,
            file=str(file),
        )
    # parents name files; the context speaks device names
    by_file = {f: n.name for f, n in out.items()}
    names = [n.name for n in out.values()]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise NetworkFileError(f"{at}: devices: two files share the device name {dup[0]!r}")
    return {
        f: NodeInfo(
            n.name,
            n.role,
            n.network,
            n.platform,
            n.level,
            by_file.get(n.parent) if n.parent else None,
            n.department,
            n.file,
        )
        for f, n in out.items()
    }


# -- the inventory -------------------------------------------------------------------------
def mlps_levels(state: Mapping[str, Mapping[str, Any]], default: int = 3) -> dict[str, int]:
    """The 等保 level of every node of an inventory state (records by kind).

    A node's own ``mlps_level`` wins; else the level of the department whose
    site it is (its "system", the highest when several); else its parent's
    (inherited down the hierarchy); else ``default``.

    >>> from inventory.records import DepartmentRec, NodeRec
    >>> nodes = {"A": NodeRec("A", "a", "city", "core", mlps_level=2),
    ...          "B": NodeRec("B", "b", "county", "aggregation", parent="A"),
    ...          "C": NodeRec("C", "c", "county", "access-switch", parent="B"),
    ...          "D": NodeRec("D", "d", "city", "core")}
    >>> depts = {"X": DepartmentRec("X", "x", "county", "B", site="C", mlps_level=3)}
    >>> mlps_levels({"nodes": nodes, "departments": depts}, 3)
    {'A': 2, 'B': 2, 'C': 3, 'D': 3}
    """
    records = state.get("nodes", {})
    own: dict[str, int] = {}
    for dept in state.get("departments", {}).values():
        if dept.site and dept.mlps_level is not None:
            own[dept.site] = max(own.get(dept.site, 0), dept.mlps_level)
    for rec in records.values():
        if rec.mlps_level is not None:
            own[rec.code] = rec.mlps_level
    out: dict[str, int] = {}

    def resolve(code: str) -> None:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in out and current not in chain:
            if current in own:
                out[current] = own[current]
                break
            chain.append(current)
            rec = records.get(current)
            current = rec.parent if rec is not None else None
        found = out.get(current, default) if current is not None else default
        for name in chain:
            out[name] = found

    for code in records:
        resolve(code)
    return out


def context_from_state(
    state: Mapping[str, Mapping[str, Any]],
    ipam: Any,
    level: int = 3,
    intranet_blocks: tuple[Net, ...] = (),
) -> NetworkContext:
    """The intent: nodes, zones, links and blocks of an inventory state (records by kind).

    ``state`` is what :func:`inventory.state.load_state` returns (or a seeded
    bundle's ``Parsed.state``); ``ipam`` is the :class:`inventory.settings.IpamSettings`.
    """
    departments: dict[str, str] = {}
    for dept in state.get("departments", {}).values():
        if dept.site:
            departments[dept.site] = dept.code
    levels = mlps_levels(state, level)
    nodes = {
        rec.code: NodeInfo(
            name=rec.code,
            role=rec.role,
            network=rec.network,
            platform=rec.platform,
            level=levels.get(rec.code, level),
            parent=rec.parent,
            department=departments.get(rec.code),
        )
        for rec in state.get("nodes", {}).values()
    }
    zones = {
        z.code: ZoneInfo(
            z.code, z.kind, tuple(dict.fromkeys((*z.import_targets, *z.export_targets)))
        )
        for z in state.get("zones", {}).values()
    }
    links = tuple(
        LinkInfo(rec.a_node, rec.a_interface, rec.b_node, rec.b_interface, rec.kind)
        for rec in state.get("links", {}).values()
    )
    return NetworkContext(
        city_block=ipam.city_block,
        management=ipam.management_subnet,
        extranet_blocks=(ipam.loopback_pool, ipam.transit_pool),
        intranet_blocks=intranet_blocks,
        nodes=nodes,
        zones=zones,
        links=links,
        level=level,
        source="inventory",
    )
