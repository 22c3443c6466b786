"""The model refuses what the domain forbids, with messages naming the objects,
and a refused import leaves the database exactly as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from inventory_bundles import BASE, line_of, with_rows

from inventory.errors import ImportFileError


def _load(inventory: Any, tmp_path: Path, text: str, name: str = "bundle.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(inventory: Any, tmp_path: Path, text: str) -> list[str]:
    before = inventory.export_yaml()
    path = _load(inventory, tmp_path, text, "bad.yaml")
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    assert inventory.export_yaml() == before, "a refused import changed the database"
    return [p.replace(str(path), "bad.yaml") for p in info.value.problems]


@pytest.fixture
def base(inventory: Any, tmp_path: Path) -> Any:
    inventory.import_path(_load(inventory, tmp_path, BASE))
    return inventory


def test_base_bundle_imports(base: Any) -> None:
    stats = base.stats()
    assert stats["divisions"] == {"city": 1, "county": 1, "township": 1, "village": 1}
    assert stats["links"]["by_kind"] == {"isp": 1, "uplink": 2}


def test_village_under_county_is_refused(base: Any, tmp_path: Path) -> None:
    row = (
        "- {code: '411302000999', name: 错村, level: village, role: village-cpe, parent: '411302'}"
    )
    text = with_rows("nodes", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, '411302000999')}: node 411302000999 (错村): a village's parent "
        "must be a township, but 411302 (宛城区) is a county"
    ]


def test_township_under_city_is_refused(base: Any, tmp_path: Path) -> None:
    row = (
        "- {code: '411302099', name: 错镇, level: township, role: township-router, parent: '4113'}"
    )
    text = with_rows("nodes", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, '411302099')}: node 411302099 (错镇): a township's parent "
        "must be a county, but 4113 (南阳市) is a city"
    ]


def test_county_without_parent_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {code: '411303', name: 卧龙区, level: county, role: aggregation}"
    text = with_rows("nodes", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, '卧龙区')}: node 411303 (卧龙区): a county's parent must be "
        "a city, but it has no parent"
    ]


def test_intranet_to_extranet_link_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {a_node: 4113-NW, a_interface: GE1/0/9, b_node: '4113', b_interface: GE1/0/9, kind: uplink}"
    text = with_rows("links", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, '4113-NW, a_interface')}: link 4113-NW:GE1/0/9 -- 4113:GE1/0/9: "
        "intranet node 4113-NW (政务内网核心) cannot link to extranet node 4113 (南阳市) "
        "(the intranet is physically isolated)"
    ]


def test_second_egress_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {code: 4113-EGW2, name: 第二出口, level: city, role: egress-firewall, parent: '4113'}"
    text = with_rows("nodes", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, '4113-EGW2')}: node 4113-EGW2 (第二出口): a second "
        "egress-firewall; 4113-EGW is already the city's unified egress"
    ]


def test_isp_link_off_the_egress_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {a_node: '411302', a_interface: GigabitEthernet1/0/9, b_node: ISP-CT, b_interface: port2, kind: isp}"
    text = with_rows("links", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, 'port2')}: link 411302:GigabitEthernet1/0/9 -- ISP-CT:port2: an "
        "ISP link may only end on the egress firewall, not on 411302 (宛城区), an aggregation node"
    ]


def test_internet_node_reached_without_isp_link_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {a_node: '411302', a_interface: GigabitEthernet1/0/9, b_node: ISP-CT, b_interface: port2, kind: uplink}"
    text = with_rows("links", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, 'port2')}: link 411302:GigabitEthernet1/0/9 -- ISP-CT:port2: "
        "internet node ISP-CT (中国电信) may only be reached over an isp link to the egress firewall"
    ]


def test_interface_used_twice_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {a_node: '411302001', a_interface: GigabitEthernet0/0/1, b_node: '411302', b_interface: GigabitEthernet1/0/1}"
    text = with_rows("links", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, 'a_node: ' + chr(39) + '411302001')}: link 411302001:GigabitEthernet0/0/1 -- "
        "411302:GigabitEthernet1/0/1: interface 411302:GigabitEthernet1/0/1 is already used by "
        "link 411302:GigabitEthernet1/0/1 -- 4113:GE1/0/2"
    ]


def test_department_on_the_intranet_is_refused(base: Any, tmp_path: Path) -> None:
    row = "- {code: 4113-X, name: 错部门, level: city, node: 4113-NW}"
    text = with_rows("departments", row)
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, '4113-X')}: department 4113-X (错部门): home node 4113-NW "
        "(政务内网核心) is on the intranet, departments attach to the extranet"
    ]


def test_every_bad_row_is_reported(base: Any, tmp_path: Path) -> None:
    text = with_rows(
        "nodes",
        "- {code: 'A1', name: a, level: province, role: core}",
        "- {code: 'A2', name: b, level: city, role: core, ssh_port: 70000}",
        "- {code: 'A3', level: city, role: core}",
    )
    assert _refused(base, tmp_path, text) == [
        f"bad.yaml:{line_of(text, 'A1')}: node A1: level: 'province' is not one of city, county, township, village",
        f"bad.yaml:{line_of(text, 'A2')}: node A2: ssh_port: 70000 is not a port (1-65535)",
        f"bad.yaml:{line_of(text, 'A3')}: node A3: name: is required",
    ]
