"""Command grammars: small templates matched word by word, with abbreviations.

A template is a space-separated list of tokens:

* ``keyword`` - a literal; the user may type any prefix of it;
* ``<ip>``, ``<mask>``, ``<int>``, ``<word>``, ``<text>``, ``<if>``, ``<prefix>``,
  ``<mac>``, ``<masklen>`` - placeholders (``<text>`` takes the rest of the line,
  ``<if>`` an interface name, possibly abbreviated or split in two words);
* ``<dmask>`` / ``<lmask>`` - a mask typed as a length or dotted, stored (and so
  printed, and matched by ``undo``/``no``) dotted (``255.255.255.0``) or as a
  length (``24``), the way the platform prints that command;
* ``{a|b|c}`` - one of several literals;
* ``[ ... ]`` - an optional group (may nest, may hold several tokens).

A :class:`Grammar` maps a context name (``top``, ``interface``, ``vty``...) to
rules. Matching reports either the rule with the expanded line (keywords
spelled out, interface names canonical), or a :class:`Failure` with the word
position where the line went wrong - the device prints its ``^`` there.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

Token = tuple[str, object]  # (kind, payload)


@dataclass(frozen=True)
class Rule:
    """One command template and what it does."""

    template: str
    #: For configuration lines: the context this line opens (a section header).
    opens: str | None = None
    #: Words that identify the setting (a new value replaces the old); None: the whole line.
    key: int | None = None
    #: For exec commands: the name of the handler.
    action: str = ""


@dataclass(frozen=True)
class Match:
    """A line that matched ``rule``; ``words`` are expanded, ``args`` the placeholder values."""

    rule: Rule
    words: tuple[str, ...]
    args: tuple[str, ...]
    abbreviated: bool

    @property
    def line(self) -> str:
        """The expanded line as the device stores it."""
        return " ".join(self.words)


@dataclass(frozen=True)
class Failure:
    """Why a line did not match: ``kind`` is unrecognized, incomplete or ambiguous."""

    kind: str
    word_index: int


def _tokenize(template: str) -> list[Token]:
    spaced = template.replace("[", " [ ").replace("]", " ] ")
    parts = spaced.split()
    tokens, rest = _parse_group(parts, 0)
    if rest != len(parts):
        raise ValueError(f"unbalanced brackets in template {template!r}")
    return tokens


def _parse_group(parts: list[str], index: int) -> tuple[list[Token], int]:
    tokens: list[Token] = []
    while index < len(parts):
        part = parts[index]
        if part == "[":
            inner, index = _parse_group(parts, index + 1)
            tokens.append(("opt", inner))
            continue
        elif part == "]":
            return tokens, index + 1
        elif part.startswith("<") and part.endswith(">"):
            tokens.append(("ph", part[1:-1]))
        elif part.startswith("{"):
            tokens.append(("alt", tuple(part[1:-1].split("|"))))
        else:
            tokens.append(("lit", part))
        index += 1
    return tokens, index


def _is_ip(word: str) -> bool:
    try:
        ipaddress.IPv4Address(word)
    except ValueError:
        return False
    return True


def _is_mask(word: str) -> bool:
    if not _is_ip(word):
        return False
    bits = int(ipaddress.IPv4Address(word))
    inverted = bits ^ 0xFFFFFFFF
    return (inverted & (inverted + 1)) == 0


_SIMPLE: dict[str, Callable[[str], bool]] = {
    "ip": _is_ip,
    "mask": _is_mask,
    "masklen": lambda w: _is_mask(w) or (w.isdigit() and int(w) <= 32),
    "int": str.isdigit,
    "word": lambda w: True,
    "prefix": lambda w: "/" in w and _is_ip(w.split("/")[0]) and w.split("/")[1].isdigit(),
    "mac": lambda w: (
        re.fullmatch(r"[0-9a-fA-F]{4}[-.][0-9a-fA-F]{4}[-.][0-9a-fA-F]{4}", w) is not None
    ),
    "wildcard": _is_ip,
}
_SIMPLE["dmask"] = _SIMPLE["lmask"] = _SIMPLE["masklen"]


def _dotted(word: str) -> str:
    """A mask length or dotted mask, dotted.

    >>> _dotted("30"), _dotted("255.0.0.0")
    ('255.255.255.252', '255.0.0.0')
    """
    if word.isdigit():
        return str(ipaddress.IPv4Network(f"0.0.0.0/{word}").netmask)
    return word


def _length(word: str) -> str:
    """A mask length or dotted mask, as a length.

    >>> _length("255.255.0.0"), _length("8")
    ('16', '8')
    """
    if word.isdigit():
        return str(int(word))
    return str(ipaddress.IPv4Network(f"0.0.0.0/{word}").prefixlen)


#: Placeholders whose stored value is a canonical form of what was typed.
_CANONICAL: dict[str, Callable[[str], str]] = {"dmask": _dotted, "lmask": _length}


@dataclass(frozen=True)
class InterfaceNames:
    """Interface type names of a platform and the abbreviations it accepts."""

    types: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)

    def expand(self, word: str) -> str | None:
        """Canonical interface name for ``word`` (``GE0/0/1``, ``gi0/1``), or None."""
        m = re.fullmatch(r"(\d*[A-Za-z][A-Za-z-]*?)\s*(\d[\d/.:]*)", word)
        if not m:
            return None
        kind = self.expand_type(m.group(1))
        return f"{kind}{m.group(2)}" if kind else None

    def expand_type(self, prefix: str) -> str | None:
        """Canonical type for an abbreviation, None if unknown or ambiguous."""
        lower = prefix.lower()
        for alias, full in self.aliases.items():
            if alias.lower() == lower:
                return full
        exact = [t for t in self.types if t.lower() == lower]
        if exact:
            return exact[0]
        found = [t for t in self.types if t.lower().startswith(lower)]
        return found[0] if len(found) == 1 else None


class _State:
    def __init__(self) -> None:
        self.best = 0
        self.incomplete = False


def _match_tokens(
    tokens: list[Token],
    words: list[str],
    pos: int,
    names: InterfaceNames,
    state: _State,
    out: list[str],
    args: list[str],
    flags: list[bool],
) -> int | None:
    """Match ``tokens`` from ``words[pos]``; returns the new position or None."""
    if not tokens:
        return pos
    kind, payload = tokens[0]
    rest = tokens[1:]
    if kind == "opt":
        payload = cast(list[Token], payload)
        mark = (len(out), len(args), len(flags))
        inner = _match_tokens(payload + rest, words, pos, names, state, out, args, flags)
        if inner is not None:
            return inner
        del out[mark[0] :], args[mark[1] :], flags[mark[2] :]
        return _match_tokens(rest, words, pos, names, state, out, args, flags)
    if pos >= len(words):
        state.incomplete = True
        state.best = max(state.best, pos)
        return None
    word = words[pos]
    consumed = 1
    value: str | None = None
    if kind in ("lit", "alt"):
        options = cast(tuple[str, ...], (payload,) if kind == "lit" else payload)
        for option in options:
            if word.lower() == option.lower():
                value = option
                break
        if value is None:
            found = [o for o in options if isinstance(o, str) and o.startswith(word.lower())]
            if len(found) == 1:
                value = found[0]
                flags.append(True)
    elif payload == "text":
        value = " ".join(words[pos:])
        consumed = len(words) - pos
        args.append(value)
    elif payload == "if":
        value = names.expand(word)
        if value is None and pos + 1 < len(words):
            kind_name = names.expand_type(word)
            if kind_name and re.fullmatch(r"\d[\d/.:]*", words[pos + 1]):
                value, consumed = kind_name + words[pos + 1], 2
        if value is not None:
            args.append(value)
    else:
        payload = str(payload)
        check = _SIMPLE.get(payload)
        if check is None:
            raise ValueError(f"unknown placeholder <{payload}>")
        if check(word):
            canonical = _CANONICAL.get(payload)
            value = canonical(word) if canonical else word
            args.append(value)
    if value is None:
        state.best = max(state.best, pos)
        return None
    out.append(value)
    return _match_tokens(rest, words, pos + consumed, names, state, out, args, flags)


class Grammar:
    """Rules per context, with interface-name knowledge."""

    def __init__(self, contexts: dict[str, tuple[Rule, ...]], names: InterfaceNames) -> None:
        self.names = names
        self._compiled = {
            ctx: [(rule, _tokenize(rule.template)) for rule in rules]
            for ctx, rules in contexts.items()
        }
        self._keywords: dict[str, dict[int, set[str]]] = {}
        for ctx in self._compiled:
            table: dict[int, set[str]] = {}
            for _rule, head in self.heads(ctx):
                for index, word in enumerate(head):
                    table.setdefault(index, set()).add(word.lower())
            self._keywords[ctx] = table

    def contexts(self) -> list[str]:
        """Context names this grammar knows."""
        return list(self._compiled)

    def match(self, context: str, line: str) -> Match | Failure:
        """Match ``line`` against the rules of ``context``."""
        words = line.split()
        if not words:
            return Failure("incomplete", 0)
        state = _State()
        found: list[Match] = []
        for rule, tokens in self._compiled.get(context, []):
            out: list[str] = []
            args: list[str] = []
            flags: list[bool] = []
            end = _match_tokens(tokens, words, 0, self.names, state, out, args, flags)
            if end == len(words):
                found.append(Match(rule, tuple(out), tuple(args), bool(flags)))
            elif end is not None:
                state.best = max(state.best, end)
        if found:
            keywords = self._keywords.get(context, {})
            found = [
                m
                for m in found
                if not m.abbreviated
                or not any(
                    w.lower() != m.words[i].lower() and w.lower() in keywords.get(i, ())
                    for i, w in enumerate(words[: len(m.words)])
                )
            ]
        if found:
            exact = [m for m in found if not m.abbreviated]
            if exact:
                return exact[0]
            if len({m.line for m in found}) > 1:
                return Failure("ambiguous", 0)
            return found[0]
        if state.incomplete and state.best >= len(words):
            return Failure("incomplete", len(words))
        return Failure("unrecognized", min(state.best, len(words) - 1))

    def heads(self, context: str) -> list[tuple[Rule, list[str]]]:
        """Leading literal words of each rule (used to accept ``undo <head>``)."""
        result = []
        for rule, tokens in self._compiled.get(context, []):
            head: list[str] = []
            for kind, payload in tokens:
                if kind != "lit":
                    break
                head.append(str(payload))
            result.append((rule, head))
        return result


def caret_column(line: str, word_index: int) -> int:
    """Column of the first character of word ``word_index`` in ``line``."""
    for index, m in enumerate(re.finditer(r"\S+", line)):
        if index == word_index:
            return m.start()
    return len(line.rstrip())
