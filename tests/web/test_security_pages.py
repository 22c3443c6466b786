"""The security pages through Flask's test client on a real SQLite database: campaigns (list,
create, run now with a real Telnet probe), findings (filters, detail, lifecycle actions with
CSRF, audit), the policy page on intent, a node's findings; role and subtree checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from campaign_lab import Listener
from console_support import (
    INSIDE,
    OUTSIDE,
    console_app,
    csrf,
    login,
    sample_campaign,
    sample_finding,
)
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from inventory.models import Link, Node
from inventory.service import ManagementAccess

TELNET_GREETING = b"\xff\xfd\x18\xff\xfd\x20login: "  # IAC DO TTYPE, IAC DO TSPEED


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def _store(app: Flask) -> Any:
    return app.extensions["egovnet"]["security"].findings


def _audit(app: Flask, action: str) -> list[Any]:
    return app.extensions["egovnet"]["inventory"].audit.rows(action=action, limit=20)


def test_every_security_page_renders(console: Flask) -> None:
    finding = sample_finding(console, department="411302-RSJ")
    campaign = sample_campaign(console)
    client = _client(console, "sec")
    for url in (
        "/campaigns",
        "/campaigns/new",
        f"/campaigns/{campaign}",
        "/findings",
        f"/findings/{finding}",
        "/policy",
        f"/nodes/{INSIDE}",
    ):
        for lang in ("zh_CN", "en"):
            answer = client.get(url, query_string={"lang": lang})
            assert answer.status_code == 200, (url, lang)
    html = client.get(f"/findings/{finding}?lang=en").get_data(as_text=True)
    # evidence with its line number, the fix line by line, node and department linked
    assert re.search(r'<td class="num">12</td><td><code>snmp-agent community read \*+', html)
    assert "<code>undo snmp-agent community public</code>" in html
    assert f'href="/nodes/{INSIDE}"' in html
    department = _store(console).get(finding).department
    assert department and f'href="/findings?department={department}"' in html
    node_page = client.get(f"/nodes/{INSIDE}?lang=en").get_data(as_text=True)
    assert 'id="node-findings"' in node_page and "1 unresolved" in node_page
    assert f'id="finding-{finding}"' in node_page
    assert client.get("/findings/999999").status_code == 404
    assert client.get("/campaigns/999999").status_code == 404
    assert client.get("/findings?state=nonsense").status_code == 400


def test_filters(console: Flask) -> None:
    here = sample_finding(console, INSIDE, "public", department="411302-RSJ")
    there = sample_finding(console, OUTSIDE, "private")
    client = _client(console, "aud")

    def ids(**query: str) -> set[int]:
        html = client.get("/findings", query_string=query).get_data(as_text=True)
        return {int(n) for n in re.findall(r'id="finding-(\d+)"', html)}

    assert ids() == {here, there}
    assert ids(node=INSIDE) == {here}
    assert ids(county="411302") == {here}
    assert ids(severity="high") == {here, there}
    assert ids(severity="low") == set()
    assert ids(check="B7") == {here, there}
    assert ids(check="B1") == set()
    assert ids(state="open") == {here, there}
    assert ids(state="acknowledged") == set()
    department = _store(console).get(here).department
    assert ids(department=department) == {here}


def test_lifecycle_actions_with_csrf_and_audit(console: Flask) -> None:
    number = sample_finding(console)
    client = _client(console, "sec")
    token = csrf(client, f"/findings/{number}")
    # without a CSRF token nothing changes
    assert client.post(f"/findings/{number}/ack").status_code == 400
    assert _store(console).get(number).state == "open"
    answer = client.post(f"/findings/{number}/ack", data={"csrf_token": token})
    assert answer.status_code == 302
    found = _store(console).get(number)
    assert (found.state, found.changed_by) == ("acknowledged", "sec")
    row = _audit(console, "finding.ack")[0]
    assert (row.actor, row.source, row.target) == ("sec", "web", f"finding:{number}")
    page = client.get(f"/findings/{number}?lang=en").get_data(as_text=True)
    assert 'id="finding-state">acknowledged' in page
    assert "finding.ack" in page  # the history
    # acknowledging again is refused with a message; the state stays
    again = client.post(f"/findings/{number}/ack", data={"csrf_token": token})
    assert again.headers["Location"].endswith("error=state")
    assert "not possible in the finding" in client.get(
        again.headers["Location"] + "&lang=en"
    ).get_data(as_text=True)
    # a false positive needs a reason
    refused = client.post(f"/findings/{number}/false-positive", data={"csrf_token": token})
    assert refused.headers["Location"].endswith("error=reason")
    assert _store(console).get(number).state == "acknowledged"
    done = client.post(
        f"/findings/{number}/false-positive",
        data={"csrf_token": token, "reason": "lab device, community unused", "back": "/findings"},
    )
    assert done.headers["Location"] == "/findings"
    found = _store(console).get(number)
    assert (found.state, found.reason) == ("false_positive", "lab device, community unused")
    assert _audit(console, "finding.false-positive")[0].details["reason"] == found.reason
    other = sample_finding(console, key="private")
    assert client.post(f"/findings/{other}/fix", data={"csrf_token": token}).status_code == 302
    assert _store(console).get(other).state == "fixed"


@pytest.mark.parametrize("name", ["op", "aud", "eng"])
def test_only_security_and_admin_change_findings(console: Flask, name: str) -> None:
    number = sample_finding(console)
    client = _client(console, name)
    token = csrf(client, "/findings")
    page = client.get("/findings").get_data(as_text=True)
    assert f'id="finding-{number}"' in page and 'class="ack"' not in page  # no buttons
    for action in ("ack", "fix", "false-positive"):
        answer = client.post(
            f"/findings/{number}/{action}", data={"csrf_token": token, "reason": "x"}
        )
        assert answer.status_code == 403, action
    assert _store(console).get(number).state == "open"
    assert not _audit(console, "finding.")
    assert client.post("/campaigns", data={"csrf_token": token, "name": "x"}).status_code == 403
    assert client.get("/campaigns/new").status_code == 403


def test_a_scoped_engineer_sees_findings_of_the_subtree_only(console: Flask) -> None:
    here = sample_finding(console, INSIDE)
    there = sample_finding(console, OUTSIDE)
    client = _client(console, "eng")
    html = client.get("/findings").get_data(as_text=True)
    assert f'id="finding-{here}"' in html and f'id="finding-{there}"' not in html
    assert client.get(f"/findings/{here}").status_code == 200
    assert client.get(f"/findings/{there}").status_code == 403


def test_create_a_campaign_and_run_it_now(tmp_path: Path, instance_path: Path) -> None:
    """A real Telnet service answers on the management address of INSIDE: the campaign's
    probe finds it; once the service is gone a re-run verifies the finding."""
    telnet = Listener(TELNET_GREETING, None)
    try:
        with console_app(tmp_path, {"security.probe_telnet_port": telnet.port}) as app:
            app.extensions["egovnet"]["inventory"].set_management(
                {INSIDE: ManagementAccess("127.0.0.1", 22, 161, None)}
            )
            client = _client(app, "sec")
            token = csrf(client, "/campaigns/new")
            form = {"csrf_token": token, "name": "telnet", "checks": ["probe.telnet"]}
            bad_cron = client.post(
                "/campaigns",
                data={**form, "scope": f"node:{INSIDE}", "schedule": "cron", "cron": "61 * * * *"},
            )
            assert bad_cron.status_code == 422 and "--cron" in bad_cron.get_data(as_text=True)
            no_cron = client.post(
                "/campaigns", data={**form, "scope": "all", "schedule": "cron", "cron": ""}
            )
            assert no_cron.status_code == 422
            bad_scope = client.post(
                "/campaigns", data={**form, "scope": "node:nowhere", "schedule": "once"}
            )
            assert bad_scope.status_code == 422 and "nowhere" in bad_scope.get_data(as_text=True)
            unknown = client.post(
                "/campaigns",
                data={**form, "checks": ["nonsense"], "scope": "all", "schedule": "once"},
            )
            assert unknown.status_code == 422
            service = app.extensions["egovnet"]["security"].campaigns
            assert service.all() == []  # nothing was created by the refused forms
            made = client.post(
                "/campaigns", data={**form, "scope": f"node:{INSIDE}", "schedule": "once"}
            )
            assert made.status_code == 302
            campaign = service.get("telnet")
            assert made.headers["Location"] == f"/campaigns/{campaign.id}"
            row = _audit(app, "campaign.create")[0]
            assert (row.actor, row.source) == ("sec", "web")

            def run_now() -> Any:
                answer = client.post(f"/campaigns/{campaign.id}/run", data={"csrf_token": token})
                assert answer.status_code == 302
                app.extensions["egovnet.campaign_threads"][campaign.id].join(60)
                return service.runs(campaign.id)[-1]

            run = run_now()
            assert (run.state, run.total, run.done, run.errors, run.found) == ("done", 1, 1, 0, 1)
            assert _audit(app, "campaign.run")[0].actor == "sec"
            (finding,) = _store(app).list()
            assert (finding.check, finding.node, finding.state) == ("probe.telnet", INSIDE, "open")
            page = client.get(f"/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
            assert "1/1" in page and re.search(r">untreated</a> <b>1</b>", page)
            listing = client.get("/campaigns?lang=en").get_data(as_text=True)
            assert f'id="campaign-{campaign.id}"' in listing and "finished" in listing
            detail = client.get(f"/findings/{finding.id}?lang=en").get_data(as_text=True)
            assert "<code>port</code>" in detail and f"<code>{telnet.port}</code>" in detail
            telnet.close()
            run = run_now()
            assert run.found == 0
            assert _store(app).get(finding.id).state == "verified"
    finally:
        telnet.close()


def test_policy_page_green_then_the_violation(console: Flask) -> None:
    client = _client(console, "op")
    green = client.get("/policy?lang=en").get_data(as_text=True)
    for invariant in ("single-egress", "zone-isolation", "intranet-air-gap", "unified-management"):
        section = green.split(f'id="invariant-{invariant}"')[1].split("</section>")[0]
        assert '<span class="health ok">ok</span>' in section, invariant
    cached = console.extensions["egovnet.intent"].verdict()
    assert console.extensions["egovnet.intent"].verdict() is cached  # nothing changed
    # a link from the intranet core that an older tool wrote past the inventory's checks
    inventory = console.extensions["egovnet"]["inventory"]
    with inventory.sessions() as session, session.begin():
        ids = dict(session.execute(select(Node.code, Node.id)).all())
        session.add(
            Link(
                a_node_id=ids["4113-NW"],
                a_interface="GE1/0/1",
                b_node_id=ids["411302"],
                b_interface="GigabitEthernet1/0/9",
                kind="uplink",
                bandwidth_mbps=1000,
            )
        )
    red = client.get("/policy?lang=en").get_data(as_text=True)
    section = red.split('id="invariant-intranet-air-gap"')[1].split("</section>")[0]
    assert "1 violations" in section
    assert 'href="/nodes/4113-NW"' in section and "joins an intranet node" in section
    assert "link 4113-NW:GE1/0/1 -- 411302:GigabitEthernet1/0/9" in section
    other = red.split('id="invariant-single-egress"')[1].split("</section>")[0]
    assert '<span class="health ok">ok</span>' in other
