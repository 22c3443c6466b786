"""Semantic checks on interface configuration lines, with each platform's own errors.

A line can match the grammar and still be refused by a real device: an address
overlapping another interface's subnet (in the same VRF), ``ip address`` on a
layer-2 port, a description longer than the platform allows, an MTU out of
range. The checks are generic; what differs per platform (limits, how a port
becomes layer 3, which line binds a VRF, the error texts) is a
:class:`SemanticRules` value held by the dialect.

Error texts, by source:

* Huawei VRP: ``Error: The specified address conflicts with another address.``
  (seen on S-series and CE devices); ``ip address`` in a layer-2 (``portswitch``)
  port view does not exist there, so the device prints its unrecognized-command
  error; out-of-range values print ``Error: Wrong parameter found at '^' position.``
  Description 1-242 characters, MTU 46-9600 (S5720 and CE command references).
* Cisco IOS: ``% <network> overlaps with <interface>``,
  ``% IP addresses may not be configured on L2 links.`` (switchports); values out of
  range print the invalid-input marker. Description up to 240 characters; MTU
  1500-9216 on ISR 4000 gigabit ports.
* H3C Comware 7: an ``ip address`` in a bridge-mode port view is unrecognized; for
  an overlap the text of the Comware lineage's manuals
  (``IP address configured now conflicts with others.``); description 1-255
  characters; MTU 46-9216 on route-mode ports; out-of-range values print
  ``% Wrong parameter found at '^' position.``
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from lab.devices.config_tree import ConfigNode


@dataclass(frozen=True)
class Rejection:
    """A line the device refuses: the text, and the word its ``^`` points at (if any)."""

    message: str
    word_index: int | None = None


@dataclass(frozen=True)
class SemanticRules:
    """Per-platform limits and texts of the generic interface checks."""

    #: Overlap error; may use ``{network}`` (the new subnet's address) and ``{interface}``.
    overlap: str
    #: Error for ``ip address`` on a layer-2 port (``^`` at ``layer2_word`` if given).
    layer2: str
    #: True when the interface (name, section) is a layer-2 port.
    is_layer2: Callable[[str, ConfigNode], bool]
    #: Error for a value out of range (``^`` at the value).
    out_of_range: str
    description_max: int
    mtu_range: tuple[int, int]
    #: Prefixes of the line binding an interface to a VRF (its name follows).
    vrf_prefixes: tuple[str, ...]
    layer2_word: int | None = None


def _networks(node: ConfigNode) -> list[ipaddress.IPv4Interface]:
    found = []
    for child in node.children:
        words = child.text.split()
        if words[:2] == ["ip", "address"] and len(words) >= 4:
            try:
                found.append(ipaddress.IPv4Interface(f"{words[2]}/{words[3]}"))
            except ValueError:
                continue
    return found


def _vrf(node: ConfigNode, rules: SemanticRules) -> str:
    for child in node.children:
        for prefix in rules.vrf_prefixes:
            if child.text.startswith(prefix):
                return child.text[len(prefix) :].strip()
    return ""


def check_line(
    rules: SemanticRules, root: ConfigNode, path: tuple[str, ...], words: tuple[str, ...]
) -> Rejection | None:
    """Why the device refuses ``words`` typed in the view ``path``, or None."""
    if not path or not path[-1].startswith("interface ") or not words:
        return None
    name = path[-1].split(" ", 1)[1]
    section = root.resolve(list(path))
    if section is None:
        return None
    if words[0] == "description" and len(" ".join(words[1:])) > rules.description_max:
        return Rejection(rules.out_of_range, 1)
    if words[0] == "mtu" and len(words) == 2 and words[1].isdigit():
        low, high = rules.mtu_range
        if not low <= int(words[1]) <= high:
            return Rejection(rules.out_of_range, 1)
    if words[:2] == ("ip", "address") and len(words) >= 4:
        if rules.is_layer2(name, section):
            return Rejection(rules.layer2, rules.layer2_word)
        try:
            new = ipaddress.IPv4Interface(f"{words[2]}/{words[3]}")
        except ValueError:
            return Rejection(rules.out_of_range, 2)
        secondary = len(words) > 4
        vrf = _vrf(section, rules)
        for other in root.children:
            if not other.text.startswith("interface "):
                continue
            same = other is section
            if (same and not secondary) or _vrf(other, rules) != vrf:
                continue
            for existing in _networks(other):
                if same and existing == new:
                    continue
                if new.network.overlaps(existing.network):
                    return Rejection(
                        rules.overlap.format(
                            network=new.network.network_address,
                            interface=other.text.split(" ", 1)[1],
                        )
                    )
    return None


def _ios_switchport(name: str, section: ConfigNode) -> bool:
    return any(c.text.startswith("switchport") for c in section.children)


def _comware_bridged(name: str, section: ConfigNode) -> bool:
    physical = not name.startswith(("LoopBack", "Vlan-interface", "NULL", "Route-Aggregation"))
    return physical and section.child("port link-mode route") is None


IOS_RULES = SemanticRules(
    overlap="% {network} overlaps with {interface}",
    layer2="% IP addresses may not be configured on L2 links.",
    is_layer2=_ios_switchport,
    out_of_range="% Invalid input detected at '^' marker.",
    description_max=240,
    mtu_range=(1500, 9216),
    vrf_prefixes=("vrf forwarding ", "ip vrf forwarding "),
)

COMWARE_RULES = SemanticRules(
    overlap=" % IP address configured now conflicts with others.",
    layer2=" % Unrecognized command found at '^' position.",
    layer2_word=0,
    is_layer2=_comware_bridged,
    out_of_range=" % Wrong parameter found at '^' position.",
    description_max=255,
    mtu_range=(46, 9216),
    vrf_prefixes=("ip binding vpn-instance ",),
)
