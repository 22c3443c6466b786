"""The JSON API: OpenAPI document, tokens, field-named 422 errors, audit; fuzzed inputs never 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from console_support import INSIDE, OUTSIDE, alarm_id, console_app, login
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the fuzz tests (they only read, or are refused)."""
    with console_app(tmp_path_factory.mktemp("api")) as app:
        yield app


def _bearer(app: Flask, name: str) -> dict[str, str]:
    token = app.extensions["egovnet"]["inventory"].accounts.new_token(name)
    return {"Authorization": f"Bearer {token}"}


def test_openapi_document_describes_the_api(console: Flask) -> None:
    doc = console.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    assert {"/api/v1/nodes", "/api/v1/nodes/{code}", "/api/v1/alarms", "/api/v1/users"} <= paths
    assert "UserCreate" in doc["components"]["schemas"]
    assert "password" in doc["components"]["schemas"]["UserCreate"]["properties"]


def test_tokens_reads_writes_and_field_named_errors(console: Flask) -> None:
    client = console.test_client()
    admin = _bearer(console, "admin")
    nodes = client.get("/api/v1/nodes", query_string={"q": "宛城"}, headers=admin).get_json()
    assert [n["code"] for n in nodes] == ["411302"]
    bad = client.get("/api/v1/nodes", query_string={"limit": "0"}, headers=admin)
    assert bad.status_code == 422 and "limit" in bad.get_json()["errors"]["query"]
    made = client.post(
        "/api/v1/users",
        json={"name": "li.op", "role": "operator", "password": "Operator-pass-99"},
        headers=admin,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["name"] == "li.op" and "password" not in made.get_json()
    wrong = client.post("/api/v1/users", json={"name": "x", "role": "boss"}, headers=admin)
    assert wrong.status_code == 422
    fields = wrong.get_json()["errors"]["json"]
    assert set(fields) == {"name", "role", "password"}
    scoped = client.post(
        "/api/v1/users",
        json={
            "name": "zhao.op",
            "role": "operator",
            "scope": INSIDE,
            "password": "Operator-pass-99",
        },
        headers=admin,
    )
    assert scoped.status_code == 422 and "scope" in scoped.get_json()["errors"]["json"]
    # a session cookie reads but never writes through the API (no CSRF token there)
    login(client, "admin")
    assert client.get("/api/v1/users").status_code == 200
    cookie_write = client.post(
        "/api/v1/users", json={"name": "w.op", "role": "operator", "password": "Operator-pass-99"}
    )
    assert cookie_write.status_code == 401
    # the operator acknowledges through the API; the audit row says so
    op = _bearer(console, "op")
    number = alarm_id(console, INSIDE)
    acked = client.post(f"/api/v1/alarms/{number}/ack", headers=op)
    assert acked.status_code == 200 and acked.get_json()["acknowledged_by"] == "op"
    assert (
        client.post(f"/api/v1/alarms/{number}/ack", headers=_bearer(console, "aud")).status_code
        == 403
    )
    eng = _bearer(console, "eng")
    assert (
        client.post(f"/api/v1/alarms/{alarm_id(console, OUTSIDE)}/ack", headers=eng).status_code
        == 403
    )
    rows = console.extensions["egovnet"]["inventory"].audit.rows(limit=5)
    rows = [r for r in rows if not r.action.startswith("auth.")]  # logins are audited too
    assert [(r.actor, r.action, r.source) for r in rows[:2]] == [
        ("op", "alarms.ack", "api"),
        ("admin", "users.add", "api"),
    ]
    assert client.get("/api/v1/alarms", headers=op).get_json()[0]["node"] in (INSIDE, OUTSIDE)
    missing = client.get("/api/v1/nodes/nope", headers=op)
    assert missing.status_code == 404 and missing.is_json
    health = client.get(f"/api/v1/health/{INSIDE}", headers=op)
    assert health.status_code == 503 and "monitoring" in health.get_json()["message"]


def test_mlps_level_is_read_on_nodes_and_departments(console: Flask) -> None:
    """The 等保 level (an inventory attribute) in the node and department schemas."""
    from sqlalchemy import update

    from inventory.db import transaction
    from inventory.models import Department, Node

    inv = console.extensions["egovnet"]["inventory"]
    with transaction(inv.sessions) as session:
        session.execute(update(Node).where(Node.code == "411302").values(mlps_level=2))
        session.execute(
            update(Department).where(Department.code == "411302-RSJ").values(mlps_level=3)
        )
    client = console.test_client()
    op, eng = _bearer(console, "op"), _bearer(console, "eng")
    listed = client.get("/api/v1/nodes", query_string={"q": "4113"}, headers=op).get_json()
    levels = {n["code"]: n["mlps_level"] for n in listed}
    assert levels["411302"] == 2 and levels["4113"] is None  # unset: inherited
    assert client.get("/api/v1/nodes/411302", headers=op).get_json()["mlps_level"] == 2
    dept = client.get("/api/v1/departments/411302-RSJ", headers=eng)
    assert dept.status_code == 200, dept.get_json()
    assert dept.get_json() | {"prefixes": [], "vlans": []} == {
        "code": "411302-RSJ",
        "name": "宛城区人社局",
        "level": "county",
        "node": "411302",
        "site": None,
        "mlps_level": 3,
        "prefixes": [],
        "vlans": [],
    }
    assert dept.get_json()["prefixes"] == ["10.112.64.0/27"]
    assert dept.get_json()["vlans"] == [100]
    assert client.get("/api/v1/departments/411302", headers=op).status_code == 404  # a node
    assert client.get("/api/v1/departments/nope", headers=op).status_code == 404
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "mlps_level" in doc["components"]["schemas"]["Department"]["properties"]
    assert "mlps_level" in doc["components"]["schemas"]["Node"]["properties"]


_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.dictionaries(
            st.sampled_from(["name", "role", "scope", "expires", "password", "language", "x"]),
            _json_values,
        ),
        _json_values,
    )
)
def test_fuzzed_user_creation_never_500(shared: Flask, body: Any) -> None:
    client = shared.test_client()
    answer = client.post("/api/v1/users", json=body, headers={"Authorization": "Bearer egv_nope"})
    assert answer.status_code == 401
    admin = _admin_headers(shared)
    answer = client.post(
        "/api/v1/users", data=json.dumps(body), content_type="application/json", headers=admin
    )
    assert answer.status_code in (201, 422), (
        body,
        answer.status_code,
        answer.get_data(as_text=True)[:300],
    )


