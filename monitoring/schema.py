"""The InfluxDB measurement schema and typed builders (see docs/MONITORING_SCHEMA.md).

The schema is frozen data (:data:`MEASUREMENTS`); the builders
(:class:`DeviceRecord`, :class:`InterfaceRecord`, :class:`LinkRecord`) are
what the poller fills. Two rules keep the data usable on InfluxDB 3.x and in
Grafana, and are checked when this module is imported:

* a name is a tag or a field, never both (in any measurement);
* a field has one type forever: floats are always written as floats (``1.0``),
  integers always with ``i``; ``None`` omits the field.

>>> DeviceRecord(node="NY-WC-AGG1", level="county", county="411302", time_ns=1_700_000_000,
...              up=True, uptime_s=3600.0, poll_ms=12.0).to_line()
'device,county=411302,level=county,node=NY-WC-AGG1 up=1i,uptime_s=3600.0,poll_ms=12.0 1700000000'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from monitoring.errors import SchemaError
from monitoring.lineprotocol import INT64_MAX, INT64_MIN, FieldValue, Point, escape_key
from monitoring.rates import utilisation_pct


class FieldType(StrEnum):
    """InfluxDB field types used by the schema."""

    INT = "integer"
    FLOAT = "float"
    STRING = "string"


@dataclass(frozen=True)
class MeasurementSpec:
    """A measurement: its tag keys (``required`` ones first) and typed field keys."""

    name: str
    required_tags: tuple[str, ...]
    optional_tags: tuple[str, ...]
    fields: tuple[tuple[str, FieldType], ...]

    @property
    def tags(self) -> tuple[str, ...]:
        return self.required_tags + self.optional_tags

    @functools.cached_property
    def _types(self) -> dict[str, FieldType]:
        return dict(self.fields)

    @functools.cached_property
    def _tag_set(self) -> frozenset[str]:
        return frozenset(self.tags)

    def has_tag(self, key: str) -> bool:
        """True when ``key`` is one of the measurement's tags."""
        return key in self._tag_set

    def field_type(self, key: str) -> FieldType:
        """Type of field ``key``; SchemaError if the measurement has no such field."""
        try:
            return self._types[key]
        except KeyError:
            raise SchemaError(f"{self.name}: no field {key!r} in the schema") from None


_I, _F = FieldType.INT, FieldType.FLOAT

DEVICE = MeasurementSpec(
    name="device",
    required_tags=("node", "level"),
    optional_tags=("county", "township", "role", "platform"),
    fields=(
        ("up", _I),
        ("uptime_s", _F),
        ("poll_ms", _F),
        ("reboot", _I),
        ("interfaces_up", _I),
        ("interfaces_total", _I),
    ),
)

INTERFACE = MeasurementSpec(
    name="interface",
    required_tags=("node", "level", "interface"),
    optional_tags=("county", "township", "link"),
    fields=(
        ("in_bps", _F),
        ("out_bps", _F),
        ("in_octets", _I),
        ("out_octets", _I),
        ("util_in_pct", _F),
        ("util_out_pct", _F),
        ("in_errors", _I),
        ("out_errors", _I),
        ("in_discards", _I),
        ("out_discards", _I),
        ("oper_up", _I),
        ("admin_up", _I),
        ("speed_bps", _I),
        ("contracted_bps", _I),
        ("interval_s", _F),
    ),
)

LINK = MeasurementSpec(
    name="link",
    required_tags=("link", "level"),
    optional_tags=("county", "a_node", "b_node"),
    fields=(
        ("up", _I),
        ("a_to_b_bps", _F),
        ("b_to_a_bps", _F),
        ("util_max_pct", _F),
        ("errors", _I),
        ("discards", _I),
    ),
)

#: Every measurement the poller writes.
MEASUREMENTS: tuple[MeasurementSpec, ...] = (DEVICE, INTERFACE, LINK)


def check_schema(specs: tuple[MeasurementSpec, ...]) -> None:
    """Raise SchemaError if a name is a tag and a field, or a field name has two types."""
    tags = {tag for spec in specs for tag in spec.tags}
    types: dict[str, FieldType] = {}
    for spec in specs:
        names = [name for name, _ in spec.fields]
        if len(set(names)) != len(names) or len(set(spec.tags)) != len(spec.tags):
            raise SchemaError(f"{spec.name}: a tag or field is listed twice")
        for name, kind in spec.fields:
            if name in tags:
                raise SchemaError(f"{spec.name}: {name!r} is a field here and a tag elsewhere")
            if types.setdefault(name, kind) is not kind:
                raise SchemaError(f"{spec.name}: field {name!r} has two types")


check_schema(MEASUREMENTS)


