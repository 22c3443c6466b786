"""Onboarding against the lab's devices over real SSH: allocations, exact per-platform diffs,
the policy verdict, waves, refusals that leave the database unchanged, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inventory.choices import AllocationKind
from inventory.credentials import CredentialSet
from inventory.db import transaction
from inventory.errors import PoolExhaustedError
from inventory.models import Department, Node, Zone
from inventory.seed import build_city, example_divisions
from inventory.service import ManagementAccess
from inventory.settings import IpamSettings
from inventory.state import load_state
from lab.devices import DeviceFleet
from lab.devices.editor import build_tree
from lab.model import LabNetwork
from lab.service import new_credentials
from lab.topology import build_specs
from provisioning.device import read_running
from provisioning.drivers import driver_class
from provisioning.kinds import OnboardingInputError, Zones, find_kind, parse_zones
from provisioning.onboarding import (
    OnboardingRefused,
    PolicyRefused,
    plan_onboarding,
    plan_wave,
)
from provisioning.remediation import diff_lines
from provisioning.render import Renderer

Run = Callable[..., Result]
VILLAGES = 2
#: the lab city's devices an onboarding at these townships can touch
LAB = ["4113", "4113-EGW", "411302", "411303", "411302001", "411302002", "411303002", "411303003"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceFleet]:
    """The lab devices, running what the lab accepts of their intended configuration."""
    state = build_city(example_divisions(), IpamSettings(), villages_per_township=VILLAGES).state
    specs = build_specs(state, LAB, new_credentials())
    lab = DeviceFleet(specs, tmp_path_factory.mktemp("onboard") / "lab", network=LabNetwork())
    lab.start()
    renderer = Renderer(state)
    for code in LAB:
        device = lab.device(code)
        tree, _rejected = build_tree(device.dialect, renderer.render(code).text)
        lab.call(lambda device=device, tree=tree: device.set_running(tree))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def running(fleet: DeviceFleet) -> dict[str, str]:
    """Every lab device's running configuration, read over SSH by our drivers."""
    out = {}
    for code in LAB:
        ep = fleet.endpoint(code)
        extra = {"secret": ep.password} if ep.platform == "cisco_ios" else {}
        driver = driver_class(ep.platform)(
            ep.host, ep.username, ep.password, timeout=30, optional_args={"port": ep.port, **extra}
        )
        driver.open()
        try:
            out[code] = str(driver.get_config(retrieve="running")["running"])
        finally:
            driver.close()
    return out


@pytest.fixture
def city(run: Run, inventory: Any, fleet: DeviceFleet) -> Any:
    """The seeded example city (the same state the fleet was built from)."""
    result = run("inventory", "seed", "--villages-per-township", str(VILLAGES))
    assert result.exit_code == 0, result.output
    first = fleet.endpoint(LAB[0])
    inventory.credentials.put(
        "lab",
        CredentialSet(
            username=first.username, password=first.password, enable_secret=first.password
        ),
    )
    return inventory


def _point(inv: Any, fleet: DeviceFleet, code: str) -> None:
    """Reach ``code`` at its lab endpoint (one node at a time: they share 127.0.0.1)."""
    ep = fleet.endpoint(code)
    inv.set_management({code: ManagementAccess(ep.host, ep.port, 161, "lab")})


def _snapshot(inv: Any) -> bytes:
    data: bytes = inv.export_yaml()
    return data


def _added(plan: Any, inv: Any, node: str, running: str) -> list[str]:
    """The device's diff lines that the onboarding adds (the lab's own gaps taken out)."""
    device = next(d for d in plan.devices if d.node == node)
    assert device.error is None
    with inv.sessions() as session:
        before = Renderer(load_state(session)[0]).render(node).text
    gaps = set(diff_lines(device.platform, running, before))
    return [line for line in device.diff if line not in gaps]


def _access(ports: list[str], dept: str, body: list[str], first: tuple[str, ...] = ()) -> list[str]:
    out = []
    for port in ports:
        out += [f"+ interface {port}", *first, f"  + description {dept} access", *body]
    return out


