"""Domain rules of the inventory, as pure functions over small records.

The same functions guard single edits (:mod:`inventory.service`) and bulk
imports (:mod:`inventory.bundle`), so a rule is written once. Each raises
:class:`~inventory.errors.ValidationError` with a message that names the
objects involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .choices import DIVISION_ROLE_LEVEL, LEVEL_ORDER, Level, LinkKind, Network, Role, ZoneKind
from .errors import ValidationError


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What the rules need to know about a node."""

    code: str
    name: str
    level: str
    role: str
    network: str

    def label(self) -> str:
        return f"{self.code} ({self.name})"


def _level_above(level: str) -> str | None:
    index = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[index - 1].value if index else None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def check_node(node: NodeFacts, parent: NodeFacts | None) -> None:
    """Refuse a node whose level, role, network and parent do not fit together.

    >>> city = NodeFacts("4113", "南阳市", "city", "core", "extranet")
    >>> county = NodeFacts("411302", "宛城区", "county", "aggregation", "extranet")
    >>> check_node(NodeFacts("411302001001", "某村", "village", "village-cpe", "extranet"), county)
    Traceback (most recent call last):
    ...
    inventory.errors.ValidationError: node 411302001001 (某村): a village's parent must be a township, but 411302 (宛城区) is a county
    """
    role = Role(node.role)
    if role is Role.ISP:
        if node.network != Network.INTERNET:
            raise ValidationError(
                f"node {node.label()}: an isp node must be on the internet network, not {node.network}",
                field="network",
                obj=node.code,
            )
        if parent is not None:
            raise ValidationError(
                f"node {node.label()}: an isp node has no parent, but {parent.label()} was given",
                field="parent",
                obj=node.code,
            )
        return
    if node.network == Network.INTERNET:
        raise ValidationError(
            f"node {node.label()}: only isp nodes may be on the internet network",
            field="network",
            obj=node.code,
        )
    if role is Role.EGRESS_FIREWALL and (
        node.level != Level.CITY or node.network != Network.EXTRANET
    ):
        raise ValidationError(
            f"node {node.label()}: the egress firewall belongs to the city's extranet, "
            f"not to the {node.level} level of the {node.network}",
            field="level",
            obj=node.code,
        )
    if parent is not None and parent.network != node.network:
        raise ValidationError(
            f"node {node.label()}: {_article(node.network)} {node.network} node cannot hang under "
            f"{parent.network} node {parent.label()}",
            field="parent",
            obj=node.code,
        )
    division_level = DIVISION_ROLE_LEVEL.get(role)
    if division_level is not None:
        if node.level != division_level:
            raise ValidationError(
                f"node {node.label()}: role {role.value} belongs at level {division_level.value}, "
                f"not {node.level}",
                field="level",
                obj=node.code,
            )
        above = _level_above(node.level)
        if above is None:
            if parent is not None:
                raise ValidationError(
                    f"node {node.label()}: a city core has no parent, but {parent.label()} was given",
                    field="parent",
                    obj=node.code,
                )
            return
        if parent is None:
            raise ValidationError(
                f"node {node.label()}: {_article(node.level)} {node.level}'s parent must be "
                f"{_article(above)} {above}, but it has no parent",
                field="parent",
                obj=node.code,
            )
        if parent.level != above or Role(parent.role) not in DIVISION_ROLE_LEVEL:
            what = parent.level if parent.level != above else f"{parent.role} node"
            raise ValidationError(
                f"node {node.label()}: {_article(node.level)} {node.level}'s parent must be "
                f"{_article(above)} {above}, but {parent.label()} is {_article(what)} {what}",
                field="parent",
                obj=node.code,
            )
        return
    # A site device (egress, access switch, firewall, ...) hangs under a node of its own level.
    if parent is None:
        raise ValidationError(
            f"node {node.label()}: {_article(node.level)} {node.level}-level {role.value} must hang "
            f"under a {node.level} node, but it has no parent",
            field="parent",
            obj=node.code,
        )
    if parent.level != node.level:
        raise ValidationError(
            f"node {node.label()}: {_article(node.level)} {node.level}-level {role.value} must hang "
            f"under a {node.level} node, but {parent.label()} is {_article(parent.level)} {parent.level}",
            field="parent",
            obj=node.code,
        )