def _coerce(spec: MeasurementSpec, key: str, value: bool | int | float | str) -> FieldValue:
    kind = spec.field_type(key)
    where = f"{spec.name}.{key}"
    if kind is FieldType.FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchemaError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise SchemaError(f"{where}: {value} cannot be written to InfluxDB")
        return float(value)
    if kind is FieldType.INT:
        if isinstance(value, bool):
            return int(value)
        if not isinstance(value, int):
            raise SchemaError(f"{where}: expected an integer, got {value!r}")
        return value
    if not isinstance(value, str):
        raise SchemaError(f"{where}: expected a string, got {value!r}")
    return value


def make_point(
    spec: MeasurementSpec,
    tags: Mapping[str, str | None],
    fields: Mapping[str, bool | int | float | str | None],
    time_ns: int,
) -> Point:
    """A :class:`Point` checked against ``spec``; None and empty tags/fields are left out.

    >>> make_point(DEVICE, {"node": "n1", "level": "city"}, {"up": 1, "poll_ms": 3}, 0).to_line()
    'device,level=city,node=n1 up=1i,poll_ms=3.0 0'
    """
    clean_tags: dict[str, str] = {}
    for key, value in tags.items():
        if not spec.has_tag(key):
            raise SchemaError(f"{spec.name}: no tag {key!r} in the schema")
        if value:
            clean_tags[key] = value
    missing = [key for key in spec.required_tags if key not in clean_tags]
    if missing:
        raise SchemaError(f"{spec.name}: required tag(s) {', '.join(missing)} missing")
    clean_fields = {k: _coerce(spec, k, v) for k, v in fields.items() if v is not None}
    if not clean_fields:
        raise SchemaError(f"{spec.name} {clean_tags}: no field has a value")
    return Point(spec.name, clean_tags, clean_fields, time_ns)


class LineTemplate:
    """Renders one measurement's records straight to line protocol: the poller's hot path.

    The checked path (:func:`make_point`, then :meth:`Point.to_line`) builds
    two dicts and coerces every field through the schema for every line;
    under cProfile it was a third of the poller's CPU (500 lab devices, the
    city mix). A template knows the measurement's tags (sorted, as
    :func:`monitoring.lineprotocol.to_line` writes them) and its typed fields
    up front and writes the line in one pass. It gives the same bytes as the
    checked path (``tests/monitoring/test_schema_fast.py`` compares them on
    generated records); anything unusual (a value of an unexpected type, a
    non-finite float, a missing required tag, a name that needs an error
    message) returns None and the caller takes the checked path, which
    raises the proper :class:`SchemaError`.
    """

    __slots__ = ("fields", "head", "tags")

    def __init__(self, spec: MeasurementSpec, tag_order: tuple[str, ...]) -> None:
        if sorted(tag_order) != list(tag_order) or set(tag_order) != set(spec.tags):
            raise SchemaError(f"{spec.name}: the template needs every tag, sorted")
        self.head = spec.name
        self.tags = tuple((f",{key}=", key in spec.required_tags) for key in tag_order)
        self.fields = tuple((f"{name}=", kind is FieldType.FLOAT) for name, kind in spec.fields)

    def render(
        self,
        tags: tuple[str | None, ...],
        fields: tuple[bool | int | float | None, ...],
        time_ns: int,
    ) -> str | None:
        """The line for ``tags`` (in ``tag_order``) and ``fields`` (schema order), or None."""
        head = self.tag_line(tags)
        return None if head is None else self.field_line(head, fields, time_ns)

    def tag_line(self, tags: tuple[str | None, ...]) -> str | None:
        """The measurement and its escaped tags (the start of a line), or None."""
        parts = [self.head]
        try:
            for (sep, required), value in zip(self.tags, tags, strict=True):
                if value:
                    if value.__class__ is not str:
                        return None
                    parts.append(sep)
                    parts.append(escape_key(value, "tag value"))
                elif required:
                    return None
        except SchemaError:
            return None
        return "".join(parts)

    def field_line(
        self, head: str, fields: tuple[bool | int | float | None, ...], time_ns: int
    ) -> str | None:
        """The line: ``head`` (from :meth:`tag_line`), ``fields`` and the timestamp, or None."""
        parts = [head]
        first = True
        v: Any
        for (key, is_float), v in zip(self.fields, fields, strict=True):
            if v is None:
                continue
            kind = v.__class__
            if is_float:
                if kind is int:
                    if not -(2**53) <= v <= 2**53:
                        return None
                    v = float(v)
                elif kind is not float or v - v != 0.0:
                    return None  # not a number, or inf/nan
                text = repr(v)
            elif kind is bool:
                text = "1i" if v else "0i"
            elif kind is int and INT64_MIN <= v <= INT64_MAX:
                text = f"{v}i"
            else:
                return None
            parts.append(" " if first else ",")
            parts.append(key)
            parts.append(text)
            first = False
        if first or time_ns.__class__ is not int or not INT64_MIN <= time_ns <= INT64_MAX:
            return None
        parts.append(f" {time_ns}")
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """One poll of one device (measurement ``device``)."""

    node: str
    level: str
    time_ns: int
    up: bool
    county: str | None = None
    township: str | None = None
    role: str | None = None
    platform: str | None = None
    uptime_s: float | None = None
    poll_ms: float | None = None
    reboot: bool | None = None
    interfaces_up: int | None = None
    interfaces_total: int | None = None

    def to_point(self) -> Point:
        """The checked point."""
        return make_point(
            DEVICE,
            {
                "node": self.node,
                "level": self.level,
                "county": self.county,
                "township": self.township,
                "role": self.role,
                "platform": self.platform,
            },
            {
                "up": self.up,
                "uptime_s": self.uptime_s,
                "poll_ms": self.poll_ms,
                "reboot": self.reboot,
                "interfaces_up": self.interfaces_up,
                "interfaces_total": self.interfaces_total,
            },
            self.time_ns,
        )

    def to_line(self) -> str:
        """Line protocol (the same as ``to_point().to_line()``, written in one pass)."""
        line = _DEVICE_LINE.render(
            (self.county, self.level, self.node, self.platform, self.role, self.township),
            (
                self.up,
                self.uptime_s,
                self.poll_ms,
                self.reboot,
                self.interfaces_up,
                self.interfaces_total,
            ),
            self.time_ns,
        )
        return self.to_point().to_line() if line is None else line


