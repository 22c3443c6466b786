"""Backups and drift against lab devices over SSH: only changed versions are stored (raw
text encrypted, everything shown masked), a bad device costs only its own row, an
out-of-band change shows in the drift as exactly its line, and the APScheduler job store
in the application database survives a process restart (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from driver_lab import spec, wait_for
from hypothesis import given, settings
from hypothesis import strategies as st
from netmiko import ConnectHandler
from sqlalchemy import create_engine, text

from inventory.credentials import CredentialSet
from inventory.service import ManagementAccess
from lab.devices import DeviceFleet
from lab.model import LabNetwork
from provisioning.backup import Backups, normalized
from provisioning.schema import upgrade

Run = Callable[..., Result]
DEVICES = {"411302001": "huawei_vrp5", "411302002": "h3c_comware7", "411303002": "cisco_ios"}
DOWN = "411302001001"  # in the inventory, nothing listens at its address


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[DeviceFleet]:
    fleet = DeviceFleet(
        [spec(platform, code) for code, platform in DEVICES.items()],
        tmp_path / "lab",
        network=LabNetwork(),
    )
    fleet.start()
    yield fleet
    fleet.stop()


@pytest.fixture
def lab_city(run: Run, inventory: Any, fleet: DeviceFleet) -> Any:
    result = run("inventory", "seed", "--villages-per-township", "2")
    assert result.exit_code == 0, result.output
    ep = fleet.endpoint("411302001")
    inventory.credentials.put("lab", CredentialSet(username=ep.username, password=ep.password))
    access = {
        code: ManagementAccess(fleet.endpoint(code).host, fleet.endpoint(code).port, 161, "lab")
        for code in DEVICES
    }
    access[DOWN] = ManagementAccess("127.0.0.1", 9, 161, "lab")
    inventory.set_management(access)
    return inventory


def _drift(run: Run, *codes: str) -> dict[str, Any]:
    result = run("drift", *codes, "--json")
    assert result.exit_code in (0, 1), result.output
    return {row["node"]: row for row in json.loads(result.output)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_stores_changes_only_and_drift_shows_the_out_of_band_line(
    run: Run, lab_city: Any, fleet: DeviceFleet
) -> None:
    codes = [*DEVICES, DOWN]
    first = run("backup", "run", *codes)
    assert first.exit_code == 1, first.output  # one device failed...
    for code in DEVICES:  # ...and cost nobody else
        assert f"{code}: stored (version 1)" in first.output
    assert f"{DOWN}: failed: " in first.output
    assert "3 new version(s), 0 unchanged, 1 failed" in first.output

    again = run("backup", "run", *DEVICES)
    assert again.exit_code == 0, again.output
    assert "0 new version(s), 3 unchanged, 0 failed" in again.output

    before = _drift(run, *codes)
    assert before[DOWN]["status"] == "never backed up"
    assert before["411302001"]["status"] == "drifted"  # the lab runs a bare configuration

    ep = fleet.endpoint("411302001")
    oob = ConnectHandler(
        device_type="huawei", host=ep.host, port=ep.port, username=ep.username,
        password=ep.password, fast_cli=True,
    )  # fmt: skip
    oob.send_config_set(["interface LoopBack9", "description rogue"], exit_config_mode=False)
    oob.send_command_timing("return")
    oob.disconnect()

    changed = run("backup", "run", "411302001")
    assert "411302001: stored (version 2)" in changed.output, changed.output
    after = _drift(run, *codes)
    new = set(after["411302001"]["commands"]) - set(before["411302001"]["commands"])
    assert new == {"undo interface LoopBack9"}
    assert after["411302001"]["lines"] == before["411302001"]["lines"] + 1
    assert after["411302002"] == before["411302002"]

    listed = run("backup", "list", "411302001")
    assert listed.exit_code == 0 and [ln.split()[0] for ln in listed.output.splitlines()[1:]] == [
        "1",
        "2",
    ]
    diff = run("backup", "show", "411302001", "--diff", "1")
    assert "+interface LoopBack9" in diff.output and "+ description rogue" in diff.output
    shown = run("backup", "show", "411302001", "--version", "1")
    assert "sysname NY-411302001" in shown.output and "LoopBack9" not in shown.output
    for code in DEVICES:
        body = run("backup", "show", code).output
        assert "******" in body and ep.password not in body
        assert "%^%#" not in body  # VRP cipher text never shown
    with lab_city.engine.connect() as conn:
        stored = conn.execute(text("SELECT ciphertext FROM provisioning_config_versions")).all()
    assert stored and all("sysname" not in row[0] for row in stored)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_input_is_named_with_its_exit_status(run: Run, lab_city: Any) -> None:
    unknown = run("backup", "run", "nope")
    assert unknown.exit_code == 2 and "unknown node(s): nope" in unknown.output
    assert run("drift", "nope").exit_code == 2
    assert run("backup", "show", "411302001", "--version", "7").exit_code == 1
    bad_cron = run("backup", "schedule", "--cron", "every night")
    assert bad_cron.exit_code == 2 and "--cron 'every night'" in bad_cron.output
    assert run("backup", "schedule").exit_code == 2
    never = run("backup", "list", "411302002")
    assert never.exit_code == 0 and "never backed up" in never.output


def test_the_schedule_survives_a_restart_and_its_job_runs(
    run: Run, lab_city: Any, database_url: str
) -> None:
    from provisioning.backup_schedule import JOB_ID, run_scheduler

    result = run("backup", "schedule", "--cron", "0 2 * * *", "411302002", "--width", "2")
    assert result.exit_code == 0, result.output
    assert "scheduled (0 2 * * *)" in result.output
    lab_city.dispose()
    # a new process reads it back from the database
    env = {**os.environ, "EGOVNET_DATABASE_URL": database_url}
    shown = subprocess.run(
        [str(Path(sys.executable).with_name("egovnet")), "backup", "schedule", "--show"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    job = json.loads(shown.stdout)
    assert job["nodes"] == ["411302002"] and job["width"] == 2
    assert "hour='2'" in job["trigger"] and "minute='0'" in job["trigger"]
    # this process runs the stored job (made due now): a version appears
    scheduler = run_scheduler(lab_city, blocking=False)
    try:
        scheduler.modify_job(JOB_ID, next_run_time=datetime.now(UTC))
        backups = Backups(lab_city.sessions, _key(lab_city))
        wait_for(lambda: bool(backups.versions("411302002")), limit=60)
    finally:
        scheduler.shutdown(wait=True)
    removed = run("backup", "schedule", "--remove")
    assert removed.exit_code == 0 and "schedule removed" in removed.output
    assert run("backup", "schedule", "--show").exit_code == 1


def _key(inventory: Any) -> bytes:
    from provisioning.backup import backup_key

    return backup_key(inventory)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400))
def test_any_device_text_round_trips_and_identical_text_is_not_stored_twice(body: str) -> None:
    """Device output is untrusted: whatever it holds, the stored text is what it printed."""
    engine = create_engine("sqlite://")
    upgrade(engine)
    from cryptography.fernet import Fernet
    from sqlalchemy.orm import sessionmaker

    backups = Backups(sessionmaker(engine), Fernet.generate_key())
    assert backups.record("N1", "huawei_vrp5", body).status == "stored"
    assert backups.raw("N1")[1] == body
    assert backups.record("N1", "huawei_vrp5", body).status == "unchanged"
    assert normalized(normalized(body)) == normalized(body)
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_roles_backup_run_and_config_read_and_the_audit_trail(run: Run, lab_city: Any) -> None:
    admin_pw, op_pw, aud_pw = "Admin-password-1", "Operator-pass-22", "Auditor-pass-333"
    assert run("users", "add", "admin", "--role", "admin", input=admin_pw + "\n").exit_code == 0
    for name, role, pw in (("li.op", "operator", op_pw), ("zhao.aud", "auditor", aud_pw)):
        made = run(
            "--user", "admin", "users", "add", name, "--role", role, input=f"{admin_pw}\n{pw}\n"
        )
        assert made.exit_code == 0, made.output
    refused = run("--user", "zhao.aud", "backup", "run", "411302002", input=aud_pw + "\n")
    assert refused.exit_code == 1 and "backup.run" in refused.output
    done = run("--user", "li.op", "backup", "run", "411302002", input=op_pw + "\n")
    assert done.exit_code == 0 and "411302002: stored (version 1)" in done.output
    shown = run("--user", "zhao.aud", "backup", "list", "411302002", input=aud_pw + "\n")
    assert shown.exit_code == 0 and shown.output.splitlines()[1].split()[0] == "1"
    rows = json.loads(
        run("--user", "admin", "audit", "list", "--json", input=admin_pw + "\n").output
    )
    assert ("li.op", "backup.run", "411302002") in [
        (r["actor"], r["action"], r["target"]) for r in rows
    ]
