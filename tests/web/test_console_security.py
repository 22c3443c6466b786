"""Every route from the URL map: anonymous -> login or 401, wrong role or subtree -> 403;
CSRF, lockout, idle timeout, security headers, cookie flags, no external reference.

Real database (SQLite file), real sessions and CSRF tokens through Flask's test client.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from console_support import (
    INSIDE,
    OUTSIDE,
    PASSWORD,
    USERS,
    alarm_id,
    console_app,
    csrf,
    login,
    sample_campaign,
    sample_change,
    sample_finding,
)
from flask import Flask
from flask.testing import FlaskClient

from inventory.accounts import PERMISSIONS, Role

PUBLIC = {"auth.login", "healthz", "static", "api-docs.openapi_json"}


def _routes(app: Flask, node: str) -> list[tuple[str, str, str]]:
    """``(endpoint, method, url)`` of every rule, with sample arguments."""
    samples = {
        "code": node,
        "alarm_id": str(alarm_id(app, node)),
        "name": "op",
        "action": "disable",
        "finding_id": str(sample_finding(app, node)),
        "campaign_id": str(sample_campaign(app)),
        "change_id": str(sample_change(app)),
    }
    out = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", samples.get(arg, "x"), url)
        if rule.endpoint == "static":
            url = "/static/console.css"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return out


def _permission(app: Flask, endpoint: str) -> str | None:
    view = app.view_functions[endpoint]
    marked: str | None = getattr(view, "egovnet_permission", "missing")
    return marked


def test_every_route_declares_its_permission(console: Flask) -> None:
    for endpoint, _method, _url in _routes(console, INSIDE):
        if endpoint in PUBLIC:
            continue
        assert _permission(console, endpoint) in PERMISSIONS, endpoint


def test_anonymous_is_sent_to_login_or_gets_401(console: Flask) -> None:
    client = console.test_client()
    checked = 0
    for endpoint, method, url in _routes(console, INSIDE):
        if endpoint in PUBLIC:
            continue
        data = (
            {"csrf_token": csrf(client)}
            if method == "POST" and not url.startswith("/api/")
            else None
        )
        answer = client.open(url, method=method, data=data)
        if url.startswith("/api/"):
            assert answer.status_code == 401, (method, url, answer.status_code)
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        else:
            assert answer.status_code == 302, (method, url, answer.status_code)
            assert answer.headers["Location"].startswith("/login")
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("name", sorted(USERS))
def test_wrong_role_gets_403(console: Flask, name: str) -> None:
    client = console.test_client()
    assert login(client, name).status_code == 302
    role = Role(USERS[name][0])
    token = csrf(client, "/alarms")
    refused = 0
    for endpoint, method, url in _routes(console, INSIDE):
        permission = _permission(console, endpoint)
        if endpoint in PUBLIC or permission is None or role in PERMISSIONS[permission]:
            continue
        answer = client.open(
            url, method=method, data={"csrf_token": token} if method == "POST" else None
        )
        assert answer.status_code == 403, (name, method, url, answer.status_code)
        refused += 1
    if role is not Role.ADMIN:
        assert refused > 0


def test_engineer_outside_the_subtree_gets_403(console: Flask) -> None:
    client = console.test_client()
    login(client, "eng")
    token = csrf(client, "/alarms")
    scoped = [r for r in _routes(console, OUTSIDE) if "<" not in r[2] and r[0] not in PUBLIC]
    outside_urls = [
        (m, u) for e, m, u in scoped if OUTSIDE in u or f"/{alarm_id(console, OUTSIDE)}/" in u
    ]
    assert len(outside_urls) >= 5
    bearer = {
        "Authorization": "Bearer "
        + console.extensions["egovnet"]["inventory"].accounts.new_token("eng")
    }
    for method, url in outside_urls:
        api = url.startswith("/api/")
        answer = client.open(
            url,
            method=method,
            data={"csrf_token": token} if method == "POST" and not api else None,
            headers=bearer if api else None,
        )
        assert answer.status_code == 403, (method, url, answer.status_code)
    # inside the subtree the same pages answer
    assert client.get(f"/nodes/{INSIDE}").status_code == 200
    ack = client.post(f"/alarms/{alarm_id(console, INSIDE)}/ack", data={"csrf_token": token})
    assert ack.status_code == 302


def test_csrf_is_required_on_every_form(console: Flask) -> None:
    client = console.test_client()
    assert client.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 400
    login(client, "admin")
    number = alarm_id(console, INSIDE)
    assert client.post(f"/alarms/{number}/ack").status_code == 400
    assert client.post(f"/alarms/{number}/ack", data={"csrf_token": "forged"}).status_code == 400
    assert client.post("/admin/users/op/disable", data={}).status_code == 400
    assert client.post("/logout").status_code == 400
    store = console.extensions["egovnet"]["monitoring"].alarm_store()
    assert store.get(number).acknowledged_by is None
    assert (
        client.post(
            f"/alarms/{number}/ack", data={"csrf_token": csrf(client, "/alarms")}
        ).status_code
        == 302
    )
    assert store.get(number).acknowledged_by == "admin"
    row = console.extensions["egovnet"]["inventory"].audit.rows(limit=1)[0]
    assert (row.actor, row.action, row.source) == ("admin", "alarms.ack", "web")


def test_lockout_after_five_failures(console: Flask) -> None:
    client = console.test_client()
    for _ in range(5):
        answer = login(client, "op", "wrong-password-0")
        assert answer.status_code == 401
    locked = login(client, "op")
    assert locked.status_code == 401
    assert "30" in locked.get_data(as_text=True)  # "try again in 30 minutes"
    console.extensions["egovnet"]["inventory"].accounts.unlock("op")
    assert login(client, "op").status_code == 302


def test_idle_timeout_ends_the_login(tmp_path: Path, instance_path: Path) -> None:
    with console_app(tmp_path, {"web.idle_timeout": 0.02}) as app:  # 1.2 s
        client = app.test_client()
        login(client, "op")
        assert client.get("/alarms").status_code == 200
        time.sleep(1.5)
        answer = client.get("/alarms")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def _cookie(answer: Any) -> str:
    found = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("egovnet_session=")]
    assert found
    return str(found[-1])


def test_headers_and_cookie_flags(console: Flask, tmp_path: Path) -> None:
    client = console.test_client()
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    cookie = _cookie(login(client, "admin"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # the session id changes at login (no fixation)
    assert cookie.split(";")[0] != _cookie(page).split(";")[0]
    with console_app(tmp_path / "tls", {"web.secure_cookies": True}) as tls:
        secure_client = tls.test_client()
        assert "Secure" in _cookie(login(secure_client, "admin"))


_EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I
)


def test_no_page_references_anything_outside(console: Flask) -> None:
    client = console.test_client()
    login(client, "admin")
    pages = [
        u
        for e, m, u in _routes(console, INSIDE)
        if m == "GET" and not u.startswith("/api/") and e != "static"
    ]
    css = client.get("/static/console.css").get_data(as_text=True)
    assert not _EXTERNAL.search(css)
    for url in pages:
        for lang in ("zh_CN", "en"):
            html = client.get(url, query_string={"lang": lang}).get_data(as_text=True)
            assert not _EXTERNAL.search(html), url
            assert "<script>" not in html and " style=" not in html, url  # the CSP forbids inline


def test_inline_script_or_style_never_rendered(console: Flask) -> None:
    client = console.test_client()
    login(client, "admin")
    html = client.get(f"/nodes/{INSIDE}").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)


def test_a_disabled_account_is_logged_out(console: Flask) -> None:
    client = console.test_client()
    login(client, "op")
    assert client.get("/alarms").status_code == 200
    console.extensions["egovnet"]["inventory"].accounts.set_disabled("op")
    assert client.get("/alarms").status_code == 302


def _client_as(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    login(client, name)
    return client


def test_open_redirect_is_refused(console: Flask) -> None:
    client = console.test_client()
    token = csrf(client)
    answer = client.post(
        "/login?next=//evil.example/",
        data={"csrf_token": token, "name": "op", "password": PASSWORD},
    )
    assert answer.headers["Location"] == "/"
