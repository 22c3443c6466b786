"""YAML for inventory bundles: a fast loader that keeps line numbers, and a scalar writer.

The loader builds objects straight from libyaml's C event parser (PyYAML's
Python composer and constructor dominate the load time of a city bundle) and
records each mapping's line for ``file:line`` messages. The writer emits a
scalar plain only when PyYAML's resolver reads it back as the same string.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

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


def _scalar(event: yaml.ScalarEvent) -> Any:
    """Type a scalar the way PyYAML's safe loader would, fast for what bundles hold."""
    value = event.value
    if event.tag not in (None, "!"):
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"tags are not supported ({event.tag})",
            event.start_mark,  # type: ignore[arg-type]
        )
    if not event.implicit[0]:  # quoted
        return value
    if value.isascii() and value.isdigit() and (value[0] != "0" or len(value) == 1):
        return int(value)
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if value[:1].isalpha():
        return value
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag == "tag:yaml.org,2002:str":
        return value
    return _CONSTRUCTOR.construct_object(yaml.ScalarNode(tag, value), deep=True)


def load_yaml_with_lines(stream: Any) -> Any:
    r"""Load YAML through libyaml's event parser, adding ``__line__`` to each mapping.

    Building objects from the C parser's events skips PyYAML's Python
    composer and constructor, which dominate the load time of a city bundle.
    Anchors and aliases are refused.

    >>> load_yaml_with_lines("a: [1, x]\nb: {c: null}\n")
    {'__line__': 1, 'a': [1, 'x'], 'b': {'__line__': 2, 'c': None}}
    """
    stack: list[Any] = []
    keys: list[Any] = []
    result: Any = None

    def put(value: Any) -> None:
        nonlocal result
        if not stack:
            result = value
            return
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        elif keys[-1] is _NO_KEY:
            if isinstance(value, dict | list):
                raise yaml.constructor.ConstructorError(
                    None, None, "complex mapping keys are not supported", None
                )
            keys[-1] = value
        else:
            top[keys[-1]] = value
            keys[-1] = _NO_KEY

    loader = yaml.CSafeLoader(stream)
    get_event = loader.get_event
    try:
        events = iter(get_event, None)
        for event in events:
            if _dispatch(event, stack, keys, put):
                break
    finally:
        loader.dispose()
    return result


def _dispatch(event: Any, stack: list[Any], keys: list[Any], put: Any) -> bool:
    """Apply one parser event; True at the end of the stream."""
    if True:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor:
                raise yaml.constructor.ConstructorError(
                    None, None, "anchors are not supported", event.start_mark
                )
            put(_scalar(event))
        elif kind is yaml.MappingStartEvent:
            mapping: dict[Any, Any] = {"__line__": event.start_mark.line + 1}
            stack.append(mapping)
            keys.append(_NO_KEY)
        elif kind is yaml.SequenceStartEvent:
            stack.append([])
            keys.append(_NO_KEY)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = stack.pop()
            keys.pop()
            put(done)
        elif kind is yaml.AliasEvent:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases are not supported", event.start_mark
            )
        elif kind is yaml.StreamEndEvent:
            return True
    return False


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
