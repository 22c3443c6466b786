r"""InfluxDB line protocol serialisation (the format ``/write`` takes in 1.8, 2.x and 3.x).

Escaping follows the InfluxDB rules: measurement names escape commas and
spaces; tag keys, tag values and field keys also escape ``=``; string field
values escape ``"`` and backslash. Backslashes are otherwise written as is
(InfluxDB stores ``a\b`` verbatim), so a name ending in a backslash, which
would escape the following separator, is refused, as are newlines.

>>> print(Point("interface", {"node": "宛城区 core", "interface": "GE0/0/1"},
...       {"in_bps": 1.0, "oper_up": 1, "name": 'say "hi"'}, 1700000000).to_line())
interface,interface=GE0/0/1,node=宛城区\ core in_bps=1.0,oper_up=1i,name="say \"hi\"" 1700000000
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from monitoring.errors import SchemaError

#: Values a field may hold; ``bool`` must be tested before ``int``.
FieldValue = bool | int | float | str

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_MEASUREMENT = str.maketrans({",": "\\,", " ": "\\ "})
_KEY = str.maketrans({",": "\\,", " ": "\\ ", "=": "\\="})
_STRING = str.maketrans({'"': '\\"', "\\": "\\\\"})


def _check_name(text: str, what: str) -> None:
    if not text:
        raise SchemaError(f"{what} is empty")
    if "\n" in text or "\r" in text:
        raise SchemaError(f"{what} {text!r} contains a line break")
    if text.endswith("\\"):
        raise SchemaError(f"{what} {text!r} ends with a backslash")


@functools.lru_cache(maxsize=1 << 16)
def escape_measurement(name: str) -> str:
    """Escape a measurement name.

    >>> escape_measurement("if traffic,v2")
    'if\\\\ traffic\\\\,v2'
    """
    _check_name(name, "measurement")
    return name.translate(_MEASUREMENT)


@functools.lru_cache(maxsize=1 << 18)
def escape_key(text: str, what: str = "tag key") -> str:
    """Escape a tag key, tag value or field key.

    >>> escape_key("a b=c,d", "tag value")
    'a\\\\ b\\\\=c\\\\,d'
    """
    _check_name(text, what)
    return text.translate(_KEY)


def format_field_value(value: FieldValue) -> str:
    """Render one field value: ints get ``i``, floats keep a decimal point or exponent.

    >>> [format_field_value(v) for v in (True, 3, 3.0, 1e21, 'a"b\\\\c')]
    ['true', '3i', '3.0', '1e+21', '"a\\\\"b\\\\\\\\c"']
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise SchemaError(f"integer {value} does not fit in 64 signed bits")
        return f"{value}i"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise SchemaError(f"{value} cannot be written to InfluxDB")
        return repr(value)
    if isinstance(value, str):
        if "\n" in value:
            raise SchemaError("string value contains a line break")
        return '"' + value.translate(_STRING) + '"'
    raise SchemaError(f"unsupported field type {type(value).__name__}")


def to_line(
    measurement: str,
    tags: Mapping[str, str],
    fields: Mapping[str, FieldValue],
    time_ns: int | None = None,
) -> str:
    """One line of line protocol. Tags are sorted by key; empty tag values are omitted.

    >>> to_line("device", {"node": "n1", "township": ""}, {"up": 1}, 5)
    'device,node=n1 up=1i 5'
    >>> to_line("device", {"node": "n1"}, {})
    Traceback (most recent call last):
    ...
    monitoring.errors.SchemaError: device: a point needs at least one field
    """
    head = escape_measurement(measurement)
    parts = [head]
    for key in sorted(tags):
        tag_value = tags[key]
        if tag_value == "":
            continue
        if key == "time":
            raise SchemaError(f"{measurement}: 'time' cannot be a tag key")
        parts.append(f"{escape_key(key)}={escape_key(tag_value, 'tag value')}")
    if not fields:
        raise SchemaError(f"{measurement}: a point needs at least one field")
    rendered = []
    for key, value in fields.items():
        if key == "time":
            raise SchemaError(f"{measurement}: 'time' cannot be a field key")
        if key in tags:
            raise SchemaError(f"{measurement}: {key!r} is both a tag and a field")
        try:
            text = format_field_value(value)
        except SchemaError as exc:
            raise SchemaError(f"{measurement}.{key}: {exc}") from None
        rendered.append(f"{escape_key(key, 'field key')}={text}")
    line = ",".join(parts) + " " + ",".join(rendered)
    if time_ns is not None:
        if not INT64_MIN <= time_ns <= INT64_MAX:
            raise SchemaError(f"{measurement}: timestamp {time_ns} out of range")
        line += f" {int(time_ns)}"
    return line


@dataclass(frozen=True, slots=True)
class Point:
    """A measurement, its tags, its fields and an optional timestamp in nanoseconds."""

    measurement: str
    tags: Mapping[str, str]
    fields: Mapping[str, FieldValue]
    time_ns: int | None = None

    def to_line(self) -> str:
        """Serialise to one line of line protocol (no trailing newline)."""
        return to_line(self.measurement, self.tags, self.fields, self.time_ns)
