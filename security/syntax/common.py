"""Handlers shared by the platforms; each platform's table picks the ones its syntax needs.

A handler reads one line (a section reads its children too). Keyword lists
are data in the platform modules; these functions only know word positions.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING

from security.model import (
    ANY,
    Acl,
    AclBinding,
    AclRule,
    NatOutbound,
    RouteTarget,
    StaticRoute,
    Vrf,
)
from security.syntax.builder import Builder, ip_int, src

if TYPE_CHECKING:
    from hier_config import HConfigChild

H = Callable[[Builder, "HConfigChild"], None]


def after(words: list[str], key: str) -> str | None:
    """The word after ``key``.

    >>> after(["acl", "2001", "inbound"], "acl")
    '2001'
    """
    try:
        return words[words.index(key) + 1]
    except (ValueError, IndexError):
        return None


def is_ip(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)


def ignore(b: Builder, node: HConfigChild) -> None:
    """Lines that matter to nobody here."""


# -- identity ----------------------------------------------------------------------
def hostname(b: Builder, node: HConfigChild) -> None:
    words = node.text.split()
    if len(words) > 1:
        b.hostname = words[1]


def flag(key: str) -> H:
    """Record the line under management key ``key`` (``ssh``, ``telnet``, ``aaa`` ...)."""

    def handler(b: Builder, node: HConfigChild) -> None:
        b.mgmt.setdefault(key, src(node))

    return handler


def collect(key: str) -> H:
    """Append the line to a list (``http``, ``ftp``, ``lockout``, ``nat_global``)."""

    def handler(b: Builder, node: HConfigChild) -> None:
        getattr(b, key).append(src(node))

    return handler


# -- interfaces --------------------------------------------------------------------
def interface(b: Builder, node: HConfigChild) -> None:
    b.current = b.interface(node)
    b.walk(node, "interface")
    b.current = None


def _cur(b: Builder, node: HConfigChild) -> object:
    if b.current is None:  # an interface handler outside an interface: ignore
        return None
    return b.current


def if_description(b: Builder, node: HConfigChild) -> None:
    if b.current is not None:
        b.current.description = node.text.split(" ", 1)[1] if " " in node.text else ""


def if_vrf(b: Builder, node: HConfigChild) -> None:
    """``ip binding vpn-instance V`` / ``vrf forwarding V``: the VRF is the last word."""
    if b.current is not None:
        b.current.vrf = node.text.split()[-1]
        b.current.vrf_src = src(node)


def if_address(b: Builder, node: HConfigChild) -> None:
    """``ip address A MASK|LEN [sub|secondary]``."""
    words = node.text.split()
    if b.current is None or len(words) < 4 or not is_ip(words[2]):
        return  # ``ip address dhcp-alloc``, ``ip address unnumbered ...``
    length = b.mask_length(node, words[3])
    value = ip_int(words[2])  # no IPv4Address on the way: one interface per addressed line
    if value is None:
        raise b.fail(node, f"{words[2]!r} is not an IPv4 address")
    b.current.addresses.append((ipaddress.IPv4Interface((value, length)), src(node)))


def if_shutdown(b: Builder, node: HConfigChild) -> None:
    if b.current is not None:
        b.current.shutdown = True


def if_nat_outbound(b: Builder, node: HConfigChild) -> None:
    """``nat outbound [ACL] [address-group N]`` (VRP, Comware)."""
    if b.current is None:
        return
    words = node.text.split()
    acl = words[2] if len(words) > 2 and words[2].isdigit() else None
    b.current.nat.append(NatOutbound(b.current.name, acl, src(node)))


def if_nat_outside(b: Builder, node: HConfigChild) -> None:
    """IOS ``ip nat outside``: NAT outbound when a global ``ip nat inside source`` exists."""
    if b.current is not None:
        b.current.nat_outside = src(node)


def if_acl(direction_words: tuple[str, ...] = ("inbound", "outbound", "in", "out")) -> H:
    """An ACL applied on the interface: the ACL is the word before/after the direction."""

    def handler(b: Builder, node: HConfigChild) -> None:
        if b.current is None:
            return
        words = node.text.split()
        direction = next((w for w in words if w in direction_words), "inbound")
        acl = next(
            (w for w in words[1:] if w.isdigit()),
            words[-2] if words[-1] in direction_words and len(words) > 2 else words[-1],
        )
        b.current.acls.append(AclBinding(acl, b.current.name, direction, src(node)))

    return handler


def if_access_vlan(b: Builder, node: HConfigChild) -> None:
    word = node.text.split()[-1]
    if b.current is not None and word.isdigit():
        b.current.access_vlan = int(word)


# -- VLANs -------------------------------------------------------------------------
def parse_vlan_list(text: str) -> set[int]:
    """``10 20 to 22`` or ``10,20-22`` -> ids (out-of-range and junk ignored).

    >>> sorted(parse_vlan_list("10 20 to 22"))
    [10, 20, 21, 22]
    >>> sorted(parse_vlan_list("10,20-21"))
    [10, 20, 21]
    """
    words = text.replace(",", " ").replace("-", " to ").split()
    out: set[int] = set()
    previous: int | None = None
    pending_range = False
    for word in words:
        if word == "to":
            pending_range = previous is not None
            continue
        if not word.isdigit():
            previous, pending_range = None, False
            continue
        value = int(word)
        if pending_range and previous is not None and previous <= value <= 4094:
            out.update(range(previous, value + 1))
        elif 1 <= value <= 4094:
            out.add(value)
        previous, pending_range = value, False
    return out


def vlans(skip: int) -> H:
    """``vlan batch ...`` (skip=2) or ``vlan 10`` / ``vlan 10,20`` (skip=1)."""

    def handler(b: Builder, node: HConfigChild) -> None:
        words = node.text.split(" ", skip)
        if len(words) > skip:
            b.vlans |= parse_vlan_list(words[skip])

    return handler


# -- VRFs --------------------------------------------------------------------------
def vpn_target(words: list[str]) -> list[tuple[str, str]]:
    """``vpn-target A [B ...] [export-extcommunity|import-extcommunity|both]``.

    >>> vpn_target("vpn-target 65001:1 65001:2 import-extcommunity".split())
    [('65001:1', 'import'), ('65001:2', 'import')]
    >>> vpn_target("vpn-target 65001:1".split())
    [('65001:1', 'import'), ('65001:1', 'export')]
    """
    values = [w for w in words[1:] if ":" in w or "." in w]
    last = words[-1]
    directions = (
        ("import",)
        if last.startswith("import")
        else ("export",)
        if last.startswith("export")
        else ("import", "export")
    )
    return [(v, d) for v in values for d in directions]


def route_target(words: list[str]) -> list[tuple[str, str]]:
    """IOS ``route-target [export|import|both] A``.

    >>> route_target("route-target import 65001:1".split())
    [('65001:1', 'import')]
    """
    values = [w for w in words[1:] if ":" in w]
    kind = words[1] if len(words) > 2 else "both"
    directions = ("import", "export") if kind == "both" else (kind,)
    return [(v, d) for v in values for d in directions]


def vrf_section(
    rd_word: str, target_word: str, targets: Callable[[list[str]], list[tuple[str, str]]]
) -> H:
    """A VRF section: RD and route targets, directly or in an address-family subsection."""

    def handler(b: Builder, node: HConfigChild) -> None:
        name = node.text.split()[-1]
        rd: str | None = None
        rd_src = None
        rts: list[RouteTarget] = []
        pending = [node]
        while pending:
            for child in pending.pop().children:
                words = child.text.split()
                if words[0] == rd_word and len(words) > 1:
                    rd, rd_src = words[1], src(child)
                elif words[0] == target_word:
                    rts += [RouteTarget(v, d, src(child)) for v, d in targets(words)]
                elif child.children:
                    pending.append(child)
        b.vrfs[name] = Vrf(name, src(node), rd, rd_src, tuple(rts))

    return handler


# -- static routes -----------------------------------------------------------------
#: Words after which a static route carries no more next-hop information.
ROUTE_STOP = frozenset({"description", "name", "tag", "track", "bfd", "permanent", "preference"})
ROUTE_SKIP_NEXT = frozenset({"preference", "tag", "track", "name", "description"})


def static_route(skip: int, vrf_word: str, global_words: frozenset[str]) -> H:
    """``ip route-static [vpn-instance V] P M [vpn-instance W|public] [IF] [NH] ...``.

    ``skip`` is the number of command words (2 for ``ip route-static``/``ip route``).
    """

    def handler(b: Builder, node: HConfigChild) -> None:
        words = node.text.split()[skip:]
        vrf = None
        if len(words) > 1 and words[0] == vrf_word:
            vrf, words = words[1], words[2:]
        if len(words) < 2 or not is_ip(words[0]):
            return
        prefix = ipaddress.IPv4Network(
            (int(b.ip(node, words[0])), b.mask_length(node, words[1])), strict=False
        )
        nh = None
        nh_vrf: str | None = None
        ifname = None
        rest = words[2:]
        i = 0
        while i < len(rest):
            word = rest[i]
            if word in ROUTE_STOP:
                break
            if word == vrf_word and i + 1 < len(rest):
                nh_vrf = rest[i + 1]
                i += 2
                continue
            if word in global_words:
                nh_vrf = ""
            elif is_ip(word) and nh is None:
                nh = b.ip(node, word)
            elif word[0].isalpha() and ifname is None and any(c.isdigit() for c in word):
                ifname = word
            i += 1
        b.routes.append(StaticRoute(vrf, prefix, nh, ifname, nh_vrf, src(node)))

    return handler


# -- ACLs --------------------------------------------------------------------------
ACL_KIND_WORDS = frozenset(
    {"number", "basic", "advanced", "ipv4", "standard", "extended", "match-order", "auto", "config"}
)


def acl_name(words: list[str]) -> str:
    """The name of ``acl number 2001`` / ``acl basic name MGMT`` / ``ip access-list standard X``.

    >>> acl_name("acl basic 2001".split()), acl_name("acl name MGMT basic".split())
    ('2001', 'MGMT')
    """
    named = after(words, "name")
    if named is not None:
        return named
    for word in words[1:]:
        if word.isdigit():
            return word
    rest = [w for w in words[1:] if w not in ACL_KIND_WORDS and w != "access-list"]
    return rest[0] if rest else words[-1]


def _source(b: Builder, node: HConfigChild, words: list[str], at: int) -> object:
    """IOS address spec at ``words[at]``: ``any`` | ``host A`` | ``A W`` | ``A``."""
    if at >= len(words) or words[at] == "any":
        return ANY
    if words[at] == "host" and at + 1 < len(words):
        return b.wildcard_net(node, words[at + 1], "0")
    if is_ip(words[at]):
        wild = words[at + 1] if at + 1 < len(words) and is_ip(words[at + 1]) else "0"
        return b.wildcard_net(node, words[at], wild)
    return ANY


def vrp_rule(b: Builder, node: HConfigChild) -> AclRule | None:
    """``rule [N] permit|deny [proto] [source A W|any] ... [logging]`` (VRP, Comware)."""
    words = node.text.split()
    action = next((w for w in words[1:4] if w in ("permit", "deny")), None)
    if action is None:
        return None
    source = ANY
    if "source" in words:
        at = words.index("source") + 1
        if at < len(words) and words[at] != "any":
            wild = words[at + 1] if at + 1 < len(words) else "0"
            source = b.wildcard_net(node, words[at], wild if (is_ip(wild) or wild == "0") else "0")
    return AclRule(action, source, "logging" in words, src(node))


def ios_rule(b: Builder, node: HConfigChild, words: list[str], extended: bool) -> AclRule | None:
    """``[seq] permit|deny [proto] SRC ...`` of an IOS ACL (words start at the action)."""
    if not words or words[0] not in ("permit", "deny"):
        return None
    at = 2 if extended else 1
    source = _source(b, node, words, at)
    logged = "log" in words or "log-input" in words
    return AclRule(words[0], source if source is not None else ANY, logged, src(node))  # type: ignore[arg-type]


def acl_section(b: Builder, node: HConfigChild) -> None:
    """A VRP/Comware ACL section of ``rule`` lines."""
    name = acl_name(node.text.split())
    rules = [r for c in node.children if c.text.startswith("rule") and (r := vrp_rule(b, c))]
    b.acls[name] = Acl(name, src(node), tuple(rules))


def ios_named_acl(b: Builder, node: HConfigChild) -> None:
    words = node.text.split()
    extended = "extended" in words
    name = words[-1]
    rules = []
    for child in node.children:
        cw = child.text.split()
        if cw and cw[0].isdigit():
            cw = cw[1:]
        rule = ios_rule(b, child, cw, extended)
        if rule is not None:
            rules.append(rule)
    b.acls[name] = Acl(name, src(node), tuple(rules))


def ios_numbered_acl(b: Builder, node: HConfigChild) -> None:
    """``access-list N permit|deny ...``: one rule per line, grouped by N."""
    words = node.text.split()
    if len(words) < 3 or not words[1].isdigit():
        return
    number = int(words[1])
    extended = 100 <= number <= 199 or 2000 <= number <= 2699
    rule = ios_rule(b, node, words[2:], extended)
    existing = b.acls.get(words[1])
    if existing is None:
        existing = Acl(words[1], src(node))
    rules = (*existing.rules, rule) if rule is not None else existing.rules
    b.acls[words[1]] = Acl(existing.name, existing.src, rules)
