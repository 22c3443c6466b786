"""YAML for inventory bundles: a fast loader that keeps line numbers, and a scalar writer.

The loader builds objects straight from libyaml's C event parser (PyYAML's
Python composer and constructor dominate the load time of a city bundle) and
records the line of each mapping (:class:`LinedDict`) for ``file:line``
messages. Hand-written for that measured reason (bench/bench_inventory.py,
docs/BENCHMARKS.md), but it does not resolve scalars itself: the common
shapes (plain words, decimal integers, booleans, nulls) take a fast path
checked against PyYAML's own YAML 1.1 rules, everything else goes through
PyYAML's ``Resolver`` and ``SafeConstructor``, so a plain scalar is typed
exactly as ``yaml.safe_load`` types it (a differential hypothesis test,
tests/inventory/test_yamlio.py, holds the two together).

Where it is stricter than ``yaml.safe_load``, it refuses with a line number
rather than guess: duplicate keys (PyYAML keeps the last), a second document,
anchors and aliases (billion laughs), tags, merge keys (``<<``) and mappings
or sequences as keys. Every problem, including unreadable text and values
PyYAML's constructor rejects (``2001-13-45``), is a :class:`YamlLoadError`
with a 1-based line.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .errors import InventoryError, shorten

_BOOLS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "yes": True,
    "Yes": True,
    "YES": True,
    "on": True,
    "On": True,
    "ON": True,
    "false": False,
    "False": False,
    "FALSE": False,
    "no": False,
    "No": False,
    "NO": False,
    "off": False,
    "Off": False,
    "OFF": False,
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
#: Scalar constructors by tag, called directly: ``construct_object`` would
#: remember every node it built for the life of the process.
_CONSTRUCTORS = yaml.constructor.SafeConstructor.yaml_constructors
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
#: First characters of PyYAML's implicit resolvers other than str (bool, float,
#: int, merge, null, timestamp, value); a plain scalar starting otherwise is a string.
_RESOLVED_FIRST = frozenset(first for first in _RESOLVER.yaml_implicit_resolvers if first)


class YamlLoadError(InventoryError):
    """A YAML text cannot be loaded; ``line`` is 1-based, ``message`` has no location."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class LinedDict(dict[Any, Any]):
    """A YAML mapping that remembers the line (1-based) where it starts.

    It is a plain ``dict`` otherwise, so a loaded document compares equal to
    what ``yaml.safe_load`` returns.
    """

    __slots__ = ("line",)

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line


def _line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 1


def _scalar(event: yaml.ScalarEvent) -> Any:
    """Type a scalar the way PyYAML's safe loader would, fast for what bundles hold."""
    value = event.value
    if event.tag is not None and event.tag != "!":
        raise YamlLoadError(
            _line(event.start_mark), f"tags are not supported ({shorten(event.tag)})"
        )
    if not event.implicit[0]:  # quoted
        return value
    if value.isascii() and value.isdigit() and (value[0] != "0" or len(value) == 1):
        if len(value) <= 18:
            return int(value)
    elif value in _NULLS:
        return None
    elif value in _BOOLS:
        return _BOOLS[value]
    elif value[0] not in _RESOLVED_FIRST:
        return value
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR:
        return value
    construct = _CONSTRUCTORS.get(tag)
    if construct is None:
        what = "merge keys (<<) are" if tag == _MERGE else f"the plain value {shorten(value)!r} is"
        raise YamlLoadError(_line(event.start_mark), f"{what} not supported")
    try:
        return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
    except Exception as exc:  # PyYAML's constructors raise ValueError, TypeError, ...
        kind = tag.rpartition(":")[2]
        raise YamlLoadError(
            _line(event.start_mark), f"{shorten(value)!r} is not a valid {kind}: {exc}"
        ) from None


def _as_bytes(stream: Any) -> bytes | str:
    if hasattr(stream, "read"):
        stream = stream.read()
    if isinstance(stream, str):
        try:
            return stream.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = stream.count("\n", 0, exc.start) + 1
            raise YamlLoadError(line, "not valid text: a lone surrogate character") from None
    if isinstance(stream, bytes | bytearray | memoryview):
        return bytes(stream)
    raise TypeError(f"cannot load YAML from {type(stream).__name__}")


def load_yaml_with_lines(stream: Any) -> Any:
    r"""Load one YAML document (text, bytes or a file) as ``yaml.safe_load`` would.

    Mappings are :class:`LinedDict`, which know their line. Raises only
    :class:`YamlLoadError` for bad input (see the module docstring).

    >>> doc = load_yaml_with_lines("a: [1, x, 0x1F, yes]\nb: {c: null}\n")
    >>> doc, doc.line, doc["b"].line
    ({'a': [1, 'x', 31, True], 'b': {'c': None}}, 1, 2)
    >>> load_yaml_with_lines("nodes: []\nzones: []\nnodes: []\n")
    Traceback (most recent call last):
    ...
    inventory.yamlio.YamlLoadError: line 3: duplicate key 'nodes' (first at line 1)
    """
    return load_yaml_with_key_lines(stream)[0]


