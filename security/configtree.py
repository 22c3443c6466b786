"""Device configuration text -> hier_config ``HConfig`` tree with source line numbers.

The tree is hier_config's own (``HConfig``/``HConfigChild`` with the platform's
hier_config driver: ``huawei_vrp`` for VRP5/VRP8, ``hp_comware5`` for Comware 7,
``cisco_ios`` for IOS), so remediation code in provisioning and the security
parsers share one representation. Every child carries its 1-based source line
in ``child.facts["line"]``.

Why the lines are fed by this module rather than by ``hier_config.get_hconfig``
(measured, ``bench/bench_policy.py``):

* ``get_hconfig`` keeps no source line numbers, and every finding must cite them;
* VRP and Comware print many top-level lines with one leading space inside a
  ``#``-separated block (`` sysname A``, `` snmp-agent ...``); ``get_hconfig``
  strips the ``#`` lines and then nests such a line under the previous section.
  Here an unindented separator line closes every open section, as on the
  device (an indented `` #``/`` !`` inside ``aaa`` or ``vrf definition`` is a
  comment);
* hier_config's Comware driver keeps the ``#`` lines, so ``get_hconfig`` raises
  ``DuplicateChildError`` on every Comware 7 dump;
* it is 1.6-2.9x faster than ``get_hconfig`` on the same text (one combined regex of
  the driver's own per-line rules instead of one ``re.sub`` per rule and line),
  which the city-wide policy check needs.

Banners (``header login information "..."``, ``header login %...%``,
``banner login ^C...^C``) may span lines: they become one child whose
``facts["end_line"]`` is the closing line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from hier_config import HConfig, HConfigChild, Platform
from hier_config.constructors import get_hconfig_driver
from hier_config.platforms.driver_base import HConfigDriverBase

from .errors import ConfigError

#: hier_config platform of each egovnet platform slug.
HIER_PLATFORMS: dict[str, Platform] = {
    "huawei_vrp5": Platform.HUAWEI_VRP,
    "huawei_vrp8": Platform.HUAWEI_VRP,
    "h3c_comware7": Platform.HP_COMWARE5,
    "cisco_ios": Platform.CISCO_IOS,
}


@dataclass(frozen=True)
class TreeSyntax:
    """How one platform prints its configuration text (frozen per-platform data)."""

    separator: str
    #: Lines (prefixes, after stripping) that carry no configuration.
    ignored: tuple[str, ...] = ()
    #: Prefixes of banner commands; the delimiter is the first character after them.
    banners: tuple[str, ...] = ()


@cache
def driver(slug: str) -> HConfigDriverBase:
    """The (shared, read-only) hier_config driver of platform ``slug``."""
    return get_hconfig_driver(HIER_PLATFORMS[slug])


@cache
def _skip_pattern(slug: str) -> re.Pattern[str] | None:
    """The driver's per-line rules that blank a line, as one pattern."""
    rules = [r.search for r in driver(slug).rules.per_line_sub if r.replace == ""]
    return re.compile("|".join(f"(?:{r})" for r in rules)) if rules else None


def _banner_delimiter(text: str, prefixes: tuple[str, ...]) -> str | None:
    """The delimiter of a banner line, or None when ``text`` is no banner."""
    for prefix in prefixes:
        if text.startswith(prefix):
            rest = text[len(prefix) :].lstrip()
            if not rest:
                return None
            # IOS prints the delimiter as ``^C`` (two characters)
            return "^C" if rest.startswith("^C") else rest[0]
    return None


def load_tree(text: str, slug: str, syntax: TreeSyntax, source: str = "<config>") -> HConfig:
    """Parse device ``text`` of platform ``slug`` into an ``HConfig`` with line numbers.

    Never raises anything but :class:`ConfigError` (an unclosed banner).
    """
    root = HConfig(driver(slug))
    skip = _skip_pattern(slug)
    sep = syntax.separator
    ignored = syntax.ignored
    banners = syntax.banners
    # (indent, node) of the open sections; the root has indent -1
    stack: list[tuple[int, HConfig | HConfigChild]] = [(-1, root)]
    base = 0  # indent of top-level lines in the current block
    fresh = True  # the next line opens a block
    lines = text.split("\n")
    count = len(lines)
    number = 0
    while number < count:
        raw = lines[number].rstrip("\r")
        number += 1
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped[0] == sep or stripped.startswith(ignored):
            if stripped[0] == sep and raw[0] == sep:  # an indented one is a comment
                del stack[1:]
                fresh = True
            continue
        if skip is not None and skip.match(raw):
            continue
        indent = len(raw) - len(raw.lstrip())
        if fresh:
            base = indent
            fresh = False
        if indent <= base:
            del stack[1:]
        else:
            while stack[-1][0] >= indent:
                stack.pop()
        # single-spaced words; most lines already are (the split costs 0.1 s a city). Every
        # whitespace but " " is unprintable (tabs, NBSP, U+3000...): those lines are split.
        words = (
            " ".join(stripped.split())
            if "  " in stripped or not stripped.isprintable()
            else stripped
        )
        parent = stack[-1][1]
        # what ``add_child(words, check_if_present=False)`` does, without its two calls
        child = HConfigChild(parent, words)
        parent.children.append(child)
        child.facts["line"] = number
        delimiter = _banner_delimiter(words, banners) if words.startswith(banners) else None
        if delimiter is not None:
            first = number
            body = words.split(delimiter, 1)[1] if delimiter in words else ""
            if delimiter not in body:
                while number < count and delimiter not in lines[number]:
                    number += 1
                if number >= count:
                    raise ConfigError(
                        f"banner opened here is never closed ({delimiter!r})",
                        source=source,
                        line=first,
                    )
                number += 1
            child.facts["end_line"] = number
            child.facts["banner"] = "\n".join(lines[first - 1 : number])
            continue
        stack.append((max(indent, base) if len(stack) == 1 else indent, child))
    return root


def release(root: HConfig) -> None:
    """Break the tree's child -> parent links so reference counting frees it at once.

    A parsed tree is garbage as soon as the model is extracted, but every
    ``HConfigChild`` points back at its parent: left alone, the city's 300k
    children (and their sets, lists and dicts: ~2 M containers) wait for the
    cyclic collector, whose first pass after a city's parse cost 0.9-1.1 s CPU
    (measured, bench/bench_policy.py). Only for trees nobody else holds.
    """
    stack: list[HConfig | HConfigChild] = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            child.parent = None  # type: ignore[assignment]
            stack.append(child)


def line_of(node: HConfigChild) -> int:
    """The 1-based source line of ``node``."""
    line: int = node.facts.get("line", 0)
    return line