@dataclass(frozen=True, slots=True)
class InterfaceRecord:
    """One poll of one interface (measurement ``interface``).

    Octet, error and discard fields are increases over ``interval_s`` (from
    :mod:`monitoring.rates`), so ``SUM()`` over any period gives the volume;
    None when no rate could be computed (first poll, reboot, discontinuity).
    Utilisation is derived from the rates and the link's contracted rate
    (``contracted_bps``, the inventory link's ``bandwidth_mbps``) when the
    interface ends a link, else ``speed_bps`` (the port), unless given.
    """

    node: str
    level: str
    interface: str
    time_ns: int
    county: str | None = None
    township: str | None = None
    link: str | None = None
    oper_up: bool | None = None
    admin_up: bool | None = None
    speed_bps: int | None = None
    in_bps: float | None = None
    out_bps: float | None = None
    in_octets: int | None = None
    out_octets: int | None = None
    in_errors: int | None = None
    out_errors: int | None = None
    in_discards: int | None = None
    out_discards: int | None = None
    interval_s: float | None = None
    util_in_pct: float | None = None
    util_out_pct: float | None = None
    contracted_bps: int | None = None

    @property
    def capacity_bps(self) -> int | None:
        """What utilisation is measured against: the contracted rate, else the port speed."""
        return self.contracted_bps or self.speed_bps

    def to_point(self) -> Point:
        """The checked point."""
        util_in = self.util_in_pct
        if util_in is None:
            util_in = utilisation_pct(self.in_bps, self.capacity_bps)
        util_out = self.util_out_pct
        if util_out is None:
            util_out = utilisation_pct(self.out_bps, self.capacity_bps)
        return make_point(
            INTERFACE,
            {
                "node": self.node,
                "level": self.level,
                "interface": self.interface,
                "county": self.county,
                "township": self.township,
                "link": self.link,
            },
            {
                "in_bps": self.in_bps,
                "out_bps": self.out_bps,
                "in_octets": self.in_octets,
                "out_octets": self.out_octets,
                "util_in_pct": util_in,
                "util_out_pct": util_out,
                "in_errors": self.in_errors,
                "out_errors": self.out_errors,
                "in_discards": self.in_discards,
                "out_discards": self.out_discards,
                "oper_up": self.oper_up,
                "admin_up": self.admin_up,
                "speed_bps": self.speed_bps,
                "contracted_bps": self.contracted_bps,
                "interval_s": self.interval_s,
            },
            self.time_ns,
        )

    def tag_line(self) -> str | None:
        """The start of this record's line (measurement and tags), for :meth:`to_line`; or None."""
        return _INTERFACE_LINE.tag_line(
            (self.county, self.interface, self.level, self.link, self.node, self.township)
        )

    def to_line(self, tags: str | None = None) -> str:
        """Line protocol (the same as ``to_point().to_line()``, written in one pass).

        ``tags`` is this record's :meth:`tag_line` when the caller keeps it
        (the poller does, per interface: the tags of an interface do not
        change between polls).
        """
        capacity = self.contracted_bps or self.speed_bps
        util_in = self.util_in_pct
        if util_in is None and capacity and self.in_bps is not None:
            util_in = self.in_bps * 100.0 / capacity
        util_out = self.util_out_pct
        if util_out is None and capacity and self.out_bps is not None:
            util_out = self.out_bps * 100.0 / capacity
        if tags is None:
            tags = self.tag_line()
        if tags is None:
            return self.to_point().to_line()
        line = _INTERFACE_LINE.field_line(
            tags,
            (
                self.in_bps,
                self.out_bps,
                self.in_octets,
                self.out_octets,
                util_in,
                util_out,
                self.in_errors,
                self.out_errors,
                self.in_discards,
                self.out_discards,
                self.oper_up,
                self.admin_up,
                self.speed_bps,
                self.contracted_bps,
                self.interval_s,
            ),
            self.time_ns,
        )
        return self.to_point().to_line() if line is None else line


