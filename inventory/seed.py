"""Build a city's inventory from a divisions CSV (or the built-in example).

Produces records (nodes, departments with their access switches, links,
zones and every allocation) and hands them to the importer, so the seed
passes through exactly the validation a file import does. Deterministic:
the same input gives the same codes, addresses and VLANs, so seeding twice
changes nothing.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .addresses import AddressSpace
from .bundle import Parsed, decode_utf8
from .choices import PrefixRole
from .errors import ImportFileError, PoolExhaustedError, ProblemList, shorten
from .platforms import PLATFORMS as PLATFORM_FACTS
from .records import DepartmentRec, LinkRec, NodeRec, PrefixRec, RdRec, VlanRec, Where, ZoneRec
from .seed_data import (
    BUSINESS_SYSTEMS,
    CITY_DEPARTMENTS,
    COUNTY_DEPARTMENTS,
    DEPARTMENT_SYSTEM,
    EXAMPLE_DIVISIONS,
    NO_INTERNET,
    PLATFORMS,
    UPLINK_MBPS,
    VILLAGE_PLACES,
    VILLAGE_PREFIXES,
    VILLAGE_SURNAMES,
)
from .settings import IpamSettings

Division = tuple[str, str, str, str]  # code, name, level, parent_code
LEVELS = ("city", "county", "township", "village")


def village_name(code: str, taken: set[str]) -> str:
    """A generated village name, chosen from the code (stable), not yet in ``taken``.

    >>> village_name("411302001001", set()), village_name("411302001002", set())
    ('南沈沟村', '袁坪村')
    """
    n = zlib.crc32(code.encode("ascii", "replace"))
    size = len(VILLAGE_PREFIXES) * len(VILLAGE_SURNAMES) * len(VILLAGE_PLACES)
    for probe in range(size):
        k = (n + probe * 7919) % size  # 7919 is prime to ``size``: every name is reached
        prefix, rest = divmod(k, len(VILLAGE_SURNAMES) * len(VILLAGE_PLACES))
        surname, place = divmod(rest, len(VILLAGE_PLACES))
        name = f"{VILLAGE_PREFIXES[prefix]}{VILLAGE_SURNAMES[surname]}{VILLAGE_PLACES[place]}村"
        if name not in taken:
            return name
    return f"{code}村"


def read_divisions(path: Path) -> list[Division]:
    """Read ``code,name,level,parent_code`` rows; problems are reported as file:line.

    ``level`` is city, county, township or village; a village row's parent is a
    township of the same file (a real village list, used instead of generated ones).
    """
    rows: list[Division] = []
    lines: list[int] = []
    problems = ProblemList()
    try:
        text = decode_utf8(path.read_bytes(), str(path))
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = {"code", "name", "level", "parent_code"} - set(reader.fieldnames or [])
        if missing:
            raise ImportFileError([f"{path}:1: missing column(s): {', '.join(sorted(missing))}"])
        for row in reader:
            level = (row["level"] or "").strip()
            if level not in LEVELS:
                problems.append(
                    f"{path}:{reader.line_num}: level {shorten(level)!r} is not city, county, "
                    "township or village"
                )
                continue
            code, name = (row["code"] or "").strip(), (row["name"] or "").strip()
            if not code or not name:
                problems.append(f"{path}:{reader.line_num}: code and name are required")
                continue
            rows.append((code, name, level, (row["parent_code"] or "").strip()))
            lines.append(reader.line_num)
    except OSError as exc:
        raise ImportFileError([f"{path}: cannot read: {exc.strerror}"]) from None
    except csv.Error as exc:
        raise ImportFileError([f"{path}:{reader.line_num}: not valid CSV: {exc}"]) from None
    townships = {code for code, _, level, _ in rows if level == "township"}
    for (code, _, level, parent), line in zip(rows, lines, strict=True):
        if level == "village" and parent not in townships:
            problems.append(
                f"{path}:{line}: village {shorten(code)}: parent_code {shorten(parent)!r} "
                "is not a township of this file"
            )
    if problems:
        raise ImportFileError(problems)
    return rows


@dataclass
class _Builder:
    ipam: IpamSettings
    villages_per_township: int
    parsed: Parsed = field(default_factory=Parsed)
    ports: dict[str, int] = field(default_factory=lambda: defaultdict(lambda: 1))
    role_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    vlans: dict[str, int] = field(default_factory=dict)
    pools: dict[str, AddressSpace] = field(default_factory=dict)
    platform: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.where = Where("seed", 0)
        self.loopbacks = AddressSpace(self.ipam.loopback_pool)
        self.transit = AddressSpace(self.ipam.transit_pool)
        self.city_block = AddressSpace(self.ipam.city_block)
        for role, net, desc in (
            (PrefixRole.CITY_BLOCK, self.ipam.city_block, "city block"),
            (PrefixRole.LOOPBACK_POOL, self.ipam.loopback_pool, "loopback pool"),
            (PrefixRole.TRANSIT_POOL, self.ipam.transit_pool, "transit pool"),
            (PrefixRole.MANAGEMENT, self.ipam.management_subnet, "city management subnet"),
        ):
            self._add(PrefixRec(prefix=str(net), role=role.value, description=desc))

    def _add(self, rec: object) -> None:
        kind = rec.KIND  # type: ignore[attr-defined]
        self.parsed.state[kind][rec.key] = rec  # type: ignore[attr-defined]
        self.parsed.kinds.add(kind)

    def _take(self, space: AddressSpace, length: int, what: str) -> str:
        net = space.allocate(length)
        if net is None:
            raise PoolExhaustedError(
                f"pool {space.pool} is exhausted: no free /{length} for {what}"
            )
        return str(net)

    def _next_port(self, node: str) -> str:
        n = self.ports[node]
        self.ports[node] = n + 1
        facts = PLATFORM_FACTS.get(self.platform.get(node, ""))
        return facts.port_name(n) if facts else f"port{n}"

    def node(
        self,
        code: str,
        name: str,
        level: str,
        role: str,
        parent: str | None,
        *,
        status: str = "active",
        network: str = "extranet",
    ) -> NodeRec:
        platforms = PLATFORMS.get(role)
        platform = platforms[self.role_count[role] % len(platforms)] if platforms else None
        self.role_count[role] += 1
        loopback = None
        if network == "extranet" and platform:
            loopback = self._take(self.loopbacks, 32, f"loopback of {code}")
            self._add(
                PrefixRec(
                    prefix=loopback,
                    role=PrefixRole.LOOPBACK.value,
                    node=code,
                    description=f"loopback {code}",
                )
            )
        rec = NodeRec(
            code=code,
            name=name,
            level=level,
            role=role,
            parent=parent,
            network=network,
            platform=platform,
            mgmt_address=loopback.split("/")[0] if loopback else None,
            credentials="default" if platform else None,
            status=status,
        )
        if platform:
            self.platform[code] = platform
        self._add(rec)
        return rec

    def uplink(self, child: NodeRec, parent: str, kind: str = "uplink") -> None:
        link = LinkRec(
            a_node=child.code,
            a_interface=self._next_port(child.code),
            b_node=parent,
            b_interface=self._next_port(parent),
            kind=kind,
            bandwidth_mbps=UPLINK_MBPS.get(child.role, 1000),
        )
        self._add(link)
        if kind == "uplink":
            p2p = self._take(self.transit, self.ipam.transit_length, f"link {link.label}")
            self._add(
                PrefixRec(
                    prefix=p2p,
                    role=PrefixRole.P2P.value,
                    node=child.code,
                    link=link.key,
                    description=f"p2p {link.label}",
                )
            )

    def pool(
        self, owner: str, parent_space: AddressSpace, role: PrefixRole, length: int, name: str
    ) -> AddressSpace:
        net = self._take(parent_space, length, f"{role.value} of {owner}")
        self._add(
            PrefixRec(prefix=net, role=role.value, node=owner, description=f"{role.value} {name}")
        )
        space = AddressSpace(ipaddress.IPv4Network(net))
        self.pools[owner] = space
        return space

    def subnet(self, space: AddressSpace, node: NodeRec, department: str | None = None) -> None:
        net = self._take(space, self.ipam.subnet_length(node.role), f"subnet of {node.code}")
        self._add(
            PrefixRec(
                prefix=net,
                role=PrefixRole.SUBNET.value,
                node=node.code,
                department=department,
                description=f"subnet {node.code}",
            )
        )

    def department(self, home: NodeRec, space: AddressSpace, abbr: str, name: str) -> None:
        code = f"{home.code}-{abbr}"
        site = self.node(f"{code}-AS", f"{name}接入交换机", home.level, "access-switch", home.code)
        self.uplink(site, home.code)
        zone = DEPARTMENT_SYSTEM.get(abbr)
        self._add(
            DepartmentRec(
                code=code,
                name=name,
                level=home.level,
                node=home.code,
                site=site.code,
                public=True,
                private_zone=zone,
                internet=abbr not in NO_INTERNET,
            )
        )
        self.subnet(space, site, department=code)
        vid = self.vlans.get(home.code, self.ipam.vlan_range[0])
        self.vlans[home.code] = vid + 1
        self._add(VlanRec(node=home.code, vid=vid, name=f"D-{abbr}"[:32], department=code))


def build_city(
    divisions: list[Division], ipam: IpamSettings, villages_per_township: int = 18
) -> Parsed:
    """Records of a whole city from its divisions."""
    cities = [d for d in divisions if d[2] == "city"]
    if len(cities) != 1:
        raise ImportFileError([f"divisions: expected exactly one city row, found {len(cities)}"])
    b = _Builder(ipam, villages_per_township)
    city_code, city_name = cities[0][0], cities[0][1]
    asn = ipam.rd_asn
    rd = ipam.rd_range[0]
    zones: list[tuple[str, str, str, str | None]] = [
        ("ZW-GGQ", "公用网络区", "public", None),
        ("ZW-HLW", "互联网接入区", "internet-access", None),
    ]
    zones += [(code, name, "private", system) for code, name, system in BUSINESS_SYSTEMS]
    for offset, (zcode, zname, kind, system) in enumerate(zones):
        value = f"{asn}:{rd + offset}"
        b._add(
            ZoneRec(
                code=zcode,
                name=zname,
                kind=kind,
                system=system,
                rd=value,
                import_targets=(value,),
                export_targets=(value,),
            )
        )
        b._add(RdRec(value=value, zone=zcode))

    city = b.node(city_code, city_name, "city", "core", None)
    egress = b.node(
        f"{city_code}-EGW",
        f"{city_name}电子政务外网统一出口防火墙",
        "city",
        "egress-firewall",
        city.code,
    )
    b.uplink(egress, city.code)
    isp = b.node("ISP-CT", "中国电信互联网出口", "city", "isp", None, network="internet")
    b.uplink(egress, isp.code, kind="isp")
    intranet = b.node(
        f"{city_code}-NW",
        f"{city_name}政务内网核心(物理隔离)",
        "city",
        "core",
        None,
        network="intranet",
    )
    intranet_sw = b.node(
        f"{city_code}-NW-AS",
        f"{city_name}政务内网接入交换机",
        "city",
        "access-switch",
        intranet.code,
        network="intranet",
    )
    b.uplink(intranet_sw, intranet.code, kind="intranet")
    for abbr, short in CITY_DEPARTMENTS:
        b.department(city, b.city_block, abbr, f"{city_name}{short}")

    children: dict[str, list[Division]] = defaultdict(list)
    for d in divisions:
        children[d[3]].append(d)
    for county_code, county_name, _, _ in sorted(children[city_code]):
        county = b.node(county_code, county_name, "county", "aggregation", city.code)
        b.uplink(county, city.code)
        county_space = b.pool(
            county_code, b.city_block, PrefixRole.COUNTY_POOL, ipam.county_pool_length, county_name
        )
        prefix = (
            "县" if county_name.endswith("县") else "区" if county_name.endswith("区") else "市"
        )
        for abbr, short in COUNTY_DEPARTMENTS:
            label = short.replace("委办公室", f"{prefix}委办公室", 1) if abbr == "WB" else short
            b.department(county, county_space, abbr, f"{county_name}{label}")
        for t_code, t_name, _, _ in sorted(children[county_code]):
            town = b.node(t_code, t_name, "township", "township-router", county.code)
            b.uplink(town, county.code)
            t_space = b.pool(
                t_code, county_space, PrefixRole.TOWNSHIP_POOL, ipam.township_pool_length, t_name
            )
            b.subnet(t_space, town)
            b.department(town, t_space, "BMFW", f"{t_name}便民服务中心")
            listed = [d for d in sorted(children[t_code]) if d[2] == "village"]
            if listed:  # a real village list: used as it is, all active
                villages = [(code, name, "active") for code, name, _, _ in listed]
            else:  # generated: villages_per_township of them, about half live (waves)
                taken: set[str] = set()
                villages = []
                for v in range(1, villages_per_township + 1):
                    code = f"{t_code}{v:03d}"
                    taken.add(name := village_name(code, taken))
                    live = v <= (villages_per_township + 1) // 2
                    villages.append((code, name, "active" if live else "planned"))
            for v_code, v_name, status in villages:
                village = b.node(v_code, v_name, "village", "village-cpe", town.code, status=status)
                b.uplink(village, town.code)
                b.subnet(t_space, village)
    return b.parsed


def example_divisions() -> list[Division]:
    return list(EXAMPLE_DIVISIONS)
