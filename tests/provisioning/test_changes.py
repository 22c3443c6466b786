"""Changes against the lab's devices over real SSH: the policy gate (nothing reaches a device
it refuses), four-eyes approval and scopes, push with commit-confirm and verification, a
line refused mid-push, a session dropped after the commit, the pusher killed with SIGKILL
and the push re-run, rollback, and the onboarding CLI handing its plan over as a change.

The lab accepts most but not all of an intended configuration (MPLS, VRP firewall zones
are not in its grammar): its devices run what it accepts. The changes here are made
against the pre-change intended configuration as the running one (``running=`` given),
so they carry only the onboarding's own lines, and "running equals intended" is checked
as: the remediation left after the push is exactly the lab's gaps from before.
"""

from __future__ import annotations

import base64
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from driver_lab import open_on, wait_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inventory.accounts import PermissionDenied
from inventory.audit import Actor
from inventory.credentials import CredentialSet
from inventory.db import transaction
from inventory.models import Zone
from inventory.seed import build_city, example_divisions
from inventory.service import ManagementAccess
from inventory.settings import IpamSettings
from lab.devices import DeviceFleet
from lab.devices.editor import build_tree
from lab.model import LabClock, LabNetwork
from lab.service import new_credentials
from lab.topology import build_specs
from provisioning import changes as ch
from provisioning.changes import (
    ChangeStateError,
    FourEyesError,
    GateRefused,
    approve_change,
    check_change,
    create_change,
    get_change,
)
from provisioning.drivers import driver_class
from provisioning.models import ChangeDevice
from provisioning.onboarding import plan_onboarding, plan_wave
from provisioning.push import PushSettings, StaleChange, missing, push_change, unmask
from provisioning.remediation import remediate
from provisioning.render import Renderer, load_source
from provisioning.secrets import REDACTED, sanitize

Run = Callable[..., Result]
VILLAGES = 2
LAB = ["4113", "4113-EGW", "411302", "411303", "411302001", "411302002", "411303002", "411303003"]
#: Lab time runs 10x faster: a 120 s revert deadline passes in 12 s.
CLOCK = 10.0
ADMIN = Actor("local:test", "admin")
ENG1, ENG2 = Actor("eng1", "engineer"), Actor("eng2", "engineer")
PASSWORD = "Eng1neer-pass-word"
FAST = PushSettings(width=4, revert_in=120, poll=0.5, grace=20)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceFleet]:
    state = build_city(example_divisions(), IpamSettings(), villages_per_township=VILLAGES).state
    specs = build_specs(state, LAB, new_credentials())
    lab = DeviceFleet(
        specs,
        tmp_path_factory.mktemp("changes") / "lab",
        network=LabNetwork(clock=LabClock(CLOCK)),
    )
    lab.start()
    renderer = Renderer(state)
    lab.initial = {}  # type: ignore[attr-defined]
    for code in LAB:
        device = lab.device(code)
        # the rendered configuration only: the IOS template carries what NAPALM's ios
        # driver needs (ip scp server enable, archive)
        tree, _rejected = build_tree(device.dialect, renderer.render(code).text)
        lab.initial[code] = tree  # type: ignore[attr-defined]
    yield lab
    lab.stop()


@pytest.fixture
def lab(fleet: DeviceFleet) -> DeviceFleet:
    """Every lab device back at its initial running configuration, healthy, log empty."""
    for code in LAB:
        device = fleet.device(code)
        tree = fleet.initial[code].clone()  # type: ignore[attr-defined]
        fleet.call(lambda device=device, tree=tree: device.set_running(tree))
        device.faults.clear()
        device.commands.clear()
    return fleet