def _max(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _sum(*values: int | None) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """Roll-up of one inventory link from its two ends (measurement ``link``)."""

    link: str
    level: str
    time_ns: int
    up: bool
    county: str | None = None
    a_node: str | None = None
    b_node: str | None = None
    a_to_b_bps: float | None = None
    b_to_a_bps: float | None = None
    util_max_pct: float | None = None
    errors: int | None = None
    discards: int | None = None

    @classmethod
    def from_ends(
        cls, link: str, a: InterfaceRecord, b: InterfaceRecord | None, *, time_ns: int | None = None
    ) -> LinkRecord:
        """Combine the records of both ends (``b`` None when the far end is not polled).

        The link is up when every polled end is oper up; a direction's rate
        is the sender's out rate, else the receiver's in rate.
        """
        ends = [a] if b is None else [a, b]
        up = all(bool(end.oper_up) for end in ends)
        utils: list[float | None] = []
        for end in ends:
            utils += [
                _as_float(
                    utilisation_pct(end.in_bps, end.speed_bps)
                    if end.util_in_pct is None
                    else end.util_in_pct
                ),
                _as_float(
                    utilisation_pct(end.out_bps, end.speed_bps)
                    if end.util_out_pct is None
                    else end.util_out_pct
                ),
            ]
        return cls(
            link=link,
            level=a.level,
            county=a.county,
            time_ns=a.time_ns if time_ns is None else time_ns,
            up=up,
            a_node=a.node,
            b_node=b.node if b else None,
            a_to_b_bps=_first(a.out_bps, b.in_bps if b else None),
            b_to_a_bps=_first(b.out_bps if b else None, a.in_bps),
            util_max_pct=_max(*utils),
            errors=_sum(*(e for end in ends for e in (end.in_errors, end.out_errors))),
            discards=_sum(*(d for end in ends for d in (end.in_discards, end.out_discards))),
        )

    def to_point(self) -> Point:
        """The checked point."""
        return make_point(
            LINK,
            {
                "link": self.link,
                "level": self.level,
                "county": self.county,
                "a_node": self.a_node,
                "b_node": self.b_node,
            },
            {
                "up": self.up,
                "a_to_b_bps": self.a_to_b_bps,
                "b_to_a_bps": self.b_to_a_bps,
                "util_max_pct": self.util_max_pct,
                "errors": self.errors,
                "discards": self.discards,
            },
            self.time_ns,
        )

    def to_line(self) -> str:
        """Line protocol (the same as ``to_point().to_line()``, written in one pass)."""
        line = _LINK_LINE.render(
            (self.a_node, self.b_node, self.county, self.level, self.link),
            (
                self.up,
                self.a_to_b_bps,
                self.b_to_a_bps,
                self.util_max_pct,
                self.errors,
                self.discards,
            ),
            self.time_ns,
        )
        return self.to_point().to_line() if line is None else line


_DEVICE_LINE = LineTemplate(DEVICE, ("county", "level", "node", "platform", "role", "township"))
_INTERFACE_LINE = LineTemplate(
    INTERFACE, ("county", "interface", "level", "link", "node", "township")
)
_LINK_LINE = LineTemplate(LINK, ("a_node", "b_node", "county", "level", "link"))


def _as_float(value: FieldValue | None) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def poll_time_ns(wall: float) -> int:
    """Timestamp for a poll: the wall time truncated to whole seconds, in ns.

    Whole seconds compress far better in InfluxDB and make a repeated write
    of the same poll land on the same point.

    >>> poll_time_ns(1700000000.75)
    1700000000000000000
    """
    return int(wall) * 1_000_000_000