def load_yaml_with_key_lines(stream: Any) -> tuple[Any, dict[Any, int]]:
    r"""Like :func:`load_yaml_with_lines`, also giving the line of each top-level key.

    >>> load_yaml_with_key_lines("version: 1\n\nnodes: []\n")
    ({'version': 1, 'nodes': []}, {'version': 1, 'nodes': 3})
    """
    data = _as_bytes(stream)
    loader = yaml.CSafeLoader(data)
    sections: dict[Any, int] = {}
    try:
        return _build(loader, sections), sections
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        raise YamlLoadError(_line(mark), f"not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
        line = raw.count(b"\n", 0, max(0, exc.position)) + 1
        raise YamlLoadError(
            line, f"not valid text: {exc.reason} (byte #x{exc.character:02x})"
        ) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(1, f"not valid YAML: {shorten(str(exc), 200)}") from None
    finally:
        loader.dispose()


def _build(loader: Any, sections: dict[Any, int]) -> Any:
    """Objects from the parser's events (one document), with every check of the module.

    ``sections`` receives the keys of the top-level mapping and their lines.
    """
    get_event = loader.get_event
    stack: list[Any] = []  # open containers
    keys: list[Any] = []  # per open container: its pending key, or _NO_KEY
    result: Any = None
    documents = 0
    scalar_event = yaml.ScalarEvent
    mapping_start = yaml.MappingStartEvent
    sequence_start = yaml.SequenceStartEvent
    mapping_end = yaml.MappingEndEvent
    sequence_end = yaml.SequenceEndEvent
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            if event.anchor is not None:
                raise YamlLoadError(_line(event.start_mark), "anchors are not supported")
            if (
                event.value == "="
                and event.tag is None
                and stack
                and keys[-1] is _NO_KEY
                and type(stack[-1]) is LinedDict
            ):
                value = "="  # PyYAML turns a '=' (value tag) key into the string '='
            else:
                value = _scalar(event)
        elif kind is mapping_start or kind is sequence_start:
            line = _line(event.start_mark)
            if event.anchor is not None:
                raise YamlLoadError(line, "anchors are not supported")
            if event.tag is not None and event.tag != "!":
                raise YamlLoadError(line, f"tags are not supported ({shorten(event.tag)})")
            if stack and keys[-1] is _NO_KEY and type(stack[-1]) is LinedDict:
                raise YamlLoadError(line, "a mapping or a list as a key is not supported")
            stack.append(LinedDict(line) if kind is mapping_start else [])
            keys.append(_NO_KEY)
            continue
        elif kind is mapping_end or kind is sequence_end:
            value = stack.pop()
            keys.pop()
        elif kind is yaml.AliasEvent:
            raise YamlLoadError(_line(event.start_mark), "aliases are not supported")
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlLoadError(_line(event.start_mark), "a second document (a file holds one)")
            continue
        elif kind is yaml.StreamEndEvent or event is None:
            return result
        else:  # stream start, document end
            continue
        # place ``value`` in the innermost open container
        if not stack:
            result = value
            continue
        top = stack[-1]
        if type(top) is list:
            top.append(value)
            continue
        key = keys[-1]
        if key is _NO_KEY:
            line = _line(event.start_mark)
            if value in top:
                if len(stack) == 1:
                    first = f"first at line {sections[value]}"
                else:
                    first = f"in the mapping at line {top.line}"
                raise YamlLoadError(line, f"duplicate key {shorten(value)!r} ({first})")
            if len(stack) == 1:
                sections[value] = line
            keys[-1] = value
            top[value] = None  # holds the key's place (and order) until its value arrives
        else:
            top[key] = value
            keys[-1] = _NO_KEY


_NO_KEY = object()


_PLAIN = re.compile(r"^[^\W\d_][\w./()（）-]*$")
_plain_cache: dict[str, str] = {}


def yaml_scalar(value: Any) -> str:
    """One scalar as YAML: plain where PyYAML would read it back as the same string.

    >>> [yaml_scalar(v) for v in ("宛城区", "411302", "yes", "a: b", None, True, 7)]
    ['宛城区', '"411302"', '"yes"', '"a: b"', 'null', 'true', '7']
    """
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    cached = _plain_cache.get(text)
    if cached is None:
        plain = (
            _PLAIN.match(text) is not None
            and _RESOLVER.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, text, (True, False)
            )
            == "tag:yaml.org,2002:str"
        )
        cached = text if plain else json.dumps(text, ensure_ascii=False)
        if len(_plain_cache) < 100_000:
            _plain_cache[text] = cached
    return cached