@pytest.fixture
def city(run: Run, inventory: Any, lab: DeviceFleet) -> Any:
    result = run("inventory", "seed", "--villages-per-township", str(VILLAGES))
    assert result.exit_code == 0, result.output
    first = lab.endpoint(LAB[0])
    inventory.credentials.put(
        "lab",
        CredentialSet(
            username=first.username, password=first.password, enable_secret=first.password
        ),
    )
    for name, role, scope in (
        ("eng1", "engineer", None),
        ("eng2", "engineer", None),
        ("wc", "engineer", "411303"),
        ("op", "operator", None),
    ):
        inventory.accounts.add(name, role, PASSWORD, scope=scope)
    return inventory


def _point(inv: Any, fleet: DeviceFleet, code: str) -> None:
    """Reach ``code`` at its lab endpoint through the inventory (one node only: the lab's
    devices share 127.0.0.1, and management addresses are rendered)."""
    ep = fleet.endpoint(code)
    inv.set_management({code: ManagementAccess(ep.host, ep.port, 161, "lab")})


def _opener(fleet: DeviceFleet) -> Any:
    """Drivers on the lab endpoints (the pusher's ``opener``)."""
    return lambda code, platform: open_on(fleet, code, platform)


def _rendered(inv: Any) -> dict[str, str]:
    renderer = Renderer(load_source(inv))
    return {code: renderer.render(code).text for code in LAB}


def _onboarding_change(inv: Any, **request: Any) -> tuple[int, dict[str, str]]:
    """Allocate (as the admin) and make the change (as eng1) against the pre-change
    intended configurations as running ones; returns the id and those texts."""
    before = _rendered(inv)
    if "kind" in request:
        plan = plan_wave(inv, running=before, commit=True, actor=ADMIN, **request)
    else:
        plan = plan_onboarding(inv, running=before, commit=True, actor=ADMIN, **request)
    assert plan.committed and plan.allowed, plan.verdict
    change_id = create_change(
        inv,
        actor=ENG1,
        title="test",
        intended=plan.intended,
        kind="onboarding",
        meta={},
        running={code: before[code] for code in plan.intended},
    )
    return change_id, before


def _approved(inv: Any, change_id: int) -> None:
    check_change(inv, change_id, actor=ENG1)
    approve_change(inv, change_id, ENG2)


def _running(fleet: DeviceFleet, code: str) -> str:
    ep = fleet.endpoint(code)
    extra = {"secret": ep.password} if ep.platform == "cisco_ios" else {}
    driver = driver_class(ep.platform)(
        ep.host, ep.username, ep.password, timeout=30, optional_args={"port": ep.port, **extra}
    )
    driver.open()
    try:
        text = str(driver.get_config(retrieve="running")["running"])
        assert not driver.has_pending_commit()
        return "\n".join(
            line
            for line in text.split("\n")
            if not line.startswith(("!Last configuration was ", "! Last configuration change"))
            and line not in ("file prompt quiet",)
            and not line.startswith(("Building configuration", "Current configuration :"))
        )
    finally:
        driver.close()


