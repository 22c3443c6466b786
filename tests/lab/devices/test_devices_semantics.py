"""The configuration editor on hostile and varied input: masks, undo, semantic refusals.

Property-based (bounded ``max_examples``): whatever the client types in an
interface view, the editor answers with a result and never raises; a mask typed
as a length or dotted is stored dotted on VRP and removed by ``undo`` in either
form; an overlapping address is refused. Then each platform's refusals over SSH.
"""

from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.devices.config_tree import ConfigNode
from lab.devices.dialects import get_dialect
from lab.devices.editor import apply_line, build_tree

VRP5 = get_dialect("huawei_vrp5")
PORT = "interface GigabitEthernet0/0/1"
BASE = f"{PORT}\n undo portswitch\n ip address 10.113.0.1 255.255.255.252\n"

WORDS = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
)
KEYWORDS = st.sampled_from(
    ["ip", "address", "mtu", "description", "undo", "portswitch", "sub", "10.0.0.1", "32", "0"]
)


def _tree() -> ConfigNode:
    tree, errors = build_tree(VRP5, BASE)
    assert not errors
    return tree


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(KEYWORDS, WORDS), min_size=1, max_size=8))
def test_any_line_gets_an_answer(words: list[str]) -> None:
    tree = _tree()
    for dialect in (VRP5, get_dialect("huawei_vrp8"), get_dialect("cisco_ios")):
        result = apply_line(dialect, tree, (PORT,), " ".join(words))
        assert result.ok or result.failure is not None


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.booleans(),
    st.booleans(),
)
def test_masks_stored_dotted_and_undone_in_either_form(
    length: int, raw: int, typed_dotted: bool, undo_dotted: bool
) -> None:
    net = ipaddress.IPv4Network(f"{ipaddress.IPv4Address(raw)}/{length}", strict=False)
    host = net.network_address + 1
    tree = ConfigNode("")
    path = ("interface LoopBack7",)
    assert apply_line(VRP5, tree, (), path[0]).ok
    mask = str(net.netmask)
    typed = mask if typed_dotted else str(length)
    result = apply_line(VRP5, tree, path, f"ip address {host} {typed}")
    assert result.ok, result
    section = tree.resolve(list(path))
    assert section is not None
    assert [c.text for c in section.children] == [f"ip address {host} {mask}"]
    undo = mask if undo_dotted else str(length)
    assert apply_line(VRP5, tree, path, f"undo ip address {host} {undo}").ok
    assert section.children == []
    route = f"ip route-static {net.network_address} {typed} 10.113.0.2"
    assert apply_line(VRP5, tree, (), route).ok
    assert tree.child(f"ip route-static {net.network_address} {mask} 10.113.0.2") is not None
    assert apply_line(
        VRP5, tree, (), f"undo ip route-static {net.network_address} {undo} 10.113.0.2"
    ).ok
    assert not [c for c in tree.children if c.text.startswith("ip route-static")]


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=8, max_value=30))
def test_overlapping_address_is_refused(raw: int, length: int) -> None:
    tree = _tree()
    other = ("interface Vlanif10",)
    assert apply_line(VRP5, tree, (), other[0]).ok
    candidate = ipaddress.IPv4Interface(f"{ipaddress.IPv4Address(raw)}/{length}")
    uplink = ipaddress.IPv4Network("10.113.0.0/30")
    result = apply_line(VRP5, tree, other, f"ip address {candidate.ip} {length}")
    if candidate.network.overlaps(uplink):
        assert not result.ok and result.rejection is not None
        assert result.rejection.message == (
            "Error: The specified address conflicts with another address."
        )
    else:
        assert result.ok


def test_refusals_over_ssh_on_every_platform(cli) -> None:  # type: ignore[no-untyped-def]
    """Each platform's own refusal texts (fleet of tests/lab/devices/conftest.py)."""
    cases = {
        "VRP5": (
            ["system-view", "interface GigabitEthernet0/0/2", "undo portswitch"],
            "Error: The specified address conflicts with another address.",
            "Error: Wrong parameter found at '^' position.",
        ),
        "CW7": (
            ["system-view", "interface GigabitEthernet1/0/2", "port link-mode route"],
            " % IP address configured now conflicts with others.",
            " % Wrong parameter found at '^' position.",
        ),
        "IOS": (
            ["enable", "configure terminal", "interface GigabitEthernet0/2"],
            "% 10.113.0.0 overlaps with GigabitEthernet0/1",
            "% Invalid input detected at '^' marker.",
        ),
    }
    for code, (enter, overlap, out_of_range) in cases.items():
        replies = cli(
            code,
            [
                *enter,
                "ip address 10.113.0.2 255.255.255.0",
                "mtu 99999",
                "description " + "d" * 256,
            ],
        )
        assert overlap in replies[len(enter)].splitlines(), (code, replies[len(enter)])
        for reply in replies[len(enter) + 1 :]:
            assert out_of_range in reply.splitlines(), (code, reply)
    # layer 2: a bridged Comware port, an IOS switchport
    replies = cli(
        "CW7",
        [
            "system-view",
            "interface GigabitEthernet1/0/2",
            "port link-mode bridge",
            "ip address 10.9.9.1 24",
        ],
    )
    assert " % Unrecognized command found at '^' position." in replies[3].splitlines()
    replies = cli(
        "IOS",
        [
            "enable",
            "configure terminal",
            "interface GigabitEthernet0/2",
            "switchport mode access",
            "ip address 10.9.9.1 255.255.255.0",
        ],
    )
    assert "% IP addresses may not be configured on L2 links." in replies[4].splitlines()
