"""``egovnet policy check --running``: configurations fetched over real SSH and routes,
LLDP neighbours and ARP entries walked over real SNMP from the lab, whose devices run the
configurations our templates render. Clean -> no violation; injected faults -> exactly
those violations; an unreachable device is reported and costs not the others."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from running_lab import COMMUNITY, PASSWORD, USERNAME, RunningLab, running_lab

from inventory.credentials import CredentialSet
from inventory.service import ManagementAccess
from inventory.state import load_state
from lab.model import LabArp, LabRoute
from web.app import create_app

Run = Callable[..., Result]
COUNTY, TOWN, COMWARE, SWITCH = "411302", "411302001", "411302002", "411302001-BMFW-AS"
CODES = [COUNTY, TOWN, COMWARE, SWITCH]


@pytest.fixture
def app(sqlite_url: str, instance_path: Path) -> Iterator[Flask]:
    app = create_app({"database.url": sqlite_url, "ipam.intranet_blocks": "10.200.0.0/16"})
    yield app
    app.extensions["egovnet"]["inventory"].dispose()


@pytest.fixture
def state(run: Run, inventory: Any) -> Any:
    result = run("inventory", "seed", "--villages-per-township", "2")
    assert result.exit_code == 0, result.output
    with inventory.sessions() as session:
        return load_state(session)[0]


def _wire(inventory: Any, lab: RunningLab, down: str | None = None) -> None:
    inventory.credentials.put(
        "lab", CredentialSet(username=USERNAME, password=PASSWORD, snmp_community=COMMUNITY)
    )
    access = {}
    for code in lab.snmp_ports:
        ep = lab.fleet.endpoint(code)
        access[code] = ManagementAccess(ep.host, ep.port, lab.snmp_ports[code], "lab")
    if down is not None:  # nothing listens on port 9 (SSH) nor 7 (SNMP)
        access[down] = ManagementAccess("127.0.0.1", 9, 7, "lab")
    inventory.set_management(access)


def _check(run: Run, *codes: str) -> tuple[int, dict[str, Any]]:
    result = run("policy", "check", "--running", *codes, "--json")
    return result.exit_code, json.loads(result.output)


def test_the_clean_lab_has_no_violation(
    run: Run, inventory: Any, state: Any, tmp_path: Path
) -> None:
    with running_lab(state, CODES, tmp_path / "lab") as lab:
        _wire(inventory, lab)
        code, report = _check(run, *CODES)
        assert report["violations"] == [], report["violations"][:3]
        assert report["unreachable"] == [] and report["skipped_rows"] == 0
        assert (code, report["devices"]) == (0, 4)


def test_injected_route_neighbours_and_arp_are_exactly_the_violations(
    run: Run, inventory: Any, state: Any, tmp_path: Path
) -> None:
    with running_lab(
        state,
        CODES,
        tmp_path / "lab",
        extra_routes={TOWN: (LabRoute("0.0.0.0/0", "203.0.113.1", "GigabitEthernet0/0/1"),)},
        extra_peers={
            (COMWARE, "GigabitEthernet1/0/4"): "ROGUE-SW",
            (SWITCH, "GigabitEthernet0/0/3"): "4113-NW",
        },
        extra_arp={COUNTY: (LabArp("10.200.0.7", "00:11:22:33:44:55", "GE1/0/1"),)},
    ) as lab:
        _wire(inventory, lab)
        code, report = _check(run, *CODES)
    assert code == 1
    got = [(v["invariant"], v["device"], v["why"]) for v in report["violations"]]
    assert got == [
        (
            "single-egress",
            TOWN,
            "observed default route to 203.0.113.1, outside the extranet, "
            "on a device that is not the egress-firewall",
        ),
        (
            "zone-isolation",
            COMWARE,
            "LLDP neighbour 'ROGUE-SW' on GigabitEthernet1/0/4 (its port GE0/0/9) "
            "is not in the inventory",
        ),
        (
            "intranet-air-gap",
            COUNTY,
            "ARP entry for intranet address 10.200.0.7 (00:11:22:33:44:55) "
            "on extranet device 411302",
        ),
        (
            "intranet-air-gap",
            SWITCH,
            "LLDP neighbour '4113-NW' on GigabitEthernet0/0/3 (its port GE0/0/9): "
            "intranet node 4113-NW is adjacent to non-intranet node 411302001-BMFW-AS",
        ),
    ]
    observations = {v["device"]: v["observations"] for v in report["violations"]}
    (route,) = observations[TOWN]
    assert route.startswith(
        ("ipCidrRouteTable 0.0.0.0.0.0.0.0.0.203.0.113.1", "inetCidrRouteTable")
    )
    assert observations[COUNTY][0].startswith("ipNetToMediaTable 1.10.200.0.7 = 00:11:22:33:44:55")
    assert observations[COMWARE][0].startswith("lldpRemTable 0.4.1 = lldpRemSysName 'ROGUE-SW'")


def test_an_unreachable_device_is_reported_and_the_others_are_judged(
    run: Run, inventory: Any, state: Any, tmp_path: Path
) -> None:
    with running_lab(
        state,
        [COUNTY, TOWN],
        tmp_path / "lab",
        extra_arp={TOWN: (LabArp("10.200.1.1", "00:11:22:33:44:66", "GigabitEthernet0/0/2"),)},
    ) as lab:
        _wire(inventory, lab, down=COMWARE)
        code, report = _check(run, COUNTY, TOWN, COMWARE)
        text = run("policy", "check", "--running", COUNTY, TOWN, COMWARE)
    assert text.exit_code == 1
    lines = text.output.splitlines()
    assert lines[0].startswith(f"{TOWN}: [intranet-air-gap] {TOWN}: ARP entry for intranet address")
    assert lines[1] == "    observed: ipNetToMediaTable 2.10.200.1.1 = 00:11:22:33:44:66"
    assert lines[-1] == "1 violation(s) in 3 device(s), 1 not fully read"
    unknown = run("policy", "check", "--running", "nope")
    assert unknown.exit_code == 2 and "no node has code 'nope'" in unknown.output
    mixed = run("policy", "check", "--running", "--configs", "/tmp")
    assert mixed.exit_code == 2
    assert code == 1 and report["devices"] == 3
    assert [u["device"] for u in report["unreachable"]] == [COMWARE]
    why = report["unreachable"][0]["error"]
    assert "configuration:" in why and "SNMP:" in why
    assert [(v["invariant"], v["device"]) for v in report["violations"]] == [
        ("intranet-air-gap", TOWN)
    ]
    assert PASSWORD not in json.dumps(report) and COMMUNITY not in json.dumps(report)


def test_the_policy_campaign_judges_the_running_network_like_the_cli(
    app: Flask, inventory: Any, state: Any, tmp_path: Path
) -> None:
    """Campaign check ``policy``: the same verdict as ``policy check --running`` (SSH + SNMP),
    as findings owned by each node's department; a clean re-run verifies them."""
    from inventory.audit import Actor

    actor = Actor("sec", "security")
    security = app.extensions["egovnet"]["security"]
    security.ensure_schema()
    scope = ",".join(f"node:{code}" for code in CODES)
    security.campaigns.create("running", "policy", scope, None, actor)
    with running_lab(state, CODES, tmp_path / "clean") as lab:
        _wire(inventory, lab)
        clean = security.campaigns.run("running")
    assert (clean.total, clean.done, clean.errors, clean.found) == (4, 4, 0, 0)
    assert security.findings.list() == []

    with running_lab(
        state,
        CODES,
        tmp_path / "faulty",
        extra_routes={TOWN: (LabRoute("0.0.0.0/0", "203.0.113.1", "GigabitEthernet0/0/1"),)},
        extra_peers={
            (COMWARE, "GigabitEthernet1/0/4"): "ROGUE-SW",
            (SWITCH, "GigabitEthernet0/0/3"): "4113-NW",
        },
        extra_arp={COUNTY: (LabArp("10.200.0.7", "00:11:22:33:44:55", "GE1/0/1"),)},
    ) as lab:
        _wire(inventory, lab)
        faulty = security.campaigns.run("running")
    assert (faulty.total, faulty.done, faulty.errors) == (4, 4, 0)
    departments = {c: n.department for c, n in security.campaigns.nodes().items()}
    found = {
        (f.check, f.node, f.department, f.evidence["observations"][0].split(" ")[0])
        for f in security.findings.list()
    }
    route_table = next(o for c, _n, _d, o in found if c == "policy.single-egress")
    assert route_table in ("ipCidrRouteTable", "inetCidrRouteTable")
    assert found == {
        ("policy.single-egress", TOWN, departments[TOWN], route_table),
        ("policy.zone-isolation", COMWARE, departments[COMWARE], "lldpRemTable"),
        ("policy.intranet-air-gap", COUNTY, departments[COUNTY], "ipNetToMediaTable"),
        ("policy.intranet-air-gap", SWITCH, departments[SWITCH], "lldpRemTable"),
    }
    assert departments[SWITCH] == "411302001-BMFW"  # the department behind the access switch

    with running_lab(state, CODES, tmp_path / "fixed") as lab:
        _wire(inventory, lab)
        security.campaigns.run("running")
    assert {f.state for f in security.findings.list()} == {"verified"}