def _config_lines(fleet: DeviceFleet, code: str) -> list[str]:
    """Lines a session sent to ``code`` in a configuration view (anything but reads)."""
    reads = ("display", "show", "dir", "screen-length", "terminal", "quit", "return", "exit")
    return [
        r.line
        for r in fleet.device(code).commands
        if r.line.strip() and not r.line.strip().startswith(reads)
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_gate_refuses_a_violating_change_and_nothing_reaches_the_device(
    run: Run, city: Any, lab: DeviceFleet
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
    before = _rendered(city)
    plan = plan_onboarding(
        city, department="411303003-CZS", at="411303003", zones="ZW-LEAK", running=before
    )
    assert not plan.allowed  # a dry run: the violating intended configuration, nothing kept
    change_id = create_change(
        city,
        actor=ENG1,
        title="leaky",
        intended=plan.intended,
        kind="manual",
        meta={},
        running={code: before[code] for code in plan.intended},
    )
    with pytest.raises(GateRefused, match="policy gate refuses it: zone-isolation") as refused:
        check_change(city, change_id, actor=ENG1)
    introduced = refused.value.verdict.introduced
    assert {v.invariant for v in introduced} == {"zone-isolation"}
    assert {v.device for v in introduced} == {"4113", "411303", "411303003"}
    assert any("vpn-target 65001:100" in e.text for v in introduced for e in v.lines)
    info = get_change(city, change_id)
    assert info.state == ch.DRAFT
    detail = info.events[-1].detail or ""
    assert detail.startswith("refused: zone-isolation") and "411303003: vpn-instance" in detail
    with pytest.raises(ChangeStateError, match="only a checked change is approved"):
        approve_change(city, change_id, ENG2)
    with pytest.raises(ChangeStateError, match="only an approved change is pushed"):
        push_change(city, change_id, actor=ENG1, settings=FAST)
    policy = run("policy", "check", "--change", str(change_id))
    assert policy.exit_code == 1 and "[zone-isolation] 411303003" in policy.output, policy.output
    assert f"change {change_id}: refused, 3 violation(s) introduced" in policy.output
    assert run("policy", "check", "--change", "99").exit_code == 2
    for code in ("4113", "411303", "411303003"):
        assert _config_lines(lab, code) == []
        assert lab.connection_count(code) == 0
    actions = [r.action for r in city.audit.rows(action="change.")]
    assert actions == ["change.check", "change.create"]
    assert city.audit.verify().ok


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_four_eyes_and_scope_then_push_confirms_and_rollback_restores(
    run: Run, city: Any, lab: DeviceFleet
) -> None:
    _point(city, lab, "411302001")
    initial = _running(lab, "411302001")
    change_id, before = _onboarding_change(city, department="411302001-WSY", at="411302001")
    (device,) = get_change(city, change_id).devices
    assert device.node == "411302001" and device.state == ch.PENDING
    assert "interface Vlanif101" in device.commands and REDACTED not in "".join(device.commands)

    def as_user(name: str, *args: str) -> Result:
        return run("--user", name, "change", *args, input=PASSWORD + "\n")

    refused = as_user("eng1", "approve", str(change_id))
    assert refused.exit_code == 1 and "eng1 is its author" in refused.output
    outside = as_user("wc", "approve", str(change_id))
    assert outside.exit_code == 1 and "outside wc's scope 411303" in outside.output, outside.output
    operator = as_user("op", "approve", str(change_id))
    assert operator.exit_code == 1 and "may not change.approve" in operator.output
    with pytest.raises(FourEyesError):
        approve_change(city, change_id, ENG1)
    with pytest.raises(PermissionDenied):
        push_change(city, change_id, actor=Actor("wc", "engineer"), settings=FAST)
    assert get_change(city, change_id).state == ch.CHECKED  # the CLI checked the draft
    approved = as_user("eng2", "approve", str(change_id))
    assert approved.exit_code == 0 and "approved" in approved.output, approved.output
    policy = run("policy", "check", "--change", str(change_id))
    assert policy.exit_code == 0 and "allowed, no violation introduced" in policy.output
    pushed = as_user("eng1", "push", str(change_id), "--revert-in", "120")
    assert pushed.exit_code == 0, pushed.output
    assert f"change {change_id}: confirmed" in pushed.output
    assert "411302001: confirmed" in pushed.output
    now = _running(lab, "411302001")
    platform = "huawei_vrp5"
    assert missing(platform, now, device.commands) == ()
    # nothing is left between running and intended but the lab's own gaps from before
    intended = get_change(city, change_id).device("411302001").intended
    assert (
        remediate(platform, now, intended).commands
        == remediate(platform, initial, before["411302001"]).commands
    )
    shown = as_user("eng1", "show", str(change_id))
    assert shown.exit_code == 0 and "411302001 (huawei_vrp5, running from given): confirmed" in (
        shown.output
    )
    listed = as_user("op", "list")
    assert listed.exit_code == 0 and f"{change_id}\tconfirmed\tonboarding\teng1" in listed.output
    back = as_user("eng2", "rollback", str(change_id), "--revert-in", "120")
    assert back.exit_code == 0, back.output
    assert _running(lab, "411302001") == initial
    actions = [r.action for r in reversed(city.audit.rows(action="change."))]
    assert actions[:4] == ["change.create", "change.check", "change.approve", "change.push"]
    assert "change.rollback" in actions and actions.count("change.device") >= 6
    assert city.audit.verify().ok
    steps = [
        (e.from_state, e.to_state)
        for e in get_change(city, change_id).events
        if e.node == "411302001"
    ]
    assert steps[:4] == [
        ("pending", "committing"),
        ("committing", "committed"),
        ("committed", "confirming"),
        ("confirming", "confirmed"),
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("zones", ["public", "ZW-JY"])
def test_an_ios_device_set_up_from_our_template_alone_takes_a_push(
    city: Any, lab: DeviceFleet, zones: str
) -> None:
    """The lab's IOS device runs nothing but our rendered lines (the fixture adds none):
    the template's ``archive`` and ``ip scp server enable`` are what NAPALM's ios driver
    needs for its SCP copy, revert timer and rollback, so the push commits and confirms."""
    code = "411303002"
    assert lab.device(code).spec.platform == "cisco_ios"
    initial = _running(lab, code)
    rendered = _rendered(city)[code]
    for block in ("archive\n path flash:archive\n write-memory\n", "ip scp server enable\n"):
        assert block in rendered and block in initial + "\n", block
    if zones != "public":
        with transaction(city.sessions) as session:
            session.add(Zone(code=zones, name="教育业务专网", kind="private", system="教育"))
    change_id, before = _onboarding_change(city, department=f"{code}-WSY", at=code, zones=zones)
    devices = get_change(city, change_id).devices
    (device,) = [d for d in devices if d.node == code]
    assert device.commands
    if zones != "public":
        # a business VPN zone: a new VRF and its BGP address-family, closed as IOS closes it
        assert any("exit-address-family" in c for c in device.commands), device.commands
    _approved(city, change_id)
    lab.device(code).commands.clear()
    result = push_change(city, change_id, actor=ENG1, settings=FAST, opener=_opener(lab))
    assert result.state == ch.CONFIRMED, result
    assert {(d.node, d.state) for d in result.devices} == {
        (d.node, "confirmed") for d in devices
    }, result
    sent = [r.line.strip() for r in lab.device(code).commands]
    # NAPALM's merge path: the candidate over SCP, the archive's revert timer, the confirm
    assert "configure terminal revert timer 2" in sent and "configure confirm" in sent, sent
    assert any(line.startswith("copy ") and "running-config" in line for line in sent), sent
    now = _running(lab, code)
    assert missing("cisco_ios", now, device.commands) == ()
    intended = get_change(city, change_id).device(code).intended
    assert (
        remediate("cisco_ios", now, intended).commands
        == remediate("cisco_ios", initial, before[code]).commands
    )


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_a_line_refused_mid_push_rolls_that_device_back_and_the_others_confirm(
    city: Any, lab: DeviceFleet
) -> None:
    initial = {code: _running(lab, code) for code in ("411303002", "411303003", "4113-EGW")}
    change_id, _before = _onboarding_change(
        city, kind="SFS", county="411303", zones="public,internet"
    )
    assert [d.node for d in get_change(city, change_id).devices] == [
        "411303002",
        "411303003",
        "4113-EGW",
    ]
    _approved(city, change_id)
    lab.device("411303003").faults.reject_lines.add("ip binding vpn-instance ZW-GGQ")
    seen: list[tuple[str, str]] = []
    result = push_change(
        city,
        change_id,
        actor=ENG1,
        settings=FAST,
        progress=lambda n, s: seen.append((n, s)),
        opener=_opener(lab),
    )
    states = {d.node: d.state for d in result.devices}
    assert states == {
        "411303002": "confirmed",
        "411303003": "rolled_back",
        "4113-EGW": "confirmed",
    }, result
    assert sorted(seen) == sorted(states.items())
    assert result.state == ch.FAILED
    info = get_change(city, change_id)
    assert info.state == ch.FAILED
    error = info.device("411303003").error
    assert error is not None and "'ip binding vpn-instance ZW-GGQ' refused" in error
    assert _running(lab, "411303003") == initial["411303003"]
    for code in ("411303002", "4113-EGW"):
        assert (
            missing(info.device(code).platform, _running(lab, code), info.device(code).commands)
            == ()
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_session_dropped_after_the_commit_is_reverted_by_the_device(
    city: Any, lab: DeviceFleet
) -> None:
    with transaction(city.sessions) as session:
        session.add(Zone(code="ZW-JY", name="教育业务专网", kind="private", system="教育"))
    initial = _running(lab, "4113")
    change_id, _ = _onboarding_change(
        city, department="411302002-CZS", at="411302002", zones="ZW-JY"
    )
    assert {d.node for d in get_change(city, change_id).devices} == {"411302002", "411302", "4113"}
    _approved(city, change_id)
    lab.device("4113").faults.drop_on_commit = True  # the session drops at `commit trial`
    result = push_change(city, change_id, actor=ENG1, settings=FAST, opener=_opener(lab))
    states = {d.node: d.state for d in result.devices}
    assert states == {"411302002": "confirmed", "411302": "confirmed", "4113": "rolled_back"}
    info = get_change(city, change_id)
    error = info.device("4113").error
    assert error is not None and "the device reverted by itself" in error
    assert ("reverting", "rolled_back") in [
        (e.from_state, e.to_state) for e in info.events if e.node == "4113"
    ]
    lab.device("4113").faults.clear()
    assert _running(lab, "4113") == initial


CHILD = """
import base64, pickle, sys
from driver_lab import open_on_endpoint
from inventory.audit import Actor
from inventory.service import Inventory
from provisioning.push import PushSettings, push_change
settings, endpoints = pickle.loads(base64.b64decode(sys.argv[1]))
inv = Inventory(settings)
push_change(inv, int(sys.argv[2]), actor=Actor("eng1", "engineer"),
            settings=PushSettings(width=3, revert_in=600),
            opener=lambda code, platform: open_on_endpoint(platform, *endpoints[code]))
print("finished", flush=True)
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pusher_killed_mid_push_then_rerun_resolves_every_device(
    city: Any, lab: DeviceFleet
) -> None:
    codes = ("411303002", "411303003", "4113-EGW")
    change_id, _ = _onboarding_change(city, kind="SFS", county="411303", zones="public,internet")
    _approved(city, change_id)
    for code in codes:  # slow devices: the kill lands between steps
        lab.device(code).faults.delay = 0.05
    support = str(Path(__file__).resolve().parents[1] / "support")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([support, os.getcwd()])}
    endpoints = {}
    for code in codes:
        ep = lab.endpoint(code)
        endpoints[code] = (ep.host, ep.port, ep.username, ep.password)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            base64.b64encode(pickle.dumps((city.settings, endpoints))).decode(),
            str(change_id),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )

    def states() -> dict[str, str]:
        with city.sessions() as session:
            rows = session.execute(
                select(ChangeDevice.node, ChangeDevice.state).where(
                    ChangeDevice.change_id == change_id
                )
            ).all()
        return dict(rows)

    try:
        wait_for(
            lambda: ch.COMMITTED in states().values() or ch.CONFIRMING in states().values(), 120
        )
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    found = states()
    assert set(found.values()) & ch.IN_FLIGHT, found
    assert get_change(city, change_id).state == ch.PUSHING
    for code in codes:
        lab.device(code).faults.clear()
    result = push_change(city, change_id, actor=ENG1, settings=FAST, opener=_opener(lab))
    assert {d.node: d.state for d in result.devices} == dict.fromkeys(codes, "confirmed")
    info = get_change(city, change_id)
    assert info.state == ch.CONFIRMED
    assert any("continuing an interrupted push" in (e.detail or "") for e in info.events)
    assert any((e.detail or "").startswith("resolved:") for e in info.events)
    for code in codes:
        d = info.device(code)
        assert missing(d.platform, _running(lab, code), d.commands) == ()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stale_change_is_refused_before_anything_is_sent(city: Any, lab: DeviceFleet) -> None:
    change_id, _ = _onboarding_change(city, department="411302001-WSY", at="411302001")
    _approved(city, change_id)
    plan_onboarding(  # the node's intended configuration moves on
        city,
        department="411302001-PCS",
        at="411302001",
        running=_rendered(city),
        commit=True,
        actor=ADMIN,
    )
    with pytest.raises(StaleChange, match="stale change: the intended configuration of 411302001"):
        push_change(city, change_id, actor=ENG1, settings=FAST)
    assert get_change(city, change_id).state == ch.APPROVED
    assert _config_lines(lab, "411302001") == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_onboard_without_dry_run_creates_a_change_from_the_device(
    run: Run, city: Any, lab: DeviceFleet
) -> None:
    _point(city, lab, "411302001")
    result = run(
        "--user",
        "eng1",
        "onboard",
        "--department",
        "411302001-WSY",
        "--at",
        "411302001",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "change 1 created (egovnet change approve 1)" in result.output
    info = get_change(city, 1)
    assert (info.state, info.kind, info.author, info.meta) == (
        ch.DRAFT,
        "onboarding",
        "eng1",
        {"departments": ["411302001-WSY"]},
    )
    (device,) = info.devices
    assert (device.node, device.source) == ("411302001", "device")
    assert "interface Vlanif101" in device.commands
    assert lab.endpoint("411302001").password not in str(info.to_dict())


SECRET = st.text(st.sampled_from("abcXYZ0189-_!@"), min_size=1, max_size=24)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    password=SECRET,
    auth=SECRET,
    priv=SECRET,
    platform=st.sampled_from(["huawei_vrp5", "huawei_vrp8", "h3c_comware7", "cisco_ios"]),
    cut=st.integers(0, 400),
)
def test_unmask_and_missing_on_any_secret_and_any_partial_running(
    example_state: Any, password: str, auth: str, priv: str, platform: str, cut: int
) -> None:
    """Masked commands get their values back from the unmasked rendering and nothing else;
    ``missing`` is empty on the full configuration and names what a cut one lacks."""
    renderer = Renderer(example_state)
    values = {"local_password": password, "snmp_auth_key": auth, "snmp_priv_key": priv}
    masked = renderer.render("411302001", platform).text
    unmasked = renderer.render("411302001", platform, secrets=values).text
    assert sanitize(unmasked, platform) == sanitize(masked, platform)
    lines = masked.split("\n")
    partial = "\n".join(lines[: cut % (len(lines) + 1)])
    commands = remediate(platform, partial, masked).commands
    sent = unmask(platform, commands, unmasked)
    assert [sanitize(c, platform) for c in sent] == [sanitize(c, platform) for c in commands]
    assert all(REDACTED not in c for c in sent if not c.lstrip().startswith(("undo ", "no ")))
    assert missing(platform, masked, commands) == ()
    if commands:
        assert missing(platform, partial, commands) != ()


def test_the_cli_is_registered(run: Run) -> None:
    result = run("change", "--help")
    assert result.exit_code == 0
    for word in ("create", "check", "show", "list", "approve", "push", "rollback"):
        assert word in result.output


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_the_migration_creates_the_tables_the_models_declare(inventory: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from provisioning.models import Base
    from provisioning.schema import VERSION_TABLE, current_revision, upgrade

    upgrade(inventory.engine)
    assert current_revision(inventory.engine) == "p0004"
    with inventory.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": VERSION_TABLE,
                "include_name": lambda name, type_, _p: (
                    type_ != "table" or name is None or name.startswith("provisioning_")
                ),
            },
        )
        assert compare_metadata(context, Base.metadata) == []
