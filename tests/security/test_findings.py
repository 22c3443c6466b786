"""Findings: identity and deduplication, lifecycle, permissions, audit, the CLI and the export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from inventory.audit import Actor
from security.findings import FindingError, NotAllowed

SECURITY = Actor("sec", "security")
BUNDLE = """\
version: 1
nodes:
- {code: '4113', name: 南阳市, level: city, role: core, status: active}
- {code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', status: active}
- {code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', status: active}
- {code: '411303', name: 卧龙区, level: county, role: aggregation, parent: '4113', status: active}
departments:
- {code: 411302001-SFS, name: 东关街道司法所, level: township, node: '411302001'}
- {code: 411302001-BMFW, name: 东关街道便民服务中心, level: township, node: '411302001'}
"""
PASSWORD = "correct horse 17"


def rec(key: str, node: str | None = "411302001", **extra: Any) -> dict[str, Any]:
    return {
        "check": "B7",
        "severity": "high",
        "node": node,
        "department": None,
        "key": key,
        "title": f"default SNMP community: {key}",
        "evidence": [{"line": 3, "text": "snmp-agent community read ******"}],
        "fix": "undo snmp-agent community public",
        **extra,
    }


@pytest.fixture
def security(app: Flask, inventory: Any, tmp_path: Path) -> Any:
    (tmp_path / "city.yaml").write_text(BUNDLE, encoding="utf-8")
    inventory.import_path(tmp_path / "city.yaml")
    found = app.extensions["egovnet"]["security"]
    found.ensure_schema()
    return found


def record(security: Any, records: list[dict[str, Any]], node: str | None = "411302001") -> Any:
    return security.findings.record("baseline", node, records, nodes=security.campaigns.nodes())


def test_a_rerun_updates_the_finding_and_never_duplicates(security: Any) -> None:
    first = record(security, [rec("public"), rec("private")])
    assert len(first.new) == 2
    again = record(security, [rec("public"), rec("private"), rec("public")])
    assert (again.new, sorted(again.seen)) == ([], sorted(first.new))
    found = security.findings.list()
    assert [(f.key, f.seen_count, f.state) for f in found] == [
        ("public", 2, "open"),
        ("private", 2, "open"),
    ]
    f = found[0]
    # owning department from the node (the first by code), county from the hierarchy
    assert (f.department, f.county, f.node) == ("411302001-BMFW", "411302", "411302001")
    assert f.last_seen > f.first_seen
    # a department given by the record wins
    record(security, [rec("public", department="411302001-SFS"), rec("private")])
    assert security.findings.get(f.id).department == "411302001-SFS"


def test_lifecycle_to_verified_and_reopen(security: Any, inventory: Any) -> None:
    (fid, other) = record(security, [rec("public"), rec("private")]).new
    store = security.findings
    assert store.transition(fid, "ack", SECURITY).state == "acknowledged"
    assert store.transition(fid, "fix", SECURITY).state == "fixed"
    with pytest.raises(FindingError, match="is fixed: ack needs open"):
        store.transition(fid, "ack", SECURITY)
    # only a re-check verifies: it no longer finds 'public'
    result = record(security, [rec("private")])
    assert result.verified == [fid]
    assert store.get(fid).state == "verified"
    assert store.get(other).state == "open"
    with pytest.raises(FindingError, match="is verified"):
        store.transition(fid, "fix", SECURITY)
    # found again: reopened, same row
    assert record(security, [rec("public"), rec("private")]).reopened == [fid]
    assert (store.get(fid).state, store.get(fid).reopened) == ("open", 1)
    # false positive needs a reason, and stays one when seen again
    with pytest.raises(FindingError, match="needs a reason"):
        store.transition(other, "false-positive", SECURITY, reason="  ")
    fp = store.transition(other, "false-positive", SECURITY, reason="lab community, not public")
    assert (fp.state, fp.reason) == ("false_positive", "lab community, not public")
    record(security, [rec("public"), rec("private")])
    assert store.get(other).state == "false_positive"
    record(security, [])
    assert store.get(other).state == "false_positive"  # not verified either
    assert store.get(fid).state == "verified"
    actions = [(r.action, r.target, r.actor) for r in inventory.audit.rows()]
    assert ("finding.ack", f"finding:{fid}", "sec") in actions
    assert ("finding.fix", f"finding:{fid}", "sec") in actions
    assert ("finding.verify", f"finding:{fid}", "recheck:baseline") in actions
    assert ("finding.reopen", f"finding:{fid}", "recheck:baseline") in actions
    assert ("finding.false-positive", f"finding:{other}", "sec") in actions
    assert inventory.audit.verify().ok


def test_transitions_need_findings_manage(security: Any) -> None:
    (fid,) = record(security, [rec("public")]).new
    for role in ("operator", "engineer", "auditor"):
        with pytest.raises(NotAllowed, match=r"lacks findings\.manage"):
            security.findings.transition(fid, "ack", Actor("x", role))
    assert security.findings.get(fid).state == "open"
    assert security.findings.transition(fid, "ack", Actor("root", "admin")).state == "acknowledged"


def test_bad_records_are_refused_by_field(security: Any) -> None:
    for bad, field in (
        ({**rec("k"), "severity": "urgent"}, "severity"),
        ({**rec("k"), "key": ""}, "key"),
        ({**rec("k"), "evidence": {1, 2}}, "evidence"),
        ({**rec("k"), "node": 5}, "node"),
    ):
        with pytest.raises(FindingError, match=field):
            record(security, [rec("good"), bad])
    assert security.findings.list() == []  # the batch is one transaction


def test_cli_lifecycle_permissions_and_export(run: Callable[..., Result], security: Any) -> None:
    (fid, other) = record(security, [rec("public"), rec("private")]).new
    accounts = security.inventory.accounts
    accounts.add("admin1", "admin", PASSWORD)
    accounts.add("sec1", "security", PASSWORD)
    accounts.add("op1", "operator", PASSWORD)

    def as_user(name: str, *args: str) -> Result:
        return run("--user", name, *args, input=PASSWORD + "\n")

    refused = as_user("op1", "findings", "ack", str(fid))
    assert refused.exit_code == 1
    assert "findings.manage" in refused.output
    listed = as_user("op1", "findings", "list", "--json")  # every role reads
    assert listed.exit_code == 0, listed.output
    assert [f["id"] for f in json.loads(listed.output[listed.output.index("[") :])] == [fid, other]
    assert as_user("sec1", "findings", "ack", str(fid)).exit_code == 0
    assert run("findings", "fix", str(fid)).exit_code == 1  # accounts exist: writes need one
    fixed = as_user("sec1", "findings", "fix", str(fid))
    assert (fixed.exit_code, fixed.output.strip().splitlines()[-1]) == (0, f"finding {fid}: fixed")
    again = as_user("sec1", "findings", "fix", str(fid))
    assert again.exit_code == 1 and "is fixed" in again.output
    no_reason = as_user("sec1", "findings", "false-positive", str(other))
    assert no_reason.exit_code == 2  # --reason is required
    fp = as_user("sec1", "findings", "false-positive", str(other), "--reason", "test device")
    assert fp.exit_code == 0, fp.output
    shown = run("findings", "show", str(other))
    assert "reason: test device" in shown.output and "false_positive" in shown.output
    assert run("findings", "show", "999").exit_code == 1
    assert run("findings", "list", "--state", "fixed").output.count("B7") == 1
    assert "2 finding(s)" in run("findings", "list", "--county", "411302").output
    assert "0 finding(s)" in run("findings", "list", "--county", "411303").output

    lines = run("findings", "export", "--since", "1h")
    assert lines.exit_code == 0, lines.output
    feed = [json.loads(line) for line in lines.output.splitlines()]
    assert [(f["id"], f["state"]) for f in feed] == [(fid, "fixed"), (other, "false_positive")]
    assert feed[0]["department"] == "411302001-BMFW" and feed[0]["check"] == "B7"
    array = run("findings", "export", "--since", "2020-01-01", "--json")
    assert json.loads(array.output) == feed
    assert run("findings", "export", "--since", "2999-01-01T00:00Z").output == ""
    bad = run("findings", "export", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since 'yesterday'" in bad.output


def test_campaign_cli_create_list_show_and_bad_input(
    run: Callable[..., Result], security: Any
) -> None:
    made = run(
        "campaign",
        "create",
        "night",
        "--checks",
        "probe.telnet,probe.http",
        "--scope",
        "county:411302,level:township",
        "--cron",
        "0 3 * * *",
    )
    assert made.exit_code == 0, made.output
    assert "probe.telnet,probe.http on level:township,county:411302, cron 0 3 * * *" in made.output
    for args, message in (
        (["--checks", "nope", "--scope", "all", "--once"], "unknown check 'nope'"),
        (["--checks", "baseline", "--scope", "town:1", "--once"], "kind must be one of"),
        (["--checks", "baseline", "--scope", "node:999", "--once"], "no such node"),
        (["--checks", "baseline", "--scope", "all", "--cron", "61 * * * *"], "--cron '61 * * * *'"),
        (["--checks", "baseline", "--scope", "all", "--cron", "0 3 * *"], "expected 5 fields"),
        (["--checks", "baseline", "--scope", "all"], "give --cron EXPR or --once"),
    ):
        bad = run("campaign", "create", "x", *args)
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.output, (args, bad.output)
    dup = run("campaign", "create", "night", "--checks", "baseline", "--scope", "all", "--once")
    assert dup.exit_code == 1 and "exists already" in dup.output
    listed = run("campaign", "list", "--json")
    (doc,) = json.loads(listed.output)
    assert (doc["name"], doc["schedule"], doc["last_run"]) == ("night", "cron 0 3 * * *", None)
    ran = run("campaign", "run", "night")  # nothing listens on the seeded nodes: no address
    assert ran.exit_code == 0, ran.output
    assert "2/2 targets, 2 error(s), 0 finding(s)" in ran.output
    shown = run("campaign", "show", "night")
    assert "probe.telnet 411302001 error: 411302001: no management address" in shown.output
    assert run("campaign", "show", "nope").exit_code == 1
    assert [r.action for r in security.inventory.audit.rows()] == ["campaign.create"]


def test_a_failing_or_silent_check_costs_only_its_own_targets(security: Any) -> None:
    from security.checks import CHECKS, Check, register

    def partial(ctx: Any, codes: Any) -> Any:
        for code in codes:
            if code == "411302":
                yield code, [rec("partial", node=code)]
            elif code == "411303":
                yield code, ValueError("device said no")
        # 4113 and 411302001: no result at all

    def broken(ctx: Any, codes: Any) -> Any:
        raise OSError("the check itself crashed")
        yield  # a generator

    register(Check("test.partial", "yields for some nodes", partial))
    register(Check("test.broken", "raises", broken))
    try:
        with pytest.raises(ValueError, match="registered already"):
            register(Check("test.broken", "again", broken))
        security.campaigns.create("mixed", "test.partial,test.broken", "all", None, SECURITY)
        run = security.campaigns.run("mixed")
        assert (run.state, run.total, run.done, run.errors, run.found) == ("done", 8, 8, 7, 1)
        targets = {(t["check"], t["node"]): t for t in security.campaigns.targets(run.id)}
        assert targets[("test.partial", "411302")]["state"] == "done"
        assert targets[("test.partial", "411303")]["error"] == "device said no"
        assert targets[("test.partial", "4113")]["error"] == "test.partial gave no result for 4113"
        assert targets[("test.broken", "411302")]["error"] == "the check itself crashed"
        (finding,) = security.findings.list()
        assert (finding.check, finding.node, finding.county) == ("B7", "411302", "411302")
    finally:
        CHECKS.pop("test.partial", None)
        CHECKS.pop("test.broken", None)
