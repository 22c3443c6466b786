"""Plain records of every inventory kind, and how rows become records.

Import files, exports and the seeder all speak these records; the database
is loaded into the same records to merge and compare. A row's fields are
coerced here, and every problem is reported as ``file:line: kind code: field: message``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar

from .addresses import parse_prefix
from .choices import Level, LinkKind, Network, Platform, PrefixRole, Role, Status, ZoneKind
from .codes import check_code
from .errors import shorten


@dataclass(frozen=True, slots=True)
class Where:
    """Where a record came from, for messages."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class ZoneRec:
    code: str
    name: str
    kind: str
    system: str | None = None
    rd: str | None = None
    import_targets: tuple[str, ...] = ()
    export_targets: tuple[str, ...] = ()

    KIND: ClassVar[str] = "zones"

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class NodeRec:
    code: str
    name: str
    level: str
    role: str
    parent: str | None = None
    network: str = Network.EXTRANET.value
    platform: str | None = None
    mgmt_address: str | None = None
    ssh_port: int = 22
    snmp_port: int = 161
    credentials: str | None = None
    status: str = Status.PLANNED.value
    #: 等保 (MLPS) protection level, 2 (二级) or 3 (三级); None: inherited (see docs/SECURITY.md).
    mlps_level: int | None = None

    KIND: ClassVar[str] = "nodes"

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class DepartmentRec:
    code: str
    name: str
    level: str
    node: str
    site: str | None = None
    public: bool = True
    private_zone: str | None = None
    internet: bool = False
    #: 等保 level of the department's system; None: the node's.
    mlps_level: int | None = None

    KIND: ClassVar[str] = "departments"

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class LinkRec:
    a_node: str
    a_interface: str
    b_node: str
    b_interface: str
    kind: str = LinkKind.UPLINK.value
    bandwidth_mbps: int = 1000

    KIND: ClassVar[str] = "links"

    @property
    def key(self) -> str:
        return f"{self.a_node}:{self.a_interface}"

    @property
    def label(self) -> str:
        return f"{self.a_node}:{self.a_interface} -- {self.b_node}:{self.b_interface}"


@dataclass(frozen=True, slots=True)
class PrefixRec:
    prefix: str
    role: str
    node: str | None = None
    department: str | None = None
    link: str | None = None
    description: str = ""

    KIND: ClassVar[str] = "prefixes"

    @property
    def key(self) -> str:
        return self.prefix


@dataclass(frozen=True, slots=True)
class VlanRec:
    node: str
    vid: int
    name: str = ""
    department: str | None = None

    KIND: ClassVar[str] = "vlans"

    @property
    def key(self) -> str:
        return f"{self.node}/{self.vid}"


@dataclass(frozen=True, slots=True)
class RdRec:
    value: str
    node: str | None = None
    zone: str | None = None

    KIND: ClassVar[str] = "route_distinguishers"

    @property
    def key(self) -> str:
        return self.value


Record = ZoneRec | NodeRec | DepartmentRec | LinkRec | PrefixRec | VlanRec | RdRec

#: Kinds in dependency order (a kind refers only to kinds before it).
RECORD_TYPES: dict[str, type[Any]] = {
    "zones": ZoneRec,
    "nodes": NodeRec,
    "departments": DepartmentRec,
    "links": LinkRec,
    "prefixes": PrefixRec,
    "vlans": VlanRec,
    "route_distinguishers": RdRec,
}
KINDS: tuple[str, ...] = tuple(RECORD_TYPES)


def field_names(kind: str) -> list[str]:
    return [f.name for f in fields(RECORD_TYPES[kind])]


def as_row(record: Any) -> dict[str, Any]:
    """A record as an ordered mapping of its fields (tuples become lists)."""
    names = field_names(record.KIND)
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in zip(names, astuple(record), strict=True)
    }


# -- coercion ------------------------------------------------------------------


