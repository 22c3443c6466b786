"""NETWORK.yaml is outside input: clear errors naming file, line and field; fuzzed."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security.errors import NetworkFileError
from security.network import context_from_mapping, load_network_file
from security.syntax import SYNTAXES


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "NETWORK.yaml"
    path.write_text(text)
    return path


def test_a_full_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "city_block: 10.112.0.0/13\nmanagement_subnet: 10.111.255.0/24\n"
        "intranet_blocks: [10.200.0.0/16]\nlevel: 2\n"
        "zones:\n  ZW-GGQ: {kind: public, targets: ['65001:100']}\n"
        "devices:\n  core.cfg: {role: core}\n  egw.cfg: {role: egress-firewall, parent: core.cfg}\n"
        "  town.cfg: {role: township-router, parent: core.cfg, level: 3, name: '411302001'}\n",
    )
    ctx = load_network_file(path, SYNTAXES)
    assert ctx.files == {"core.cfg": "core", "egw.cfg": "egw", "town.cfg": "411302001"}
    assert ctx.egress_nodes() == ["egw"]
    assert ctx.node("411302001").parent == "core" and ctx.node("411302001").level == 3
    assert ctx.node("core").level == 2
    assert ctx.zones["ZW-GGQ"].targets == ("65001:100",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour: red\n", "NETWORK.yaml:1: unknown key 'colour'"),
        ("city_block: 10.112.0.1/13\n", "city_block: '10.112.0.1/13' is not an IPv4 prefix"),
        ("level: 4\n", "level must be 2 or 3"),
        ("intranet_blocks: [10.112.0.0/16]\n", "overlaps extranet block 10.112.0.0/13"),
        (
            "devices:\n  a.cfg: {role: router}\n",
            "NETWORK.yaml:2: devices.a.cfg: role: 'router' is not one of",
        ),
        (
            "devices:\n  a.cfg: {parent: b.cfg}\n",
            "parent: 'b.cfg' is not a file listed under devices",
        ),
        (
            "devices:\n  a.cfg: {name: x}\n  b.cfg: {name: x}\n",
            "two files share the device name 'x'",
        ),
        ("zones:\n  Z: {kind: secret}\n", "zones.Z: kind: 'secret' is not one of"),
        ("devices: [a.cfg]\n", "devices must be a mapping"),
        ("a: [\n", "NETWORK.yaml:2: not valid YAML"),
        ("- 1\n", "expected a mapping"),
    ],
)
def test_bad_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(NetworkFileError) as err:
        load_network_file(write(tmp_path, text), SYNTAXES)
    assert message in str(err.value)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=12),
    st.sampled_from(
        ["10.112.0.0/13", "10.200.0.0/16", "core", "egress-firewall", "a.cfg", "2", "3"]
    ),
)
KEYS = st.sampled_from(
    [
        "city_block",
        "management_subnet",
        "extranet_blocks",
        "intranet_blocks",
        "level",
        "zones",
        "devices",
        "role",
        "platform",
        "parent",
        "network",
        "name",
        "department",
        "kind",
        "targets",
        "a.cfg",
        "b.cfg",
        "__line__",
        "x",
    ]
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_mapping_gives_a_context_or_our_error(data: dict[str, object]) -> None:
    with contextlib.suppress(NetworkFileError):
        context_from_mapping(data, "NETWORK.yaml", tuple(SYNTAXES))


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_gives_a_context_or_our_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("nf") / "NETWORK.yaml"
    path.write_text(text)
    with contextlib.suppress(NetworkFileError):
        load_network_file(path, SYNTAXES)
