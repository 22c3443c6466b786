"""Import and export: merge by stable code, idempotence, prune, dry run, byte-identical round trips."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from inventory_bundles import BASE, line_of, with_rows

from inventory.errors import ImportFileError
from web.app import create_app


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_twice_changes_nothing(inventory: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "base.yaml", BASE)
    first = inventory.import_path(path)
    assert first.counts()["nodes"] == {"create": 7, "update": 0, "delete": 0}
    assert inventory.import_path(path).empty()


def test_merge_updates_by_code(inventory: Any, tmp_path: Path) -> None:
    inventory.import_path(_write(tmp_path, "base.yaml", BASE))
    changed = BASE.replace("name: 宛城区, level: county", "name: 宛城区(新), level: county")
    plan = inventory.import_path(_write(tmp_path, "changed.yaml", changed))
    assert list(plan.describe()) == ["update node 411302: name"]
    assert inventory.show("411302")["name"] == "宛城区(新)"


@pytest.fixture
def empty_inventory(empty_database_url: str, instance_path: Path) -> Iterator[Any]:
    """A second inventory, on an empty database of the same kind as ``inventory``'s."""
    other = create_app({"database.url": empty_database_url})
    inv = other.extensions["egovnet"]["inventory"]
    inv.ensure_schema()
    yield inv
    inv.dispose()


def test_yaml_round_trip_is_byte_identical(
    inventory: Any, empty_inventory: Any, tmp_path: Path
) -> None:
    inventory.seed(None, villages_per_township=3)
    first = inventory.export_yaml()
    path = _write(tmp_path, "export.yaml", first.decode())
    assert empty_inventory.is_empty()
    plan = empty_inventory.import_path(path)
    assert plan.counts()["nodes"]["create"] == inventory.stats()["nodes"]["total"]
    assert empty_inventory.export_yaml() == first


def test_csv_round_trip_is_byte_identical(
    inventory: Any, empty_inventory: Any, tmp_path: Path
) -> None:
    inventory.seed(None, villages_per_township=2)
    files = inventory.export_csv()
    out = tmp_path / "csv"
    out.mkdir()
    for name, content in files.items():
        (out / name).write_bytes(content)
    assert inventory.import_path(out).empty()
    assert empty_inventory.is_empty()
    assert not empty_inventory.import_path(out).empty()
    assert empty_inventory.export_csv() == files
    assert empty_inventory.export_yaml() == inventory.export_yaml()


def test_prune_dry_run_then_prune(inventory: Any, tmp_path: Path) -> None:
    inventory.import_path(_write(tmp_path, "base.yaml", BASE))
    smaller = BASE.replace(
        "- {code: '411302001001', name: 王庄村, level: village, role: village-cpe, parent: '411302001', platform: cisco_ios}\n",
        "",
    )
    path = _write(tmp_path, "smaller.yaml", smaller)
    before = inventory.export_yaml()
    plan = inventory.import_path(path, prune=True, dry_run=True)
    assert list(plan.describe()) == ["delete node 411302001001"]
    assert inventory.export_yaml() == before
    inventory.import_path(path, prune=True)
    assert inventory.stats()["divisions"]["village"] == 0


def test_prune_only_touches_kinds_in_the_file(inventory: Any, tmp_path: Path) -> None:
    inventory.import_path(_write(tmp_path, "base.yaml", BASE))
    zones_only = BASE.split("nodes:")[0]
    plan = inventory.import_path(_write(tmp_path, "zones.yaml", zones_only), prune=True)
    assert plan.empty()


def test_prune_that_orphans_a_row_is_refused(inventory: Any, tmp_path: Path) -> None:
    inventory.import_path(_write(tmp_path, "base.yaml", BASE))
    before = inventory.export_yaml()
    no_county = "\n".join(line for line in BASE.splitlines() if "name: 宛城区," not in line) + "\n"
    path = _write(tmp_path, "nocounty.yaml", no_county)
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path, prune=True)
    assert f"{path}:" in info.value.problems[0]
    assert "parent '411302' does not exist" in info.value.problems[0]
    assert inventory.export_yaml() == before


def test_one_bad_row_leaves_the_database_unchanged(inventory: Any, tmp_path: Path) -> None:
    good_and_bad = with_rows(
        "nodes",
        "- {code: '411303', name: 卧龙区, level: county, role: aggregation, parent: '4113'}",
        "- {code: '411303001', name: 坏镇, level: township, role: township-router, parent: '4113'}",
    )
    with pytest.raises(ImportFileError):
        inventory.import_path(_write(tmp_path, "mixed.yaml", good_and_bad))
    assert inventory.is_empty()


