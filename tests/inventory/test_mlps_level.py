"""The 等保 level (二级/三级) of nodes and departments: stored, shown, carried through YAML
and CSV round trips, validated on import, kept by the 0002 -> 0003 upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inventory_bundles import BASE
from sqlalchemy import text

from inventory.db import MIGRATIONS, _alembic_config, make_engine, migration_head, upgrade
from inventory.errors import ImportFileError
from inventory.state import load_state
from security.network import context_from_state
from web.app import create_app

LEVELLED = BASE.replace(
    "role: township-router, parent: '411302', platform: huawei_vrp5}",
    "role: township-router, parent: '411302', platform: huawei_vrp5, mlps_level: 二级}",
).replace(
    "private_zone: ZW-RS, internet: true}", "private_zone: ZW-RS, internet: true, mlps_level: 3}"
)


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def other(empty_database_url: str, instance_path: Path) -> Iterator[Any]:
    inv = create_app({"database.url": empty_database_url}).extensions["egovnet"]["inventory"]
    inv.ensure_schema()
    yield inv
    inv.dispose()


def test_levels_are_stored_shown_and_round_trip(inventory: Any, other: Any, tmp_path: Path) -> None:
    assert LEVELLED != BASE
    inventory.import_path(_write(tmp_path, "levels.yaml", LEVELLED))
    assert inventory.show("411302001")["mlps_level"] == 2
    assert inventory.show("411302")["mlps_level"] is None
    assert inventory.show("411302-RSJ")["mlps_level"] == 3
    exported = inventory.export_yaml().decode()
    assert "  mlps_level: 2\n" in exported and "  mlps_level: 3\n" in exported
    other.import_path(_write(tmp_path, "export.yaml", exported))
    assert other.export_yaml().decode() == exported
    csv = tmp_path / "csv"
    csv.mkdir()
    for name, content in inventory.export_csv().items():
        (csv / name).write_bytes(content)
    header = (csv / "nodes.csv").read_text("utf-8").splitlines()[0]
    assert header.endswith(",status,mlps_level")
    assert inventory.import_path(csv).empty()
    assert other.import_path(csv).empty()  # same content as the YAML: nothing to change
    assert other.export_csv() == inventory.export_csv()


def test_unset_levels_inherit_down_the_hierarchy(inventory: Any, tmp_path: Path) -> None:
    inventory.import_path(_write(tmp_path, "levels.yaml", LEVELLED))
    with inventory.sessions() as session:
        state, _ = load_state(session)
    ctx = context_from_state(state, inventory.settings.ipam)
    assert ctx.node("411302001").level == 2
    assert ctx.node("411302001001").level == 2  # the village inherits its township's
    assert ctx.node("411302").level == 3  # unset up to the city: the default
    assert context_from_state(state, inventory.settings.ipam, level=2).node("4113").level == 2


@pytest.mark.parametrize("value", ["4", "一级", "x"])
def test_a_bad_level_names_file_line_and_field(inventory: Any, tmp_path: Path, value: str) -> None:
    bad = LEVELLED.replace("mlps_level: 二级", f"mlps_level: '{value}'")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    (problem,) = info.value.problems
    line = next(n for n, row in enumerate(bad.splitlines(), 1) if "mlps_level: '" in row)
    assert problem.startswith(f"{path}:{line}: node 411302001: mlps_level: ")
    assert inventory.is_empty()


def test_upgrade_from_0002_keeps_nodes_with_unset_levels(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        command.upgrade(_alembic_config(engine), "0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO nodes (code, name, level, network, role, ssh_port, snmp_port, status)"
                    " VALUES ('4113', '南阳市', 'city', 'extranet', 'core', 22, 161, 'active')"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT code, mlps_level FROM nodes")).one()
        assert tuple(row) == ("4113", None)
        command.downgrade(_alembic_config(engine), "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT code FROM nodes")).scalar_one() == "4113"
        assert migration_head(MIGRATIONS / "versions") != "0002"
    finally:
        engine.dispose()