def check_single_egress(node: NodeFacts, other_egress: str | None) -> None:
    """Refuse a second egress firewall (统一出口: exactly one per city)."""
    if node.role == Role.EGRESS_FIREWALL and other_egress and other_egress != node.code:
        raise ValidationError(
            f"node {node.label()}: a second egress-firewall; {other_egress} is already the "
            "city's unified egress",
            field="role",
            obj=node.code,
        )


def link_label(a: str, a_if: str, b: str, b_if: str) -> str:
    return f"{a}:{a_if} -- {b}:{b_if}"


def check_link(label: str, kind: str, a: NodeFacts, b: NodeFacts) -> None:
    """Refuse links that break physical isolation or the single egress.

    >>> egress = NodeFacts("4113-FW", "出口防火墙", "city", "egress-firewall", "extranet")
    >>> county = NodeFacts("411302", "宛城区", "county", "aggregation", "extranet")
    >>> isp = NodeFacts("ISP-CT", "电信", "city", "isp", "internet")
    >>> check_link("l", "isp", egress, isp)
    >>> check_link("l", "isp", county, isp)
    Traceback (most recent call last):
    ...
    inventory.errors.ValidationError: link l: an ISP link may only end on the egress firewall, not on 411302 (宛城区), an aggregation node
    """
    if a.code == b.code:
        raise ValidationError(
            f"link {label}: both ends are node {a.label()}", field="b_node", obj=label
        )
    networks = {a.network, b.network}
    if Network.INTRANET in networks and len(networks) > 1:
        intra, other = (a, b) if a.network == Network.INTRANET else (b, a)
        raise ValidationError(
            f"link {label}: intranet node {intra.label()} cannot link to {other.network} node "
            f"{other.label()} (the intranet is physically isolated)",
            field="kind",
            obj=label,
        )
    if kind == LinkKind.ISP:
        for end in (a, b):
            if end.network != Network.INTERNET and end.role != Role.EGRESS_FIREWALL:
                raise ValidationError(
                    f"link {label}: an ISP link may only end on the egress firewall, "
                    f"not on {end.label()}, {_article(end.role)} {end.role} node",
                    field="kind",
                    obj=label,
                )
        if Network.INTERNET not in networks:
            raise ValidationError(
                f"link {label}: an ISP link needs an internet node at one end",
                field="kind",
                obj=label,
            )
        return
    if Network.INTERNET in networks:
        inet = a if a.network == Network.INTERNET else b
        raise ValidationError(
            f"link {label}: internet node {inet.label()} may only be reached over an isp link "
            "to the egress firewall",
            field="kind",
            obj=label,
        )
    if (kind == LinkKind.INTRANET) != (networks == {Network.INTRANET.value}):
        raise ValidationError(
            f"link {label}: kind intranet is for links between intranet nodes, and only for them",
            field="kind",
            obj=label,
        )


def check_department(
    code: str, name: str, level: str, home: NodeFacts, site: NodeFacts | None, zone_kind: str | None
) -> None:
    """Refuse a department whose home node, site or zones do not fit."""
    label = f"{code} ({name})"
    if home.network != Network.EXTRANET:
        raise ValidationError(
            f"department {label}: home node {home.label()} is on the {home.network}, "
            "departments attach to the extranet",
            field="node",
            obj=code,
        )
    if home.level != level:
        raise ValidationError(
            f"department {label}: level {level} does not match its home node {home.label()} "
            f"at level {home.level}",
            field="level",
            obj=code,
        )
    if site is not None and (site.role != Role.ACCESS_SWITCH or site.level != level):
        raise ValidationError(
            f"department {label}: site {site.label()} must be an access-switch at level {level}",
            field="site",
            obj=code,
        )
    if zone_kind is not None and zone_kind != ZoneKind.PRIVATE:
        raise ValidationError(
            f"department {label}: private_zone must be a private VPN zone, not a {zone_kind} zone",
            field="private_zone",
            obj=code,
        )


_RD = re.compile(r"^\d{1,10}:\d{1,10}$")


def check_zone(
    code: str, kind: str, system: str | None, rd: str | None, targets: list[str]
) -> None:
    """Refuse a malformed zone."""
    if kind == ZoneKind.PRIVATE and not system:
        raise ValidationError(
            f"zone {code}: a private VPN zone names its department business system",
            field="system",
            obj=code,
        )
    for value, field in [(rd, "rd"), *((t, "targets") for t in targets)]:
        if value is not None and not _RD.match(value):
            raise ValidationError(
                f"zone {code}: {field} {value!r} is not of the form ASN:NUMBER",
                field=field,
                obj=code,
            )
