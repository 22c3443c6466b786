"""Coverage of the built-in city: exact planned/connected counts per county and level, the
daily snapshot history in provisioning's own tables (SQLite and PostgreSQL), CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import click
import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, inspect, select

from inventory.db import transaction
from inventory.models import Department, Link, Node, Prefix
from provisioning.coverage import coverage, current, history, snapshot
from provisioning.coverage_cli import parse_day
from provisioning.schema import VERSION_TABLE, current_revision

Run = Callable[..., Result]

#: (key, nodes planned, connected, departments planned, connected) of the seeded example city
#: with 3 villages per township (2 of them active)
BY_COUNTY = [
    ("4113", 1, 1, 60, 60),
    ("411302", 13, 10, 36, 36),
    ("411303", 9, 7, 35, 35),
    ("total", 23, 18, 131, 131),
]
BY_LEVEL = [
    ("city", 1, 1, 60, 60),
    ("county", 2, 2, 66, 66),
    ("township", 5, 5, 5, 5),
    ("village", 15, 10, 0, 0),
    ("total", 23, 18, 131, 131),
]


def _numbers(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (
            r.key,
            r.nodes_planned,
            r.nodes_connected,
            r.departments_planned,
            r.departments_connected,
        )
        for r in rows
    ]


@pytest.fixture
def city(run: Run, inventory: Any) -> Any:
    result = run("inventory", "seed", "--villages-per-township", "3")
    assert result.exit_code == 0, result.output
    return inventory


def test_counts_of_the_example_city(city: Any) -> None:
    assert _numbers(current(city, "county")) == BY_COUNTY
    assert _numbers(current(city, "level")) == BY_LEVEL
    with transaction(city.sessions) as session:
        home = session.execute(select(Node).where(Node.code == "411302001")).scalar_one()
        # a planned department (no allocation yet): planned, not connected
        session.add(
            Department(
                code="411302001-WSY", name="东关街道卫生院", level="township", home_node=home
            )
        )
        # a planned village switched on: connected
        session.execute(
            select(Node).where(Node.code == "411302001003")
        ).scalar_one().status = "active"
        # an active village whose uplink is gone: planned, not connected
        village = session.execute(select(Node).where(Node.code == "411303002001")).scalar_one()
        links = select(Link.id).where(Link.a_node_id == village.id)
        session.execute(delete(Prefix).where(Prefix.link_id.in_(links)))
        session.execute(delete(Link).where(Link.a_node_id == village.id))
        # a retired village: no longer planned
        session.execute(
            select(Node).where(Node.code == "411303003003")
        ).scalar_one().status = "retired"
    assert _numbers(current(city, "county")) == [
        ("4113", 1, 1, 60, 60),
        ("411302", 13, 11, 37, 36),
        ("411303", 8, 6, 35, 35),
        ("total", 22, 18, 132, 131),
    ]
    rows = current(city, "level")
    assert _numbers(rows)[3] == ("village", 14, 10, 0, 0)
    assert rows[2].departments_percent == 83.3 and rows[-1].nodes_percent == 81.8


def test_snapshots_make_a_daily_history(run: Run, city: Any) -> None:
    first = run("coverage", "snapshot", "--day", "2026-12-01")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[0] == "recorded coverage of 2026-12-01: 4 group(s)"
    assert current_revision(city.engine) in ("p0003", "p0004")  # p0004: changes
    assert VERSION_TABLE in inspect(city.engine).get_table_names()
    with transaction(city.sessions) as session:
        for code in ("411302001003", "411302002003", "411302003003"):
            session.execute(select(Node).where(Node.code == code)).scalar_one().status = "active"
    assert run("coverage", "snapshot", "--day", "2026-12-02").exit_code == 0
    again = run("coverage", "snapshot", "--day", "2026-12-02")  # the same day: replaced
    assert again.exit_code == 0
    series = history(city, "county")
    assert [(h.day.isoformat(), h.row.key, h.row.nodes_connected) for h in series] == [
        ("2026-12-01", "4113", 1),
        ("2026-12-01", "411302", 10),
        ("2026-12-01", "411303", 7),
        ("2026-12-01", "total", 18),
        ("2026-12-02", "4113", 1),
        ("2026-12-02", "411302", 13),
        ("2026-12-02", "411303", 7),
        ("2026-12-02", "total", 21),
    ]
    levels = json.loads(run("coverage", "--history", "--by", "level", "--json").output)
    assert [
        (d["day"], d["key"], d["nodes_connected"]) for d in levels if d["key"] == "village"
    ] == [
        ("2026-12-01", "village", 10),
        ("2026-12-02", "village", 13),
    ]
    table = run("coverage", "--history", "--csv")
    assert table.exit_code == 0
    parsed = list(csv.DictReader(io.StringIO(table.output)))
    assert len(parsed) == 8 and parsed[-1]["day"] == "2026-12-02"
    assert (parsed[-1]["group"], parsed[-1]["nodes_connected"], parsed[-1]["nodes_percent"]) == (
        "total",
        "21",
        "91.3",
    )
    today = snapshot(city)
    assert today[-1].row.nodes_connected == 21
    assert len(history(city, "county")) == 12


def test_cli_outputs_parse_and_bad_input_exits_2(run: Run, city: Any) -> None:
    text = run("coverage")
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith("4113 南阳市") and "nodes     1/1" in lines[0]
    assert lines[-1].startswith("total") and "departments   131/131" in lines[-1]
    rows = list(csv.DictReader(io.StringIO(run("coverage", "--by", "level", "--csv").output)))
    assert [(r["group"], r["nodes_planned"], r["nodes_connected"]) for r in rows] == [
        (k, str(p), str(c)) for k, p, c, _, _ in BY_LEVEL
    ]
    doc = json.loads(run("coverage", "--json").output)
    assert [(d["key"], d["departments_connected"]) for d in doc] == [
        (k, dc) for k, _, _, _, dc in BY_COUNTY
    ]
    empty = run("coverage", "--history")
    assert empty.output.startswith("no snapshot recorded yet")
    assert run("coverage", "--json", "--csv").exit_code == 2
    assert run("coverage", "--by", "town").exit_code == 2
    bad = run("coverage", "snapshot", "--day", "2026-02-30")
    assert bad.exit_code == 2 and "is not a day (YYYY-MM-DD)" in bad.output
    assert history(city, "county") == []


def test_onboarding_a_department_counts_once_it_is_allocated(city: Any) -> None:
    from inventory.audit import Actor
    from provisioning.onboarding import plan_onboarding

    with city.sessions() as session:
        from inventory.state import load_state
        from provisioning.render import Renderer

        state = load_state(session)[0]
    renderer = Renderer(state)
    running = {c: renderer.render(c).text for c in renderer.devices()}
    plan = plan_onboarding(
        city,
        department="411303002-WSY",
        at="411303002",
        running=running,
        commit=True,
        actor=Actor("local:test", "admin"),
    )
    assert plan.committed
    assert _numbers(current(city, "county"))[2] == ("411303", 9, 7, 36, 36)
    assert _numbers(coverage(state, "county"))[2] == ("411303", 9, 7, 35, 35)


@given(st.text(max_size=14))
@settings(max_examples=300, deadline=None)
def test_parse_day_accepts_iso_days_only(text: str) -> None:
    try:
        day = parse_day(text)
    except click.BadParameter as exc:
        assert "is not a day (YYYY-MM-DD)" in str(exc)
        return
    assert day.isoformat() == text.strip()
