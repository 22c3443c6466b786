"""IPAM: hierarchical pools, allocate-next-free, release, exhaustion and overlap refusals."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from inventory_bundles import BASE, line_of, with_rows

from inventory.choices import AllocationKind
from inventory.errors import ImportFileError, IpamError, NotFoundError, PoolExhaustedError


@pytest.fixture
def city(inventory: Any, tmp_path: Path) -> Any:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    inventory.import_path(path)
    return inventory


def test_subnets_come_from_the_division_pool_created_on_demand(city: Any) -> None:
    got = city.allocate(
        "411302001001", AllocationKind.PREFIX
    )  # a village: /29 from its township's pool
    township_pool = city.allocate("411302001", AllocationKind.PREFIX).pool
    assert got.pool == township_pool
    net = ipaddress.IPv4Network(got.value)
    assert net.prefixlen == 29
    assert net.subnet_of(ipaddress.IPv4Network(township_pool))
    # the township pool itself sits in the county pool imported with the bundle
    assert ipaddress.IPv4Network(township_pool).subnet_of(ipaddress.IPv4Network("10.112.64.0/18"))
    shown = city.show("411302001")
    assert f"{township_pool} township-pool" in shown["prefixes"]


def test_next_free_skips_what_is_taken(city: Any) -> None:
    # 10.112.64.0/27 is taken by the imported department subnet
    assert city.allocate("411302", AllocationKind.PREFIX, size=27).value == "10.112.64.32/27"
    assert city.allocate("411302", AllocationKind.PREFIX, size=26).value == "10.112.64.64/26"
    assert city.allocate("411302", AllocationKind.PREFIX, size=27).value == "10.112.64.128/27"


def test_loopback_p2p_vlan_rd(city: Any) -> None:
    assert city.allocate("4113", AllocationKind.LOOPBACK).value == "10.111.0.0/32"
    assert city.allocate("4113", AllocationKind.LOOPBACK).value == "10.111.0.1/32"
    assert city.allocate("411302", AllocationKind.P2P).value == "10.110.0.0/30"
    assert city.allocate("411302", AllocationKind.VLAN).value == "101"  # 100 is taken
    assert city.allocate("411302001", AllocationKind.VLAN).value == "100"
    assert city.allocate("411302", AllocationKind.RD, zone="ZW-RS").value == "65001:101"


def test_release_then_reuse(city: Any) -> None:
    first = city.allocate("411302", AllocationKind.PREFIX, size=28).value
    city.release(AllocationKind.PREFIX, first)
    assert city.allocate("411302", AllocationKind.PREFIX, size=28).value == first
    city.release(AllocationKind.VLAN, "100", "411302")
    assert city.allocate("411302", AllocationKind.VLAN).value == "100"


def test_release_refusals(city: Any) -> None:
    before = city.export_yaml()
    with pytest.raises(
        IpamError, match=r"^pool 10.112.64.0/18 still holds 1 prefix\(es\); release them first$"
    ):
        city.release(AllocationKind.PREFIX, "10.112.64.0/18")
    with pytest.raises(NotFoundError, match=r"^prefix 10.1.0.0/24 is not allocated$"):
        city.release(AllocationKind.PREFIX, "10.1.0.0/24")
    with pytest.raises(
        NotFoundError, match=r"^VLAN 999 is not allocated on node 411302 \(宛城区\)$"
    ):
        city.release(AllocationKind.VLAN, "999", "411302")
    assert city.export_yaml() == before


def test_pool_exhaustion_is_refused_and_changes_nothing(inventory: Any, tmp_path: Path) -> None:
    # a county pool of /29: one /30 fits twice, then it is exhausted
    text = BASE.replace("10.112.64.0/18", "10.112.64.0/29").replace(
        "- {prefix: 10.112.64.0/27, role: subnet, node: '411302', department: 411302-RSJ}\n", ""
    )
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    inventory.import_path(path)
    assert inventory.allocate("411302", AllocationKind.PREFIX, size=30).value == "10.112.64.0/30"
    assert inventory.allocate("411302", AllocationKind.PREFIX, size=30).value == "10.112.64.4/30"
    before = inventory.export_yaml()
    with pytest.raises(PoolExhaustedError) as info:
        inventory.allocate("411302", AllocationKind.PREFIX, size=30)
    assert str(info.value) == (
        "pool 10.112.64.0/29 is exhausted: no free /30 for node 411302 (宛城区)"
    )
    assert inventory.export_yaml() == before


def test_vlan_exhaustion(inventory: Any, tmp_path: Path, app: Any) -> None:
    from inventory.service import Inventory
    from inventory.settings import InventorySettings, IpamSettings

    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    inventory.import_path(path)
    settings = inventory.settings
    tight = Inventory(
        InventorySettings(
            settings.database_url,
            None,
            settings.secret_key_file,
            IpamSettings(vlan_range=(100, 101)),
        )
    )
    try:
        assert tight.allocate("411302", AllocationKind.VLAN).value == "101"
        with pytest.raises(
            PoolExhaustedError, match=r"^node 411302 \(宛城区\): VLAN range 100-101 is exhausted$"
        ):
            tight.allocate("411302", AllocationKind.VLAN)
    finally:
        tight.dispose()


def test_overlapping_allocation_is_refused_on_import(city: Any, tmp_path: Path) -> None:
    before = city.export_yaml()
    text = with_rows("prefixes", "- {prefix: 10.112.64.16/28, role: subnet, node: '411302'}")
    path = tmp_path / "overlap.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        city.import_path(path)
    assert info.value.problems == [
        f"{path}:{line_of(text, '10.112.64.16/28')}: prefix 10.112.64.16/28 overlaps allocation 10.112.64.0/27"
    ]
    assert city.export_yaml() == before


def test_allocation_outside_every_pool_is_refused(city: Any, tmp_path: Path) -> None:
    text = with_rows("prefixes", "- {prefix: 192.168.9.0/24, role: subnet, node: '411302'}")
    path = tmp_path / "outside.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        city.import_path(path)
    assert info.value.problems == [
        f"{path}:{line_of(text, '192.168.9.0/24')}: prefix 192.168.9.0/24 (subnet) is not inside any pool"
    ]


def test_host_bits_are_refused(city: Any, tmp_path: Path) -> None:
    text = with_rows("prefixes", "- {prefix: 10.112.64.33/27, role: subnet, node: '411302'}")
    path = tmp_path / "host.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        city.import_path(path)
    assert info.value.problems == [
        f"{path}:{line_of(text, '10.112.64.33/27')}: prefix 10.112.64.33/27: prefix: "
        "'10.112.64.33/27' has host bits set (did you mean 10.112.64.32/27?)"
    ]


@pytest.mark.parametrize("code", ["4113-NW", "ISP-CT"])
def test_intranet_and_internet_nodes_never_draw_from_extranet_pools(city: Any, code: str) -> None:
    before = city.export_yaml()
    network = "intranet" if code == "4113-NW" else "internet"
    for kind in (AllocationKind.PREFIX, AllocationKind.LOOPBACK, AllocationKind.P2P):
        with pytest.raises(
            IpamError, match=rf"is on the {network}, not the extranet: .* \({kind.value} refused\)$"
        ):
            city.allocate(code, kind)
    with pytest.raises(IpamError, match=r"never draws from the extranet's pools"):
        city.allocate(code, AllocationKind.RD, zone="ZW-RS")
    assert city.export_yaml() == before  # no pool carved, nothing allocated


def test_allocate_refusal_for_the_intranet_on_the_cli(city: Any, run: Any) -> None:
    result = run("inventory", "allocate", "--node", "4113-NW", "--kind", "prefix")
    assert result.exit_code != 0, result.output  # the CLI's exit code for refusals
    assert "is on the intranet, not the extranet" in result.output
    assert "Traceback" not in result.output
