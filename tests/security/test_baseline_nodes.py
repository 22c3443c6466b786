"""``egovnet baseline NODE...``: running configurations fetched over real SSH from the lab,
judged at each node's inventory 等保 level; an unreachable device is reported and costs
not the others."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from inventory.credentials import CredentialSet
from inventory.service import ManagementAccess
from lab.devices import DeviceFleet
from lab.model import LabDeviceSpec, LabInterface, LabNetwork

Run = Callable[..., Result]
TOWN, COMWARE_TOWN, DOWN = "411302001", "411302002", "411302003"


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[DeviceFleet]:
    specs = [
        LabDeviceSpec(
            code=TOWN,
            hostname=f"NY-{TOWN}",
            platform="huawei_vrp5",
            role="township-router",
            interfaces=(LabInterface("GigabitEthernet0/0/1", 1, "uplink", "10.110.1.125/30"),),
            username="netops",
            password="lab-only-Pa55",
        ),
        LabDeviceSpec(
            code=COMWARE_TOWN,
            hostname=f"NY-{COMWARE_TOWN}",
            platform="h3c_comware7",
            role="township-router",
            interfaces=(LabInterface("GigabitEthernet1/0/1", 1, "uplink", "10.110.1.129/30"),),
            username="netops",
            password="lab-only-Pa55",
        ),
    ]
    lab = DeviceFleet(specs, tmp_path / "lab", network=LabNetwork())
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture
def wired(run: Run, inventory: Any, fleet: DeviceFleet) -> Any:
    result = run("inventory", "seed", "--villages-per-township", "2")
    assert result.exit_code == 0, result.output
    ep = fleet.endpoint(TOWN)
    inventory.credentials.put("lab", CredentialSet(username=ep.username, password=ep.password))
    inventory.set_management(
        {
            TOWN: ManagementAccess(ep.host, ep.port, 161, "lab"),
            COMWARE_TOWN: ManagementAccess(*_hp(fleet, COMWARE_TOWN), 161, "lab"),
            DOWN: ManagementAccess("127.0.0.1", 9, 161, "lab"),  # nothing listens on port 9
        }
    )
    return inventory


def _hp(fleet: DeviceFleet, code: str) -> tuple[str, int]:
    ep = fleet.endpoint(code)
    return ep.host, ep.port


def _set_platform_and_level(run: Run, tmp_path: Path, levels: dict[str, int]) -> None:
    """Give nodes a 等保 level by export, edit, import (CSV)."""
    out = tmp_path / "csv"
    assert run("inventory", "export", "--format", "csv", "--output", str(out)).exit_code == 0
    nodes = out / "nodes.csv"
    rows = nodes.read_text("utf-8").splitlines()
    header = rows[0].split(",")
    lvl = header.index("mlps_level")
    edited = [rows[0]]
    for row in rows[1:]:
        cells = row.split(",")
        if cells[0] in levels:
            cells[lvl] = str(levels[cells[0]])
        edited.append(",".join(cells))
    nodes.write_text("\n".join(edited) + "\n", "utf-8")
    result = run("inventory", "import", str(out))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_baseline_over_ssh_at_each_nodes_level(
    run: Run, wired: Any, fleet: DeviceFleet, tmp_path: Path
) -> None:
    _set_platform_and_level(run, tmp_path, {TOWN: 2})
    result = run("baseline", TOWN, COMWARE_TOWN, DOWN, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["devices"] == 2
    assert [u["device"] for u in report["unreachable"]] == [DOWN]
    assert DOWN in report["unreachable"][0]["error"]
    by_device: dict[str, dict[str, Any]] = {}
    for f in report["findings"]:
        by_device.setdefault(f["device"], {})[f["check"]] = f
    assert set(by_device) == {TOWN, COMWARE_TOWN}
    town, comware = by_device[TOWN], by_device[COMWARE_TOWN]
    assert {f["level"] for f in town.values()} == {2}
    assert {f["level"] for f in comware.values()} == {3}
    # the lab runs a bare configuration: no NTP. Level 2 does not check NTP, level 3 does.
    assert "B9" not in town and "B9" in comware
    assert {f["platform"] for f in comware.values()} == {"h3c_comware7"}
    # evidence lines carry line numbers in the fetched text; fixes come from the templates
    b11 = town["B11"]  # the v3 user without an ACL
    assert [e["file"] for e in b11["evidence"]] == [f"{TOWN}:running"]
    (evidence,) = b11["evidence"]
    assert evidence["line"] >= 1 and evidence["text"].startswith("snmp-agent usm-user v3")
    assert "******" in evidence["text"]  # keys masked
    assert "acl number 2001" in b11["fix"]
    assert town["B8"]["fix"] == ["info-center loghost 10.111.255.11"]
    assert b11["department"] is None and b11["severity"]
    assert "lab-only-Pa55" not in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_baseline_level_option_overrides_and_bad_input_exits_2(
    run: Run, wired: Any, fleet: DeviceFleet
) -> None:
    text = run("baseline", TOWN, "--level", "3")
    assert text.exit_code == 1, text.output
    assert "B9" in text.output and "finding(s) in 1 device(s)" in text.output
    unknown = run("baseline", "nope")
    assert unknown.exit_code == 2 and "no node has code 'nope'" in unknown.output
    both = run("baseline", TOWN, "--config", "/nonexistent.cfg")
    assert both.exit_code == 2 and "not both" in both.output
    neither = run("baseline")
    assert neither.exit_code == 2
