"""The security API: findings (list, filters, one, lifecycle), campaigns, policy; the OpenAPI
document; tokens for writes; field-named 422 errors; fuzzed bodies and queries never 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from console_support import INSIDE, OUTSIDE, console_app, login, sample_finding
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _bearer(app: Flask, name: str) -> dict[str, str]:
    token = app.extensions["egovnet"]["inventory"].accounts.new_token(name)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the fuzz tests."""
    with console_app(tmp_path_factory.mktemp("secapi")) as app:
        yield app


def test_openapi_document_has_the_security_api(console: Flask) -> None:
    doc = console.test_client().get("/api/v1/openapi.json").get_json()
    paths = set(doc["paths"])
    assert {
        "/api/v1/findings",
        "/api/v1/findings/{finding_id}",
        "/api/v1/findings/{finding_id}/ack",
        "/api/v1/findings/{finding_id}/fix",
        "/api/v1/findings/{finding_id}/false-positive",
        "/api/v1/campaigns",
        "/api/v1/campaigns/{campaign_id}",
        "/api/v1/policy",
    } <= paths
    schemas = doc["components"]["schemas"]
    assert {"Finding", "Lifecycle", "CampaignCreate", "Policy"} <= set(schemas)
    assert "reason" in schemas["Lifecycle"]["properties"]
    params = {p["name"] for p in doc["paths"]["/api/v1/findings"]["get"]["parameters"]}
    assert {"state", "severity", "county", "node", "department", "check", "limit"} <= params


def test_findings_read_and_lifecycle(console: Flask) -> None:
    number = sample_finding(console, department="411302-RSJ")
    other = sample_finding(console, OUTSIDE, "private")
    client = console.test_client()
    sec, op = _bearer(console, "sec"), _bearer(console, "op")
    listed = client.get("/api/v1/findings", headers=op).get_json()
    assert {f["id"] for f in listed} == {number, other}
    by_node = client.get("/api/v1/findings", query_string={"node": INSIDE}, headers=op)
    assert [f["id"] for f in by_node.get_json()] == [number]
    by_dept = client.get("/api/v1/findings?department=411302-RSJ", headers=op).get_json()
    assert [f["id"] for f in by_dept] == [number]
    bad = client.get("/api/v1/findings", query_string={"state": "gone", "limit": 0}, headers=op)
    assert bad.status_code == 422 and {"state", "limit"} <= set(bad.get_json()["errors"]["query"])
    one = client.get(f"/api/v1/findings/{number}", headers=op).get_json()
    assert one["evidence"] == [{"line": 12, "text": "snmp-agent community read ******"}]
    assert one["state"] == "open" and one["department"] == "411302-RSJ"
    assert client.get("/api/v1/findings/99999", headers=op).status_code == 404
    # writes: a token of a role with findings.manage; a session cookie alone never writes
    assert client.post(f"/api/v1/findings/{number}/ack", json={}, headers=op).status_code == 403
    browser = console.test_client()
    login(browser, "sec")
    assert browser.post(f"/api/v1/findings/{number}/ack", json={}).status_code == 401
    acked = client.post(f"/api/v1/findings/{number}/ack", json={}, headers=sec)
    assert acked.status_code == 200 and acked.get_json()["state"] == "acknowledged"
    row = console.extensions["egovnet"]["inventory"].audit.rows(action="finding.ack")[0]
    assert (row.actor, row.source) == ("sec", "api")
    again = client.post(f"/api/v1/findings/{number}/ack", json={}, headers=sec)
    assert again.status_code == 409
    no_reason = client.post(f"/api/v1/findings/{number}/false-positive", json={}, headers=sec)
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]["json"]
    empty = client.post(
        f"/api/v1/findings/{number}/false-positive", json={"reason": ""}, headers=sec
    )
    assert empty.status_code == 422 and "reason" in empty.get_json()["errors"]["json"]
    fp = client.post(
        f"/api/v1/findings/{number}/false-positive", json={"reason": "test bed"}, headers=sec
    )
    assert fp.status_code == 200
    assert (fp.get_json()["state"], fp.get_json()["reason"]) == ("false_positive", "test bed")
    fixed = client.post(f"/api/v1/findings/{other}/fix", json={}, headers=sec)
    assert fixed.get_json()["state"] == "fixed"


def test_a_scoped_engineer_reads_the_subtree_only(console: Flask) -> None:
    here = sample_finding(console, INSIDE)
    there = sample_finding(console, OUTSIDE)
    client = console.test_client()
    eng = _bearer(console, "eng")
    assert [f["id"] for f in client.get("/api/v1/findings", headers=eng).get_json()] == [here]
    assert client.get(f"/api/v1/findings/{there}", headers=eng).status_code == 403


