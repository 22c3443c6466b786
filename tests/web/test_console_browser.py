"""The console in Debian's Chromium (Playwright): log in, lockout, the tree, a node's link-health
chart with points from a real influxd, acknowledging an alarm, switching language, the coverage
history chart.

One module-scoped server (waitress, as ``egovnet serve`` and the demo run it) and one browser.
Screenshots go to ``tests/artifacts/`` (git-ignored). No request may leave the server.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_support import INSIDE, PASSWORD, console_app
from flask import Flask
from health_data import link_lines, write

from lab.influx import InfluxServer, find_influxd
from monitoring import lookup
from monitoring.influx import InfluxClient, InfluxSettings
from web.serve import Background

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHART_NODE = "411302"  # its uplink to the city has points


def _require(what: str, present: bool) -> None:
    if not present:
        # under CI the root conftest's hook turns this skip into a failure
        pytest.skip(f"{what} is missing: run make setup")


@pytest.fixture(scope="module")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    _require("influxd", find_influxd() is not None)
    server = InfluxServer(tmp_path_factory.mktemp("influxd"), max_select_buckets=10_000)
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, influxd: InfluxServer
) -> Iterator[tuple[Flask, str]]:
    root = tmp_path_factory.mktemp("console")
    settings = InfluxSettings(influxd.url, "browser", spool_dir=root / "spool")
    client = InfluxClient(settings)
    client.create_database()
    client.close()
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("EGOVNET_")}
    os.environ["EGOVNET_INSTANCE"] = str(root / "instance")
    try:
        with console_app(root, {"influx.url": influxd.url, "influx.database": "browser"}) as app:
            inventory = app.extensions["egovnet"]["inventory"]
            now = int(time.time())
            times = range(now - 1800, now, 60)
            for link in lookup.links(inventory):
                if CHART_NODE in (link.a_node, link.b_node):
                    write(settings, link_lines(link.label, "county", times, down=[now - 600]))
            server = Background(app, "127.0.0.1", 0).start()
            try:
                yield app, f"http://127.0.0.1:{server.port}"
            finally:
                server.stop()
    finally:
        os.environ.pop("EGOVNET_INSTANCE", None)
        os.environ.update(saved)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require("Chromium", Path(CHROMIUM).exists())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        found = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield found
        found.close()


@pytest.fixture
def page(browser: Any, live: tuple[Flask, str], request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context; every request it makes must go to the console itself."""
    _app, base = live
    context = browser.new_context(
        base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    seen: list[str] = []
    tab.on("request", lambda req: seen.append(req.url))
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    outside = [u for u in seen if not u.startswith(base) and not u.startswith("data:")]
    assert not outside, f"requests left the console: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def _login(page: Any, name: str, password: str, *, go: bool = True) -> None:
    if go:
        page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("#login-submit")


def test_log_in_browse_the_tree_and_see_the_chart(page: Any) -> None:
    page.goto("/tree")
    assert "/login" in page.url  # anonymous: sent to the login page
    _login(page, "admin", PASSWORD, go=False)
    assert page.url.endswith("/tree")  # back where it was going
    assert page.locator("h1").inner_text() == "网络层级"
    page.fill("#tree-search", "宛城")
    page.click("form.search button")
    page.locator("#results").get_by_text(CHART_NODE).first.click()
    assert page.url.endswith(f"/nodes/{CHART_NODE}")
    page.wait_for_selector("#chart[data-points]")
    assert int(page.get_attribute("#chart", "data-points") or 0) >= 25
    assert page.locator("#chart canvas").count() >= 1
    page.click("#range-picker button[data-range='24h']")
    page.wait_for_function(
        "document.querySelector('#range-picker button.on').dataset.range === '24h'"
    )
    page.wait_for_selector("#chart[data-points]")
    assert int(page.get_attribute("#chart", "data-points") or 0) > 0


def test_lockout_after_five_failures(page: Any) -> None:
    for _ in range(5):
        _login(page, "sec", "wrong-password-0")
        assert page.locator("#login-error").inner_text() == "用户名或密码错误。"
    _login(page, "sec", PASSWORD)
    assert "30 分钟" in page.locator("#login-error").inner_text()
    assert "/login" in page.url


def test_acknowledge_an_alarm(page: Any, live: tuple[Flask, str]) -> None:
    app, _base = live
    _login(page, "op", PASSWORD)
    page.click("header nav a[href='/alarms']")
    store = app.extensions["egovnet"]["monitoring"].alarm_store()
    number = next(a.id for a in store.alarms(open_only=True) if a.node == INSIDE)
    row = page.locator(f"#alarm-{number}")
    row.locator("button.ack").click()
    assert page.locator(f"#alarm-{number} .acked").inner_text().startswith("op ")
    assert store.get(number).acknowledged_by == "op"


def test_switch_language(page: Any) -> None:
    _login(page, "aud", PASSWORD)
    assert page.locator("h1").inner_text() == "总览"
    page.click("#lang-switch")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.click("header nav a[href='/admin/audit']")  # the choice stays for the session
    assert page.locator("h1").inner_text() == "Audit log"
    assert "The hash chain is intact" in page.locator("#verdict").inner_text()
    page.click("#lang-switch")
    assert page.locator("h1").inner_text() == "审计日志"


def test_acknowledge_a_finding(page: Any, live: tuple[Flask, str]) -> None:
    from console_support import sample_finding

    app, _base = live
    number = sample_finding(app, INSIDE, "browser")  # through the real findings store
    app.extensions["egovnet"]["inventory"].accounts.unlock("sec")  # the lockout test locked it
    _login(page, "sec", PASSWORD)
    page.click("header nav a[href='/findings']")
    assert page.locator("h1").inner_text() == "安全问题"
    row = page.locator(f"#finding-{number}")
    assert row.locator(".state").inner_text() == "待处理"
    row.locator("button.ack").click()
    assert page.locator(f"#finding-{number} .state").inner_text() == "已确认"
    assert page.locator(f"#finding-{number} button.ack").count() == 0
    store = app.extensions["egovnet"]["security"].findings
    assert (store.get(number).state, store.get(number).changed_by) == ("acknowledged", "sec")
    page.click(f"#finding-{number} td a")  # the detail page shows the history
    assert page.locator("#finding-state").inner_text() == "已确认"
    assert "finding.ack" in page.locator("#history").inner_text()


def test_coverage_history_chart(page: Any, live: tuple[Flask, str]) -> None:
    from datetime import date

    from provisioning.coverage import snapshot

    app, _base = live
    inventory = app.extensions["egovnet"]["inventory"]
    snapshot(inventory, date(2026, 11, 30))
    snapshot(inventory, date(2026, 12, 1))
    _login(page, "op", PASSWORD)
    page.click("header nav a[href='/coverage']")
    assert page.locator("h1").inner_text() == "覆盖情况：规划与已接入"
    page.wait_for_selector("#coverage-chart[data-points='2']", timeout=15_000)
    assert page.locator("#coverage-chart canvas").count() >= 1
    assert page.locator("#cov-county-total td").count() == 7