_ADMIN: dict[str, str] = {}


def _admin_headers(app: Flask) -> dict[str, str]:
    if not _ADMIN:
        _ADMIN.update(_bearer(app, "admin"))
    return _ADMIN


@settings(max_examples=60, deadline=None)
@given(
    path=st.sampled_from(
        [
            "/api/v1/nodes",
            "/api/v1/alarms",
            "/tree",
            "/api/v1/nodes/{}",
            "/nodes/{}",
            "/api/v1/departments/{}",
        ]
    ),
    value=st.text(max_size=40),
    key=st.sampled_from(["q", "limit", "level", "state", "node", "root", "lang", "month"]),
)
def test_fuzzed_queries_never_500(shared: Flask, path: str, value: str, key: str) -> None:
    client = shared.test_client()
    # the value is one path segment (quoted: a '?' or '#' in it is not a query or fragment)
    url = path.format(quote(value.replace("/", ""), safe="") or "x") if "{}" in path else path
    answer = client.get(url, query_string={key: value}, headers=_admin_headers(shared))
    assert answer.status_code < 500 or answer.status_code == 503, (
        url,
        key,
        value,
        answer.status_code,
    )


def test_invalid_json_body_is_a_clear_error(console: Flask, tmp_path: Path) -> None:
    answer = console.test_client().post(
        "/api/v1/users",
        data="{not json",
        content_type="application/json",
        headers=_bearer(console, "admin"),
    )
    assert answer.status_code in (400, 422) and answer.is_json
