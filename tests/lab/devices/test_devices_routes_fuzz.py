"""Property tests: typed route and address lines (outside input) never break the emulators.

Comware stores ``ip route-static`` masks as lengths whatever form was typed, and
``undo`` in either form removes the route; IOS builds its routing table and
route lookups from any accepted ``ip route`` line without raising.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.devices import LabDevice, get_dialect
from lab.devices.config_tree import ConfigNode
from lab.devices.dialects.comware_show import canonical
from lab.devices.dialects.ios_routes import lookup, rib, show_ip_route
from lab.devices.editor import apply_line
from lab.model import LabNetwork

from .conftest import make_spec

BUDGET = settings(max_examples=150, deadline=None)
lengths = st.integers(min_value=0, max_value=32)
addresses = st.integers(min_value=0, max_value=2**32 - 1).map(
    lambda n: str(ipaddress.IPv4Address(n))
)


def _mask(length: int) -> str:
    return str(ipaddress.IPv4Network(f"0.0.0.0/{length}").netmask)


@BUDGET
@given(st.text(max_size=80))
def test_canonical_never_raises_and_is_idempotent(line: str) -> None:
    once = canonical(line)
    assert canonical(once) == once


@BUDGET
@given(addresses, lengths, st.booleans(), st.booleans())
def test_comware_route_static_in_either_mask_form(
    dest: str, length: int, typed_dotted: bool, undo_dotted: bool
) -> None:
    dialect = get_dialect("h3c_comware7")
    root = ConfigNode("")
    typed = _mask(length) if typed_dotted else str(length)
    undo = _mask(length) if undo_dotted else str(length)
    assert apply_line(dialect, root, (), f"ip route-static {dest} {typed} NULL0").ok
    assert [c.text for c in root.children] == [f"ip route-static {dest} {length} NULL0"]
    assert apply_line(dialect, root, (), f"undo ip route-static {dest} {undo} NULL0").ok
    assert root.children == []


@pytest.fixture(scope="module")
def ios_device(tmp_path_factory: pytest.TempPathFactory) -> LabDevice:
    spec = make_spec("cisco_ios")
    flash: Path = tmp_path_factory.mktemp("ios-fuzz")
    return LabDevice(spec, LabNetwork().add(spec), get_dialect("cisco_ios"), flash)


statics = st.lists(
    st.tuples(addresses, lengths, st.one_of(addresses, st.just("Null0")), st.integers(1, 255)),
    max_size=6,
)


@BUDGET
@given(statics, addresses)
def test_ios_routing_table_from_any_static(
    ios_device: LabDevice, routes: list[tuple[str, int, str, int]], probe: str
) -> None:
    base = ios_device.running.clone()
    try:
        for dest, length, target, distance in routes:
            line = f"ip route {dest} {_mask(length)} {target} {distance}"
            apply_line(ios_device.dialect, ios_device.running, (), line)
        table = rib(ios_device)
        assert len({(r.network, r.code) for r in table}) == len(table)
        connected = [r.network for r in table if r.code == "C"]
        for route in table:
            if route.code == "S" and route.next_hop:
                assert any(ipaddress.IPv4Address(route.next_hop) in c for c in connected)
        text = show_ip_route(ios_device)
        starred = [line for line in text.splitlines() if line.startswith("S*")]
        assert all(line.startswith("S*    0.0.0.0/0 ") for line in starred)
        lookup(ios_device, probe, None)
        lookup(ios_device, probe, _mask(routes[0][1]) if routes else None)
    finally:
        ios_device.running = base
