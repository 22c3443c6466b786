"""Campaigns over the lab city: baseline over real SSH, probes against real SNMP agents and ports.

The lab's configurations are not hardened, so a clean run already has baseline
findings; the test injects one violating line over SSH and expects exactly one
new finding, with its owning department, then fixes the device and expects the
re-check to verify it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from campaign_lab import DEPARTMENTS, PUBLIC_NODE, CampaignLab, Listener, campaign_lab
from flask import Flask
from monitor_lab import ssh_config

from inventory.audit import Actor
from security.campaigns import CampaignError
from web.app import create_app

SECURITY = Actor("sec", "security")
TOWN = "411302001"  # Comware 7


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CampaignLab]:
    with campaign_lab(tmp_path_factory.mktemp("campaign-lab")) as running:
        yield running


def make_app(lab: CampaignLab, root: Path, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> Flask:
    for key in [k for k in os.environ if k.startswith("EGOVNET_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("EGOVNET_INSTANCE", str(root / "instance"))
    app = create_app({**lab.overrides(root), **extra})
    lab.load(app.extensions["egovnet"]["inventory"], root)
    app.extensions["egovnet"]["security"].ensure_schema()
    return app


def by_identity(security: Any) -> dict[tuple[str, str | None, str], Any]:
    return {(f.check, f.node, f.key): f for f in security.findings.list()}


def test_baseline_campaign_finds_the_injected_line_and_verifies_the_fix(
    lab: CampaignLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(lab, tmp_path, monkeypatch)
    security = app.extensions["egovnet"]["security"]
    security.campaigns.create("baseline", "baseline", "county:411302", None, SECURITY)

    first = security.campaigns.run("baseline")
    assert (first.total, first.done, first.errors) == (3, 3, 0)
    before = by_identity(security)
    assert before  # the lab's configurations are not hardened
    assert all(f.department == DEPARTMENTS[f.node] for f in before.values())
    assert not any(f.check == "B1" and f.node == TOWN for f in before.values())

    ssh_config(lab.fleet, TOWN, ["system-view", "telnet server enable", "return"])
    second = security.campaigns.run("baseline")
    after = by_identity(security)
    new = {k: f for k, f in after.items() if k not in before}
    assert [(f.check, f.node, f.department, f.severity) for f in new.values()] == [
        ("B1", TOWN, "411302001-SFS", "high")
    ]
    (injected,) = new.values()
    assert injected.key == "the Telnet server is enabled"
    assert [e["text"] for e in injected.evidence] == ["telnet server enable"]
    assert injected.fix and "undo telnet server enable" in injected.fix
    # the re-run added no duplicate: every earlier finding was seen again, still open
    assert len(after) == len(before) + 1
    assert all(after[k].seen_count == 2 and after[k].state == "open" for k in before)
    assert second.id != first.id

    security.findings.transition(injected.id, "fix", SECURITY)
    ssh_config(lab.fleet, TOWN, ["system-view", "undo telnet server enable", "return"])
    security.campaigns.run("baseline")
    final = by_identity(security)
    assert final[("B1", TOWN, injected.key)].state == "verified"
    assert all(final[k].state == "open" for k in before)

    # the violation comes back: the verified finding reopens (same row)
    ssh_config(lab.fleet, TOWN, ["system-view", "telnet server enable", "return"])
    security.campaigns.run("baseline")
    again = security.findings.get(injected.id)
    assert (again.state, again.reopened) == ("open", 1)
    assert len(by_identity(security)) == len(before) + 1
    ssh_config(lab.fleet, TOWN, ["system-view", "undo telnet server enable", "return"])


def test_policy_campaign_judges_the_running_network_together(
    lab: CampaignLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(lab, tmp_path, monkeypatch)
    security = app.extensions["egovnet"]["security"]
    security.campaigns.create("policy", "policy", "county:411302", None, SECURITY)
    errors: dict[str, str | None] = {}
    first = security.campaigns.run(
        "policy", progress=lambda _c, node, _d, _t, error: errors.__setitem__(node, error)
    )
    # the running network is read as `policy check --running` reads it: SSH and SNMP; the
    # agent of PUBLIC_NODE answers only `public`, not the inventory's community, so its
    # tables cannot be walked and its target is an error (not judged on half a picture)
    assert (first.total, first.done, first.errors) == (3, 3, 1)
    assert errors[PUBLIC_NODE] is not None and "SNMP:" in errors[PUBLIC_NODE]
    assert "no answer" in errors[PUBLIC_NODE]
    assert [n for n, e in errors.items() if e is not None] == [PUBLIC_NODE]
    before = by_identity(security)
    # the inventory has no egress firewall: one network-wide finding, without a node
    network = [f for f in before.values() if f.node is None]
    assert [(f.check, f.key) for f in network] == [
        ("policy.single-egress", "exactly one node must hold the egress-firewall role; found 0")
    ]

    breakout = "ip route-static 0.0.0.0 0 203.0.113.1"
    ssh_config(lab.fleet, TOWN, ["system-view", breakout, "return"])
    security.campaigns.run("policy")
    new = [f for k, f in by_identity(security).items() if k not in before]
    assert [(f.check, f.node, f.department) for f in new] == [
        ("policy.single-egress", TOWN, "411302001-SFS")
    ]
    assert [e["text"] for e in new[0].evidence["lines"]] == [breakout]
    assert "203.0.113.1" in new[0].key and "local internet breakout" in new[0].key

    ssh_config(lab.fleet, TOWN, ["system-view", "undo " + breakout, "return"])
    security.campaigns.run("policy")
    after = by_identity(security)
    assert after[("policy.single-egress", TOWN, new[0].key)].state == "verified"
    assert all(after[k].state == "open" and after[k].seen_count == 3 for k in before)


def test_probes_find_default_community_telnet_and_http(
    lab: CampaignLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telnet = Listener(b"\xff\xfd\x18\xff\xfd\x20login: ", None)  # IAC DO TTYPE, IAC DO TSPEED
    http = Listener(None, b"HTTP/1.0 200 OK\r\nServer: lab\r\n\r\n")
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never speaks: not Telnet
    try:
        app = make_app(
            lab,
            tmp_path,
            monkeypatch,
            **{
                "security.probe_telnet_port": telnet.port,
                "security.probe_http_port": http.port,
                "security.probe_timeout": 1.0,
            },
        )
        security = app.extensions["egovnet"]["security"]
        security.campaigns.create(
            "probes", "probe.snmp_default,probe.telnet,probe.http", "all", "0 3 * * *", SECURITY
        )
        run = security.campaigns.run("probes")
        assert (run.total, run.errors) == (12, 3)  # 4 nodes x 3 checks; 4113 has no address
        found = security.findings.list()
        snmp = [f for f in found if f.check == "probe.snmp_default"]
        assert [(f.node, f.evidence["community"], f.evidence["version"]) for f in snmp] == [
            (PUBLIC_NODE, "public", "v2c")
        ]
        assert snmp[0].department == DEPARTMENTS[PUBLIC_NODE]
        assert "Huawei" in snmp[0].evidence["sysDescr"]
        for check, port in (("probe.telnet", telnet.port), ("probe.http", http.port)):
            hits = sorted(f.node for f in found if f.check == check)
            assert hits == sorted(DEPARTMENTS), check
            assert {f.key for f in found if f.check == check} == {f"127.0.0.1:{port}"}
        errors = [t for t in security.campaigns.targets(run.id) if t["state"] == "error"]
        assert [(t["check"], t["node"], t["error"]) for t in errors] == [
            (check, "4113", "4113: no management address")
            for check in ("probe.snmp_default", "probe.telnet", "probe.http")
        ]

        # the services go away (a silent port instead of Telnet): the re-check verifies
        telnet.close()
        http.close()
        monkeypatch.setenv("EGOVNET_SECURITY_PROBE_TELNET_PORT", str(silent.getsockname()[1]))
        app2 = create_app(
            {
                **lab.overrides(tmp_path),
                "database.url": app.extensions["egovnet"]["inventory"].settings.database_url,
                "secret.key": app.extensions["egovnet"]["inventory"].settings.secret_key,
                "security.probe_http_port": http.port,
                "security.probe_timeout": 1.0,
            }
        )
        security2 = app2.extensions["egovnet"]["security"]
        security2.campaigns.run("probes")
        states = {(f.check, f.node): f.state for f in security2.findings.list()}
        expected = {key: "verified" for key in states if key[0] != "probe.snmp_default"}
        expected[("probe.snmp_default", PUBLIC_NODE)] = "open"
        assert states == expected
    finally:
        telnet.close()
        http.close()
        silent.close()


def _egovnet_env(app: Flask, root: Path, **extra: str) -> dict[str, str]:
    settings = app.extensions["egovnet"]["inventory"].settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env.update(
        EGOVNET_INSTANCE=str(root / "instance"),
        EGOVNET_DATABASE_URL=settings.database_url,
        EGOVNET_SECRET_KEY=settings.secret_key or "",
        **extra,
    )
    return env


def test_a_run_killed_by_sigkill_resumes_where_it_stopped(
    lab: CampaignLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal
    import subprocess
    import sys
    import time

    app = make_app(lab, tmp_path, monkeypatch)
    security = app.extensions["egovnet"]["security"]
    campaign = security.campaigns.create("resume", "baseline", "county:411302", None, SECURITY)
    egovnet = str(Path(sys.executable).with_name("egovnet"))
    env = _egovnet_env(app, tmp_path, EGOVNET_SECURITY_CAMPAIGN_WIDTH="1")
    proc = subprocess.Popen(
        [egovnet, "campaign", "run", "resume"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    done: list[dict[str, Any]] = []
    while time.monotonic() < deadline and proc.poll() is None:
        runs = security.campaigns.runs(campaign.id)
        if runs:
            done = [t for t in security.campaigns.targets(runs[0].id) if t["state"] == "done"]
            if done:
                break
        time.sleep(0.05)
    # while the process works on the run, nobody else may take it
    with pytest.raises(CampaignError, match=rf"run \d+ is in progress \(process {proc.pid}\)"):
        security.campaigns.run("resume")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    (run,) = security.campaigns.runs(campaign.id)
    assert run.state == "running"
    before = {t["node"]: t for t in security.campaigns.targets(run.id) if t["state"] == "done"}
    assert 1 <= len(before) < 3
    findings_before = {f.id: f.seen_count for f in security.findings.list()}

    resumed = subprocess.run(
        [egovnet, "campaign", "run", "resume"], env=env, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"run {run.id}: 3/3 targets, 0 error(s)" in resumed.stdout
    assert "resumed 1x" in resumed.stdout
    (finished,) = security.campaigns.runs(campaign.id)
    assert (finished.id, finished.state, finished.resumed) == (run.id, "done", 1)
    after = {t["node"]: t for t in security.campaigns.targets(run.id)}
    for node, target in before.items():
        assert after[node]["done_at"] == target["done_at"], node  # not redone
    assert all(t["state"] == "done" for t in after.values())
    # the nodes checked before the kill were not checked again: their findings seen once
    for f in security.findings.list():
        if f.node in before:
            assert findings_before[f.id] == f.seen_count == 1
        else:
            assert f.seen_count == 1


def test_the_scheduler_runs_a_once_campaign_from_the_persistent_job_store(
    lab: CampaignLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys
    import time

    from sqlalchemy import text

    app = make_app(lab, tmp_path, monkeypatch)
    security = app.extensions["egovnet"]["security"]
    once = security.campaigns.create(
        "once", "probe.snmp_default", f"node:{PUBLIC_NODE}", None, SECURITY
    )
    nightly = security.campaigns.create(
        "nightly", "probe.telnet", "level:township", "0 3 * * *", SECURITY
    )
    with security.findings.engine.connect() as conn:
        stored = dict(
            conn.execute(text("SELECT id, next_run_time FROM security_apscheduler_jobs")).all()
        )
    assert set(stored) == {f"campaign-{once.id}", f"campaign-{nightly.id}"}
    jobs = security.campaigns.jobs()
    assert jobs[nightly.id] is not None and (jobs[nightly.id].hour, jobs[nightly.id].minute) == (
        3,
        0,
    )

    egovnet = str(Path(sys.executable).with_name("egovnet"))
    proc = subprocess.Popen(
        [egovnet, "campaign", "scheduler"],
        env=_egovnet_env(app, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not security.campaigns.runs(once.id):
            time.sleep(0.2)
        while time.monotonic() < deadline and security.campaigns.runs(once.id)[-1].state != "done":
            time.sleep(0.2)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    (run,) = security.campaigns.runs(once.id)
    assert (run.state, run.trigger, run.found) == ("done", "schedule", 1), out
    assert security.campaigns.runs(nightly.id) == []
    assert set(security.campaigns.jobs()) == {nightly.id}  # the once job is gone