class RowError(ValueError):
    """A field of a row is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        kind = "a mapping" if isinstance(value, dict) else "a list"
        raise ValueError(f"expected a single value, not {kind}")
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(_scalar(value)).strip()
    return text or None


def _code(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else check_code(text)


def _choice(enum: type[StrEnum]) -> Callable[[Any], str | None]:
    def coerce(value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        try:
            return enum(text).value
        except ValueError:
            known = ", ".join(m.value for m in enum)
            raise ValueError(f"{shorten(text)!r} is not one of {known}") from None

    return coerce


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    text = str(_scalar(value)).strip()
    if len(text) > 20:
        raise ValueError(f"{shorten(text)!r} is not a whole number")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{shorten(text)!r} is not a whole number") from None


#: The 等保 levels egovnet knows (二级, 三级); levels 1, 4 and 5 are out of scope.
MLPS_LEVELS = (2, 3)


def _mlps_level(value: Any) -> int | None:
    """A 等保 level: 2 or 3 (also written ``二级``/``三级``), or empty for unset.

    >>> _mlps_level("三级"), _mlps_level(2), _mlps_level("")
    (3, 2, None)
    """
    if isinstance(value, str) and value.strip() in ("二级", "三级"):
        return 2 if value.strip() == "二级" else 3
    number = _int(value)
    if number is not None and number not in MLPS_LEVELS:
        raise ValueError(f"{number} is not a 等保 level (2 or 3)")
    return number


def _port(value: Any) -> int | None:
    number = _int(value)
    if number is not None and not 1 <= number <= 65535:
        raise ValueError(f"{number} is not a port (1-65535)")
    return number


def _vid(value: Any) -> int | None:
    number = _int(value)
    if number is not None and not 1 <= number <= 4094:
        raise ValueError(f"{number} is not a VLAN id (1-4094)")
    return number


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(_scalar(value)).strip().lower()
    if not text:
        return None
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise ValueError(f"{shorten(repr(value))} is not true or false")


def _list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return tuple(str(_scalar(v)).strip() for v in value if str(_scalar(v)).strip())
    return tuple(str(_scalar(value)).split())


def _prefix(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else str(parse_prefix(text))


def _address(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"{shorten(text)!r} is not an IP address") from None


COERCE: dict[str, dict[str, Callable[[Any], Any]]] = {
    "zones": {
        "code": _text,
        "name": _text,
        "kind": _choice(ZoneKind),
        "system": _text,
        "rd": _text,
        "import_targets": _list,
        "export_targets": _list,
    },
    "nodes": {
        "code": _code,
        "name": _text,
        "level": _choice(Level),
        "role": _choice(Role),
        "parent": _text,
        "network": _choice(Network),
        "platform": _choice(Platform),
        "mgmt_address": _address,
        "ssh_port": _port,
        "snmp_port": _port,
        "credentials": _text,
        "status": _choice(Status),
        "mlps_level": _mlps_level,
    },
    "departments": {
        "code": _code,
        "name": _text,
        "level": _choice(Level),
        "node": _text,
        "site": _text,
        "public": _bool,
        "private_zone": _text,
        "internet": _bool,
        "mlps_level": _mlps_level,
    },
    "links": {
        "a_node": _text,
        "a_interface": _text,
        "b_node": _text,
        "b_interface": _text,
        "kind": _choice(LinkKind),
        "bandwidth_mbps": _int,
    },
    "prefixes": {
        "prefix": _prefix,
        "role": _choice(PrefixRole),
        "node": _text,
        "department": _text,
        "link": _text,
        "description": _text,
    },
    "vlans": {"node": _text, "vid": _vid, "name": _text, "department": _text},
    "route_distinguishers": {"value": _text, "node": _text, "zone": _text},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "zones": ("code", "name", "kind"),
    "nodes": ("code", "name", "level", "role"),
    "departments": ("code", "name", "level", "node"),
    "links": ("a_node", "a_interface", "b_node", "b_interface"),
    "prefixes": ("prefix", "role"),
    "vlans": ("node", "vid"),
    "route_distinguishers": ("value",),
}


def make_record(kind: str, row: Mapping[str, Any]) -> Any:
    """Build a record of ``kind`` from a row, raising :class:`RowError` on the first bad field."""
    coercers = COERCE[kind]
    unknown = [k for k in row if k not in coercers]
    if unknown:
        raise RowError(shorten(repr(unknown[0])), f"unknown field (known: {', '.join(coercers)})")
    values: dict[str, Any] = {}
    for name, coerce in coercers.items():
        try:
            value = coerce(row.get(name))
        except ValueError as exc:
            raise RowError(name, str(exc)) from None
        if value is None:
            if name in REQUIRED[kind]:
                raise RowError(name, "is required")
            continue
        values[name] = value
    return RECORD_TYPES[kind](**values)