VRP_ACCESS = ["  + port link-type access", "  + port default vlan 101", "  + stp edged-port enable"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dry_run_on_a_vrp5_township_reads_the_device_and_leaves_the_database(
    city: Any, fleet: DeviceFleet
) -> None:
    _point(city, fleet, "411302001")
    before = _snapshot(city)
    plan = plan_onboarding(city, department="411302001-WSY", at="411302001")
    assert _snapshot(city) == before
    (target,) = plan.targets
    assert (target.department, target.name, target.vlan, target.subnet, target.zones) == (
        "411302001-WSY",
        "东关街道卫生院",
        101,
        "10.112.70.64/27",
        ("public", "ZW-WJ"),
    )
    assert target.new and target.attach == "411302001" and target.rd is None
    # the county already carries ZW-WJ (its 卫健委): only the township changes
    assert [(d.node, d.source) for d in plan.devices] == [("411302001", "device")]
    running = read_running(city, "411302001", "huawei_vrp5")
    ports = [f"GigabitEthernet0/0/{n}" for n in (6, 7, 8, 9)]
    assert _added(plan, city, "411302001", running) == [
        "  + ipv4-family vpn-instance ZW-WJ",
        "    + import-route direct",
        "    + import-route static",
        "+ vlan batch 101",
        "+ vlan 101",
        "  + description 411302001-WSY",
        "+ ip vpn-instance ZW-WJ",
        "  + ipv4-family",
        "    + route-distinguisher 65001:104",
        "    + vpn-target 65001:104 export-extcommunity",
        "    + vpn-target 65001:104 import-extcommunity",
        "+ interface Vlanif101",
        "  + description 411302001-WSY 东关街道卫生院",
        "  + ip binding vpn-instance ZW-WJ",
        "  + ip address 10.112.70.65 255.255.255.224",
        *_access(ports, "411302001-WSY", VRP_ACCESS),
    ]
    assert plan.allowed and plan.complete and not plan.committed
    assert "interface Vlanif101" in plan.devices[0].commands


IOS_ACCESS = [
    "  + switchport access vlan 101",
    "  + switchport mode access",
    "  + spanning-tree portfast",
]
COMWARE_ACCESS = [
    "  + port access vlan 101",
    "  + stp edged-port",
]


def _ports(fmt: str) -> list[str]:
    return [fmt.format(n) for n in (6, 7, 8, 9)]


def test_a_wave_over_a_county_onboards_every_township_once(
    city: Any, running: dict[str, str]
) -> None:
    plan = plan_wave(
        city, kind="司法所", county="411303", zones=["public", "internet"], running=running
    )
    assert [(t.department, t.vlan, t.subnet, t.zones) for t in plan.targets] == [
        ("411303002-SFS", 101, "10.112.134.64/27", ("public", "internet")),
        ("411303003-SFS", 101, "10.112.136.64/27", ("public", "internet")),
    ]
    assert [(d.node, d.platform, d.source) for d in plan.devices] == [
        ("411303002", "cisco_ios", "given"),
        ("411303003", "huawei_vrp5", "given"),
        ("4113-EGW", "huawei_vrp5", "given"),
    ]
    assert _added(plan, city, "411303002", running["411303002"]) == [
        "+ vlan 101",
        "  + name VLAN101",
        "+ interface Vlan101",
        "  + description 411303002-SFS 七一街道司法所",
        "  + ip vrf forwarding ZW-GGQ",
        "  + ip address 10.112.134.65 255.255.255.224",
        *_access(_ports("GigabitEthernet0/{}"), "411303002-SFS", IOS_ACCESS),
    ]
    assert _added(plan, city, "411303003", running["411303003"]) == [
        "+ vlan batch 101",
        "+ vlan 101",
        "  + description 411303003-SFS",
        "+ interface Vlanif101",
        "  + description 411303003-SFS 卧龙岗街道司法所",
        "  + ip binding vpn-instance ZW-GGQ",
        "  + ip address 10.112.136.65 255.255.255.224",
        *_access(_ports("GigabitEthernet0/0/{}"), "411303003-SFS", VRP_ACCESS),
    ]
    # the unified egress lets both subnets out (NAT and zone policy), still ending in the
    # logged deny; the existing permits are renumbered in department order
    assert _added(plan, city, "4113-EGW", running["4113-EGW"]) == [
        "acl number 2000",
        "  - rule 525 permit source 10.112.136.32 0.0.0.31",
        "  + rule 525 permit source 10.112.134.64 0.0.0.31",
        "  + rule 530 permit source 10.112.136.32 0.0.0.31",
        "  + rule 535 permit source 10.112.136.64 0.0.0.31",
        "acl number 3001",
        "  - rule 525 permit ip source 10.112.136.32 0.0.0.31",
        "  - rule 530 deny ip logging",
        "  + rule 525 permit ip source 10.112.134.64 0.0.0.31",
        "  + rule 530 permit ip source 10.112.136.32 0.0.0.31",
        "  + rule 535 permit ip source 10.112.136.64 0.0.0.31",
        "  + rule 540 deny ip logging",
    ]
    assert plan.allowed and not plan.committed
    committed = plan_wave(
        city,
        kind="SFS",
        county="411303",
        zones="public,internet",
        running=running,
        commit=True,
        actor=_admin(),
    )
    assert committed.committed and committed.targets == plan.targets
    shown = city.show("411303002-SFS")
    assert (shown["prefixes"], shown["vlans"], shown["internet"]) == (
        ["10.112.134.64/27"],
        [101],
        True,
    )
    (row,) = [r for r in city.audit.rows() if r.action == "provisioning.onboard"]
    assert row.target == "wave SFS 411303" and row.actor == "local:test"
    again = plan_wave(city, kind="SFS", county="411303", zones="public,internet", running=running)
    assert again.targets == () and again.devices == ()
    assert again.skipped == ("411303002-SFS", "411303003-SFS")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_comware_township_and_a_new_vpn_reaching_the_vrp8_core(
    city: Any, running: dict[str, str]
) -> None:
    with transaction(city.sessions) as session:
        session.add(Zone(code="ZW-JY", name="教育业务专网", kind="private", system="教育"))
    plan = plan_onboarding(
        city, department="411302002-CZS", at="411302002", zones="ZW-JY", running=running
    )
    (target,) = plan.targets
    assert (target.subnet, target.vlan, target.rd, target.zones) == (
        "10.112.72.64/27",
        101,
        "65001:108",
        ("ZW-JY",),
    )
    assert [(d.node, d.platform) for d in plan.devices] == [
        ("411302002", "h3c_comware7"),
        ("411302", "huawei_vrp8"),
        ("4113", "huawei_vrp8"),
    ]
    assert _added(plan, city, "411302002", running["411302002"]) == [
        "bgp 65001",
        "  + ip vpn-instance ZW-JY",
        "    + address-family ipv4 unicast",
        "      + import-route direct",
        "      + import-route static",
        "+ ip vpn-instance ZW-JY",
        "  + route-distinguisher 65001:108",
        "  + vpn-target 65001:108 import-extcommunity",
        "  + vpn-target 65001:108 export-extcommunity",
        "+ vlan 101",
        "  + name VLAN101",
        "  + description 411302002-CZS",
        "+ interface Vlan-interface101",
        "  + description 411302002-CZS 新华街道财政所",
        "  + ip binding vpn-instance ZW-JY",
        "  + ip address 10.112.72.65 255.255.255.224",
        *_access(
            _ports("GigabitEthernet1/0/{}"),
            "411302002-CZS",
            COMWARE_ACCESS,
            first=("  + port link-mode bridge",),
        ),
    ]
    vrp8 = [
        "  + ipv4-family vpn-instance ZW-JY",
        "    + import-route direct",
        "    + import-route static",
        "+ ip vpn-instance ZW-JY",
        "  + ipv4-family",
        "    + route-distinguisher 65001:108",
        "    + vpn-target 65001:108 export-extcommunity",
        "    + vpn-target 65001:108 import-extcommunity",
    ]
    assert _added(plan, city, "411302", running["411302"]) == vrp8
    assert _added(plan, city, "4113", running["4113"]) == vrp8
    assert plan.allowed
    with city.sessions() as session:  # the RD was allocated only inside the plan
        zone = session.execute(select(Zone).where(Zone.code == "ZW-JY")).scalar_one()
        assert zone.rd is None


def test_refused_requests_name_the_reason_and_change_nothing(
    city: Any, running: dict[str, str]
) -> None:
    before = _snapshot(city)
    with pytest.raises(OnboardingRefused, match=r"4113-NW .* is on the intranet"):
        plan_onboarding(city, department="4113-NW-BMFW", at="4113-NW", commit=True)
    with pytest.raises(OnboardingInputError, match="does not name a kind at 411302001"):
        plan_onboarding(city, department="411302001-NOPE", at="411302001")
    with pytest.raises(OnboardingRefused, match="belongs to node 411302, not 411302001"):
        plan_onboarding(city, department="411302-CZJ", at="411302001")
    with pytest.raises(OnboardingInputError, match="zone 'ZW-NONE' does not exist"):
        plan_onboarding(city, department="411302001-WSY", at="411302001", zones="ZW-NONE")
    with pytest.raises(OnboardingInputError, match="not a county-level node"):
        plan_wave(city, kind="BMFW", county="411302001")
    assert _snapshot(city) == before
    # fill the township's pool, then onboarding there is refused with the pool's name
    while True:
        try:
            city.allocate("411302001", AllocationKind.PREFIX, 27)
        except PoolExhaustedError:
            break
    full = _snapshot(city)
    with pytest.raises(OnboardingRefused, match=r"pool 10\.112\.70\.0/23 .* is exhausted"):
        plan_onboarding(city, department="411302001-WSY", at="411302001", commit=True)
    assert _snapshot(city) == full
    # in a wave the exhausted township is refused by name and the others go ahead
    wave = plan_wave(city, kind="WSY", county="411302", running=running)
    assert [t.department for t in wave.targets] == ["411302002-WSY", "411302003-WSY"]
    ((code, reason),) = wave.refused
    assert code == "411302001-WSY" and "is exhausted" in reason
    assert _snapshot(city) == full


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_policy_gate_refuses_a_vpn_that_joins_the_public_zone(
    city: Any, running: dict[str, str]
) -> None:
    with transaction(city.sessions) as session:
        public = session.execute(select(Zone).where(Zone.code == "ZW-GGQ")).scalar_one()
        session.add(
            Zone(
                code="ZW-LEAK",
                name="串通公用区的专网",
                kind="private",
                system="测试",
                rd="65001:900",
                import_targets=public.import_targets,
                export_targets="65001:900",
            )
        )
    before = _snapshot(city)
    plan = plan_onboarding(
        city, department="411303003-CZS", at="411303003", zones="ZW-LEAK", running=running
    )
    assert not plan.allowed
    assert {v.invariant for v in plan.verdict.introduced} == {"zone-isolation"}
    with pytest.raises(PolicyRefused, match="the policy gate refuses the plan") as refused:
        plan_onboarding(
            city,
            department="411303003-CZS",
            at="411303003",
            zones="ZW-LEAK",
            running=running,
            commit=True,
        )
    assert refused.value.plan.verdict.introduced == plan.verdict.introduced
    assert _snapshot(city) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_dry_run_prints_allocation_diff_and_verdict(
    run: Run, city: Any, fleet: DeviceFleet
) -> None:
    _point(city, fleet, "411302001")
    before = _snapshot(city)
    result = run("onboard", "--department", "411302001-WSY", "--at", "411302001", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "allocate 411302001-WSY (new) 东关街道卫生院 at 411302001: VLAN 101 on 411302001, "
        "subnet 10.112.70.64/27 on 411302001, zones public,ZW-WJ"
    )
    assert lines[1:3] == [
        "--- running 411302001 (device)",
        "+++ intended 411302001 (huawei_vrp5/township-router)",
    ]
    assert "+ interface Vlanif101" in lines and "  + ip binding vpn-instance ZW-WJ" in lines
    assert lines[-2].startswith("verdict: allowed (")
    assert lines[-1] == "dry run: nothing was allocated"
    assert fleet.endpoint("411302001").password not in result.output
    assert _snapshot(city) == before
    as_json = run(
        "onboard", "--department", "411302001-WSY", "--at", "411302001", "--dry-run", "--json"
    )
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.output)
    assert doc["committed"] is False and doc["allowed"] is True and doc["change"] is None
    assert [t["subnet"] for t in doc["targets"]] == ["10.112.70.64/27"]
    (device,) = doc["devices"]
    assert device["node"] == "411302001" and "+ interface Vlanif101" in device["diff"]
    assert _snapshot(city) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_refusals_exit_2_and_unreadable_devices_exit_1(
    run: Run, city: Any, tmp_path: Path
) -> None:
    before = _snapshot(city)
    intranet = run("onboard", "--department", "4113-NW-BMFW", "--at", "4113-NW", "--dry-run")
    assert intranet.exit_code == 2
    assert "is on the intranet" in intranet.output and "nothing was changed" in intranet.output
    zones = run(
        "onboard", "--department", "411302001-WSY", "--at", "411302001", "--zones", "internet"
    )
    assert zones.exit_code == 2 and "add public" in zones.output
    kind = run("onboard", "wave", "--kind", "NOPE", "--level", "township", "--dry-run")
    assert kind.exit_code == 2 and "'NOPE' is not a known department kind" in kind.output
    usage = run("onboard", "wave", "--kind", "BMFW", "--dry-run")
    assert usage.exit_code == 2 and "--level LEVEL or --county CODE" in usage.output
    missing = run("onboard", "--at", "411302001", "--dry-run")
    assert missing.exit_code == 2
    assert _snapshot(city) == before
    city.set_management({"411302001": ManagementAccess("127.0.0.1", 9, 161, "lab")})
    pointed = _snapshot(city)
    down = run("onboard", "--department", "411302001-WSY", "--at", "411302001", "--dry-run")
    assert down.exit_code == 1
    assert "# cannot read the running configuration: 411302001: " in down.output
    assert "Traceback" not in down.output
    assert _snapshot(city) == pointed


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_wave_dry_run_skips_onboarded_departments(
    run: Run, city: Any, fleet: DeviceFleet
) -> None:
    _point(city, fleet, "411303002")
    # every township already has its 便民服务中心: nothing to do, nothing to read
    same = run("onboard", "wave", "--kind", "便民服务中心", "--county", "411303", "--dry-run")
    assert same.exit_code == 0, same.output
    assert same.output.splitlines() == [
        "skip 411303002-BMFW: already onboarded",
        "skip 411303003-BMFW: already onboarded",
        "nothing to onboard",
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_scope_is_checked_before_anything_is_planned(run: Run, city: Any) -> None:
    assert run("users", "add", "boss", "--role", "admin", input="Adm1n-pass-word\n").exit_code == 0
    added = run(
        "--user",
        "boss",
        "users",
        "add",
        "wc",
        "--role",
        "engineer",
        "--scope",
        "411302",
        input="Adm1n-pass-word\nEng1neer-pass-word\n",
    )
    assert added.exit_code == 0, added.output
    outside = run(
        "--user",
        "wc",
        "onboard",
        "--department",
        "411303002-WSY",
        "--at",
        "411303002",
        input="Eng1neer-pass-word\n",
    )
    assert outside.exit_code == 1 and "outside wc's scope 411302" in outside.output
    whole = run(
        "--user",
        "wc",
        "onboard",
        "wave",
        "--kind",
        "WSY",
        "--level",
        "township",
        input="Eng1neer-pass-word\n",
    )
    assert whole.exit_code == 1 and "of the whole city is refused" in whole.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_gate_refusal_prints_the_rule_and_lines_and_exits_1(
    run: Run, city: Any, fleet: DeviceFleet
) -> None:
    with transaction(city.sessions) as session:
        session.add(
            Zone(
                code="ZW-LEAK",
                name="串通公用区的专网",
                kind="private",
                system="测试",
                rd="65001:900",
                import_targets="65001:100",
                export_targets="65001:900",
            )
        )
    _point(city, fleet, "411303003")
    before = _snapshot(city)
    args = ("onboard", "--department", "411303003-CZS", "--at", "411303003", "--zones", "ZW-LEAK")
    result = run(*args, "--dry-run")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    verdict = lines.index(next(x for x in lines if x.startswith("verdict: refused")))
    assert lines[verdict + 1] == (
        "  zone-isolation 4113: vpn-instance/VRF ZW-LEAK imports route target 65001:100 "
        "of ZW-GGQ: it joins two zones"
    )
    refused = [x for x in lines[verdict + 1 :] if x.startswith("  zone-isolation ")]
    assert {x.split()[1] for x in refused} == {"4113:", "411303:", "411303003:"}
    assert any("65001:100" in x and x.startswith("    4113") for x in lines[verdict + 2 :])
    doc = json.loads(run(*args, "--dry-run", "--json").output)
    assert doc["allowed"] is False
    assert [v["invariant"] for v in doc["verdict"]["introduced"]] == ["zone-isolation"] * 3
    assert _snapshot(city) == before


@given(st.lists(st.text(max_size=12), max_size=5))
@settings(max_examples=300, deadline=None)
def test_parse_zones_accepts_or_names_the_problem(words: list[str]) -> None:
    text = ",".join(words)
    try:
        zones = parse_zones(text)
    except OnboardingInputError as exc:
        assert str(exc).startswith("--zones: ")
        return
    assert isinstance(zones, Zones)
    assert zones.public or zones.private
    assert not (zones.internet and (zones.private or not zones.public))
    assert parse_zones(zones.names()) == zones


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_department_with_a_planned_site_switch_gets_its_whole_configuration(
    city: Any, running: dict[str, str]
) -> None:
    with transaction(city.sessions) as session:
        town = session.execute(select(Node).where(Node.code == "411302003")).scalar_one()
        site = Node(
            code="411302003-WSY-AS",
            name="汉冶街道卫生院接入交换机",
            level="township",
            parent=town,
            role="access-switch",
            platform="huawei_vrp5",
            status="planned",
        )
        session.add(site)
        session.add(
            Department(
                code="411302003-WSY",
                name="汉冶街道卫生院",
                level="township",
                home_node=town,
                site_node=site,
            )
        )
    plan = plan_onboarding(city, department="411302003-WSY", at="411302003", running=running)
    (target,) = plan.targets
    assert (target.attach, target.new, target.zones) == ("411302003-WSY-AS", False, ("public",))
    (device,) = plan.devices
    assert (device.node, device.source, device.error) == ("411302003-WSY-AS", "new", None)
    assert device.diff[0] == "+ sysname NY-411302003-WSY-AS"  # never an all-digit name
    assert "+ interface Vlanif101" in device.diff
    assert all(line.startswith(("+", " ")) for line in device.diff)
    assert len(device.commands) > 20 and plan.allowed


@given(st.text(max_size=10))
@settings(max_examples=300, deadline=None)
def test_find_kind_finds_or_names_the_problem(text: str) -> None:
    try:
        kind = find_kind(text)
    except OnboardingInputError as exc:
        assert str(exc).startswith("--kind: ")
        return
    assert text.strip().upper() == kind.abbr or text.strip() == kind.name


def _admin() -> Any:
    from inventory.audit import Actor

    return Actor("local:test", "admin")
