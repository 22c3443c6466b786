"""CSV export neutralises formula-leading cells (OWASP CSV injection), and import reads
them back as they were: export -> import -> export gives the same bytes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inventory_bundles import BASE

from inventory.bundle import export_csv, read_path
from inventory.records import LinkRec, NodeRec, PrefixRec, ZoneRec
from inventory.state import empty_state
from web.app import create_app

NASTY = {
    "ZW-RS": "=cmd|' /C calc'!A0",
    "4113": "+SUM(1,2)",
    "411302": '@HYPERLINK("http://x")',
    "411302001": "-2+3",
    "411302001001": "'=already quoted",
}
_TRIGGERS = tuple("=+-@\t\r")


@pytest.fixture
def empty_inventory(empty_database_url: str, instance_path: Path) -> Iterator[Any]:
    other = create_app({"database.url": empty_database_url})
    inv = other.extensions["egovnet"]["inventory"]
    inv.ensure_schema()
    yield inv
    inv.dispose()


def _nasty_bundle() -> str:
    text = BASE
    for plain, code in (
        ("人社业务专网", "ZW-RS"),
        ("南阳市", "4113"),
        ("宛城区", "411302"),
        ("东关街道", "411302001"),
        ("王庄村", "411302001001"),
    ):
        text = text.replace(f"name: {plain},", f"name: {json.dumps(NASTY[code])},")
    return text


def _cells(files: dict[str, bytes]) -> list[str]:
    return [
        cell
        for content in files.values()
        for row in csv.reader(io.StringIO(content.decode("utf-8"), newline=""))
        for cell in row
    ]


def test_formula_cells_are_neutralised_and_round_trip(
    inventory: Any, empty_inventory: Any, tmp_path: Path
) -> None:
    bundle = tmp_path / "nasty.yaml"
    bundle.write_text(_nasty_bundle(), encoding="utf-8")
    inventory.import_path(bundle)
    assert inventory.show("411302")["name"] == NASTY["411302"]
    files = inventory.export_csv()
    cells = _cells(files)
    assert not [c for c in cells if c.startswith(_TRIGGERS)]
    assert "'=cmd|' /C calc'!A0" in cells and "''=already quoted" in cells
    out = tmp_path / "csv"
    out.mkdir()
    for name, content in files.items():
        (out / name).write_bytes(content)
    empty_inventory.import_path(out)
    for code in ("4113", "411302", "411302001", "411302001001"):
        assert empty_inventory.show(code)["name"] == NASTY[code]
    assert empty_inventory.export_csv() == files
    assert empty_inventory.export_yaml() == inventory.export_yaml()


_text = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12),
    st.builds(
        lambda lead, rest: lead + rest,
        st.sampled_from(["=", "+", "-", "@", "'", "''", "'=", "'''+", "'-'", "\t", "\r"]),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
    ),
).filter(lambda t: t and t == t.strip())


@settings(max_examples=150, deadline=None)
@given(names=st.lists(_text, min_size=4, max_size=4), description=_text, iface=_text)
def test_export_then_import_gives_the_records_back(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], description: str, iface: str
) -> None:
    state = empty_state()
    zone = ZoneRec(code="ZW-X", name=names[0], kind="private", system=names[1])
    state["zones"][zone.key] = zone
    for code, name in (("4113", names[2]), ("411302", names[3])):
        state["nodes"][code] = NodeRec(code=code, name=name, level="city", role="core")
    link = LinkRec(a_node="411302", a_interface=iface, b_node="4113", b_interface=description)
    state["links"][link.key] = link
    prefix = PrefixRec(prefix="10.0.0.0/8", role="city-block", description=description)
    state["prefixes"][prefix.key] = prefix
    files = export_csv(state)
    assert not [c for c in _cells(files) if c.startswith(_TRIGGERS)]
    out = tmp_path_factory.mktemp("csv")
    for name, content in files.items():
        (out / name).write_bytes(content)
    parsed = read_path(out)
    assert list(parsed.problems) == []
    assert parsed.state == state
    assert export_csv(parsed.state) == files
