"""Seeding: the built-in example city and the real Nanyang divisions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from inventory_bundles import DIVISIONS_CSV

from inventory.errors import ImportFileError


def test_example_city_seeds_and_reseeding_changes_nothing(inventory: Any) -> None:
    inventory.seed(None, villages_per_township=4)
    stats = inventory.stats()
    assert stats["divisions"] == {"city": 1, "county": 2, "township": 5, "village": 20}
    assert stats["departments"]["total"] == 60 + 2 * 33 + 5
    assert inventory.seed(None, villages_per_township=4).empty()
    platforms = set(stats["nodes"]["by_platform"])
    assert {"huawei_vrp5", "huawei_vrp8", "h3c_comware7", "cisco_ios"} <= platforms


def test_every_seeded_device_has_loopback_uplink_and_credentials_ref(inventory: Any) -> None:
    inventory.seed(None, villages_per_township=2)
    village = inventory.show("411302001001")
    assert village["mgmt_address"].startswith("10.111.")
    assert village["credentials"] == "default"
    assert any("uplink" in link for link in village["links"])
    assert any(p.endswith(" subnet") for p in village["prefixes"])
    dept = inventory.show("411302-RSJ")
    assert dept["private_zone"] == "ZW-RS" and dept["site"] == "411302-RSJ-AS"


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_full_nanyang(run: Callable[..., Result]) -> None:
    if not DIVISIONS_CSV.exists():
        pytest.skip(f"{DIVISIONS_CSV} is not there (it lives in ../shared beside the repository)")
    result = run("inventory", "seed", "--divisions", str(DIVISIONS_CSV))
    assert result.exit_code == 0, result.output
    import json

    stats = json.loads(run("inventory", "stats", "--json").output)
    assert stats["divisions"] == {"city": 1, "county": 15, "township": 256, "village": 4608}
    assert stats["departments"]["total"] >= 800
    assert 5400 <= stats["devices"] <= 6000
    tree = run("inventory", "tree", "--depth", "2").output.splitlines()
    assert tree[0].startswith("4113 南阳市 [core, huawei_vrp8, active]")
    assert (
        "  411302 宛城区 [aggregation, huawei_vrp8, active]  (33 departments, 33 site devices)"
        in tree
    )
    assert (
        "    411302001 东关街道 [township-router, huawei_vrp5, active]  (18 villages, 1 department, 1 site device)"
        in tree
    )
    assert (
        len(tree) == 1 + 1 + 15 + 256 + 2
    )  # city, egress, counties, townships, intranet and ISP roots


def test_divisions_csv_errors(inventory: Any, tmp_path: Path) -> None:
    bad = tmp_path / "div.csv"
    bad.write_text(
        "code,name,level,parent_code\n4113,南阳市,city,41\n411302,宛城区,province,4113\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as info:
        inventory.seed(bad)
    assert info.value.problems == [
        f"{bad}:3: level 'province' is not city, county, township or village"
    ]
    assert inventory.is_empty()


def test_seed_gives_no_extranet_address_to_intranet_or_internet_nodes(inventory: Any) -> None:
    inventory.seed(None, villages_per_township=2)
    for code in ("4113-NW", "4113-NW-AS", "ISP-CT"):
        shown = inventory.show(code)
        assert shown["prefixes"] == [], (code, shown["prefixes"])
        assert shown["mgmt_address"] is None, code


def test_generated_village_names_are_varied_and_unique_per_township(inventory: Any) -> None:
    inventory.seed(None, villages_per_township=18)
    names = [inventory.show(f"411302001{v:03d}")["name"] for v in range(1, 19)]
    assert len(set(names)) == 18 and all(name.endswith("村") for name in names)
    others = [inventory.show(f"411302002{v:03d}")["name"] for v in range(1, 19)]
    assert len(set(names) & set(others)) <= 2  # not the same 18 names in every township
    statuses = [inventory.show(f"411302001{v:03d}")["status"] for v in range(1, 19)]
    assert statuses == ["active"] * 9 + ["planned"] * 9


REAL_VILLAGES = """\
code,name,level,parent_code
4113,南阳市,city,41
411302,宛城区,county,4113
411302001,东关街道,township,411302
411302002,新华街道,township,411302
411302001201,溧河村,village,411302001
411302001202,十里庙村,village,411302001
411302001105,建设路社区,village,411302001
"""


def test_a_real_village_list_replaces_the_generated_villages(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "divisions.csv"
    path.write_text(REAL_VILLAGES, encoding="utf-8")
    result = run("inventory", "seed", "--divisions", str(path), "--villages-per-township", "2")
    assert result.exit_code == 0, result.output
    tree = run("inventory", "tree").output.splitlines()
    listed = [line.strip() for line in tree if line.startswith("      411302001")]
    assert listed == [
        "411302001105 建设路社区 [village-cpe, huawei_vrp5, active]",
        "411302001201 溧河村 [village-cpe, h3c_comware7, active]",
        "411302001202 十里庙村 [village-cpe, huawei_vrp5, active]",
    ]
    generated = [line.split()[0] for line in tree if line.startswith("      411302002")]
    assert generated == ["411302002001", "411302002002"]
    shown = run("inventory", "show", "411302001201")
    assert "parents:" in shown.output and "东关街道" in shown.output


def test_a_village_row_needs_a_township_of_the_file(inventory: Any, tmp_path: Path) -> None:
    path = tmp_path / "divisions.csv"
    path.write_text(REAL_VILLAGES + "411302999001,飞地村,village,411302\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        inventory.seed(path)
    assert info.value.problems == [
        f"{path}:9: village 411302999001: parent_code '411302' is not a township of this file"
    ]
    assert inventory.is_empty()


def test_village_nodes_import_as_a_nodes_csv(run: Callable[..., Result], tmp_path: Path) -> None:
    assert run("inventory", "seed", "--villages-per-township", "1").exit_code == 0
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(
        "code,name,level,role,parent,platform,status\n"
        "411302001201,溧河村,village,village-cpe,411302001,huawei_vrp5,planned\n",
        encoding="utf-8",
    )
    dry = run("inventory", "import", "--dry-run", str(nodes))
    assert dry.exit_code == 0 and "create node 411302001201" in dry.output
    assert run("inventory", "import", str(nodes)).exit_code == 0
    assert "溧河村" in run("inventory", "show", "411302001201").output