def test_campaigns_and_policy(console: Flask) -> None:
    client = console.test_client()
    sec, aud = _bearer(console, "sec"), _bearer(console, "aud")
    body = {"name": "weekly", "checks": ["probe.telnet"], "scope": f"node:{INSIDE}"}
    refused = client.post("/api/v1/campaigns", json=body, headers=aud)
    assert refused.status_code == 403
    wrong = client.post(
        "/api/v1/campaigns", json={"name": "", "checks": ["nope"], "cron": 5}, headers=sec
    )
    assert wrong.status_code == 422
    assert {"name", "checks", "cron"} <= set(wrong.get_json()["errors"]["json"])
    bad_cron = client.post("/api/v1/campaigns", json={**body, "cron": "99 * * * *"}, headers=sec)
    assert bad_cron.status_code == 422 and "cron" in bad_cron.get_json()["errors"]["json"]
    bad_scope = client.post(
        "/api/v1/campaigns", json={**body, "scope": "node:nowhere"}, headers=sec
    )
    assert bad_scope.status_code == 422 and "scope" in bad_scope.get_json()["errors"]["json"]
    made = client.post("/api/v1/campaigns", json={**body, "cron": "0 2 * * 1"}, headers=sec)
    assert made.status_code == 201, made.get_json()
    created = made.get_json()
    assert (created["name"], created["cron"], created["runs"]) == ("weekly", "0 2 * * 1", [])
    taken = client.post("/api/v1/campaigns", json=body, headers=sec)
    assert taken.status_code == 422 and "name" in taken.get_json()["errors"]["json"]
    listed = client.get("/api/v1/campaigns", headers=aud).get_json()
    assert [(c["name"], c["last_run"]) for c in listed] == [("weekly", None)]
    one = client.get(f"/api/v1/campaigns/{created['id']}", headers=aud).get_json()
    assert one["checks"] == ["probe.telnet"] and one["scope"] == f"node:{INSIDE}"
    assert client.get("/api/v1/campaigns/9999", headers=aud).status_code == 404
    policy = client.get("/api/v1/policy", headers=aud).get_json()
    assert policy["ok"] is True and policy["devices"] > 0
    assert [i["invariant"] for i in policy["invariants"]] == [
        "single-egress",
        "zone-isolation",
        "intranet-air-gap",
        "unified-management",
    ]


_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
_HEADERS: dict[str, str] = {}


def _sec(app: Flask) -> dict[str, str]:
    if not _HEADERS:
        _HEADERS.update(_bearer(app, "sec"))
    return _HEADERS


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    action=st.sampled_from(["ack", "fix", "false-positive"]),
    body=st.one_of(
        st.dictionaries(st.sampled_from(["reason", "x"]), _json_values, max_size=2), _json_values
    ),
)
def test_fuzzed_lifecycle_bodies_never_500(shared: Flask, action: str, body: Any) -> None:
    number = sample_finding(shared)
    store = shared.extensions["egovnet"]["security"].findings
    before = store.get(number).state
    answer = shared.test_client().post(
        f"/api/v1/findings/{number}/{action}",
        data=json.dumps(body),
        content_type="application/json",
        headers=_sec(shared),
    )
    assert answer.status_code in (200, 409, 422), (body, answer.get_data(as_text=True)[:300])
    after = store.get(number).state
    if answer.status_code != 200:
        assert after == before  # a refused body changes nothing
        if answer.status_code == 422:
            assert answer.get_json()["errors"]
    else:
        reason = body.get("reason") if isinstance(body, dict) else None
        assert action != "false-positive" or (isinstance(reason, str) and reason.strip())


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.dictionaries(
            st.sampled_from(["name", "checks", "scope", "cron", "x"]),
            st.one_of(
                _json_values,
                st.lists(st.sampled_from(["baseline", "probe.telnet", "nope"]), max_size=3),
                st.sampled_from(["all", f"node:{INSIDE}", "county:411302", "level:x", "a:b"]),
                st.sampled_from(["0 2 * * 1", "* * *", "61 * * * *", "*/5 * * * *"]),
            ),
        ),
        _json_values,
    )
)
def test_fuzzed_campaign_bodies_never_500(shared: Flask, body: Any) -> None:
    service = shared.extensions["egovnet"]["security"].campaigns
    count = len(service.all())
    answer = shared.test_client().post(
        "/api/v1/campaigns",
        data=json.dumps(body),
        content_type="application/json",
        headers=_sec(shared),
    )
    assert answer.status_code in (201, 422), (body, answer.get_data(as_text=True)[:300])
    assert len(service.all()) == count + (answer.status_code == 201)
    if answer.status_code == 422:
        assert answer.get_json()["errors"]


@settings(max_examples=60, deadline=None)
@given(
    path=st.sampled_from(["/api/v1/findings", "/findings", "/api/v1/campaigns", "/campaigns"]),
    key=st.sampled_from(["state", "severity", "county", "node", "department", "check", "limit"]),
    value=st.text(max_size=120),
)
def test_fuzzed_finding_queries_never_500(shared: Flask, path: str, key: str, value: str) -> None:
    answer = shared.test_client().get(path, query_string={key: value}, headers=_sec(shared))
    assert answer.status_code in (200, 400, 422), (path, key, value, answer.status_code)