def test_csv_errors_name_file_and_line(inventory: Any, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    out.mkdir()
    (out / "nodes.csv").write_text(
        "code,name,level,role,parent,network,platform,mgmt_address,ssh_port,snmp_port,credentials,status\n"
        "4113,南阳市,city,core,,extranet,huawei_vrp8,,22,161,,active\n"
        "411302,宛城区,county,aggregation,4113,extranet,huawei_vrp9,,22,161,,active\n"
        "411303,卧龙区,county,aggregation,4113,extranet,,10.0.0.300,22,161,,active\n",
        encoding="utf-8",
    )
    (out / "widgets.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(out)
    assert info.value.problems == [
        f"{out}/nodes.csv:3: node 411302: platform: 'huawei_vrp9' is not one of huawei_vrp5, "
        "huawei_vrp8, h3c_comware7, cisco_ios",
        f"{out}/nodes.csv:4: node 411303: mgmt_address: '10.0.0.300' is not an IP address",
        f"{out}/widgets.csv: not an inventory file (expected zones.csv, nodes.csv, departments.csv, "
        "links.csv, prefixes.csv, vlans.csv, route_distinguishers.csv)",
    ]
    assert inventory.is_empty()


def test_yaml_syntax_error_names_the_line(inventory: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.yaml", "version: 1\nnodes:\n- {code: '4113', name: [unclosed\n")
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    assert info.value.problems[0].startswith(f"{path}:4: not valid YAML:")


def test_unknown_section_and_duplicate_code(inventory: Any, tmp_path: Path) -> None:
    text = with_rows("nodes", "- {code: '4113', name: 又一个, level: city, role: core}")
    path = _write(tmp_path, "dup.yaml", text + "widgets: []\n")
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    assert info.value.problems == [
        f"{path}:13: node 4113 is also defined at {path}:6",
        f"{path}:{line_of(text + 'widgets: []', 'widgets:')}: unknown section 'widgets' (known: zones, nodes, departments, links, prefixes, "
        "vlans, route_distinguishers)",
    ]


def test_a_file_of_bad_rows_stops_at_200_errors_and_counts_the_rest(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    huge = "x" * 1_000_000
    rows = [
        f"- {{code: '{huge}', name: a, level: city, role: core}}",
        f"- {{code: '4114', name: b, level: city, role: core, platform: '{huge}'}}",
        f"- {{code: '4115', name: c, level: city, role: core, {'y' * 1000}: 1}}",  # libyaml: keys ≤ 1024
        *(f"- {{code: 'N{n}', name: n, level: hamlet, role: core}}" for n in range(3000)),
    ]
    path = _write(tmp_path, "bad.yaml", "version: 1\nnodes:\n" + "\n".join(rows) + "\n")
    result = run("inventory", "import", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 202
    assert lines[-2:] == ["… and 2803 more errors", "error: 3003 problem(s); nothing was changed"]
    assert all(line.startswith(f"{path}:") for line in lines[:200])
    assert max(len(line) for line in lines) < 400
    assert "x" * 40 + "…" in lines[1] and lines[1].startswith(f"{path}:4: node 4114: platform: ")


def test_validation_problems_are_bounded_too(inventory: Any, tmp_path: Path) -> None:
    rows = "".join(
        f"- {{code: '4113{n:03d}', name: n, level: county, role: aggregation, parent: '9999'}}\n"
        for n in range(300)
    )
    path = _write(tmp_path, "orphans.yaml", f"version: 1\nnodes:\n{rows}")
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    error = info.value
    assert len(error.problems) == 200 and error.total >= 300  # each orphan: one or two problems
    assert error.more == error.total - 200
    assert error.problems[0] == f"{path}:3: node 4113000: parent '9999' does not exist"
    assert str(error).endswith(f"… and {error.total - 50} more errors")


def test_an_allocation_in_the_file_over_one_in_the_database_names_the_file_line(
    inventory: Any, tmp_path: Path
) -> None:
    inventory.import_path(_write(tmp_path, "base.yaml", BASE))
    text = with_rows("prefixes", "- {prefix: 10.112.64.0/26, role: subnet, node: '411302'}")
    # the /27 stays in the database only (no --prune): the new /26 is what causes the refusal
    text = "".join(line for line in text.splitlines(True) if "10.112.64.0/27" not in line)
    path = _write(tmp_path, "wider.yaml", text)
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    assert info.value.problems == [
        f"{path}:{line_of(text, '10.112.64.0/26')}: "
        "prefix 10.112.64.0/27 overlaps allocation 10.112.64.0/26"
    ]


def _nodes_without_the_county() -> str:
    """A bundle of BASE's nodes only, without the county 411302 and what lies below it."""
    nodes = BASE.split("nodes:\n", 1)[1].split("departments:")[0]
    kept = "".join(line + "\n" for line in nodes.splitlines() if "'411302" not in line)
    return f"version: 1\nnodes:\n{kept}"


def test_prune_conflicts_name_the_section_that_lacks_the_row(
    inventory: Any, tmp_path: Path
) -> None:
    inventory.import_path(_write(tmp_path, "base.yaml", BASE))
    path = _write(tmp_path, "nodes.yaml", _nodes_without_the_county())
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path, prune=True)
    problems = info.value.problems
    assert problems and all(p.startswith(f"{path}:2: ") for p in problems), problems
    assert (
        f"{path}:2: department 411302-RSJ: node '411302' does not exist "
        "(--prune deletes node 411302: not in this file's nodes)"
    ) in problems
    assert not [p for p in problems if p.startswith("database")]


def test_prune_dry_run_that_would_fail_prints_the_plan_and_the_problems(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    assert run("inventory", "import", str(_write(tmp_path, "base.yaml", BASE))).exit_code == 0
    path = _write(tmp_path, "nodes.yaml", _nodes_without_the_county())
    result = run("inventory", "import", "--prune", "--dry-run", str(path))
    assert result.exit_code == 1
    assert "delete node 411302" in result.stdout.splitlines()
    assert "delete node 411302001001" in result.stdout.splitlines()
    assert "dry run: nothing was written; the import would be refused (below)" in result.stdout
    problems = result.stderr.splitlines()
    assert problems[-1].startswith("error: ") and "problem(s); nothing was changed" in problems[-1]
    assert all(line.startswith(f"{path}:2: ") for line in problems[:-1]), problems
    assert run("inventory", "show", "411302").exit_code == 0
