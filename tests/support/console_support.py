"""A console app on a real SQLite database with the BASE inventory, one account per role,
and a logged-in test client helper. Imported as a top-level module."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from inventory_bundles import BASE

from monitoring.store import AlarmDraft
from web.app import create_app

PASSWORD = "Console-pass-123"
#: name -> (role, scope)
USERS: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None),
    "eng": ("engineer", "411302"),
    "sec": ("security", None),
    "op": ("operator", None),
    "aud": ("auditor", None),
}
INSIDE = "411302001"  # in eng's scope
OUTSIDE = "4113-EGW"  # outside it
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


_TEMPLATE: list[Path] = []


def _template_database() -> Path:
    """Build the seeded database once per test process (argon2 hashes are slow on purpose)."""
    if not _TEMPLATE:
        root = Path(tempfile.mkdtemp(prefix="egovnet-console-"))
        app = create_app({"database.url": f"sqlite:///{root}/console.db"})
        egov = app.extensions["egovnet"]
        inventory, monitoring = egov["inventory"], egov["monitoring"]
        monitoring.ensure_schema()
        egov["security"].ensure_schema()
        bundle = root / "base.yaml"
        bundle.write_text(BASE, encoding="utf-8")
        inventory.import_path(bundle)
        for name, (role, scope) in USERS.items():
            inventory.accounts.add(name, role, PASSWORD, scope=scope)
        store = monitoring.alarm_store()
        now = datetime.now(UTC)
        for node in (INSIDE, OUTSIDE):
            store.open(
                AlarmDraft(
                    "device_down", "node", node, "critical", node, f"{node} does not answer"
                ),
                now,
            )
        inventory.dispose()  # the last connection closing checkpoints the WAL into the file
        assert not (root / "console.db-wal").exists()
        _TEMPLATE.append(root / "console.db")
        atexit.register(shutil.rmtree, root, True)
    return _TEMPLATE[0]


@contextmanager
def console_app(root: Path, overrides: dict[str, Any] | None = None) -> Iterator[Flask]:
    """The app on a copy of the seeded database: BASE inventory, one account per role
    (:data:`USERS`), an open critical alarm at :data:`INSIDE` and at :data:`OUTSIDE`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template_database(), root / "console.db")
    app = create_app({"database.url": f"sqlite:///{root}/console.db", **(overrides or {})})
    app.config["TESTING"] = True
    try:
        yield app
    finally:
        app.extensions["egovnet"]["inventory"].dispose()


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path`` (the session's token)."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    token = csrf(client)
    return client.post("/login", data={"csrf_token": token, "name": name, "password": password})


def alarm_id(app: Flask, node: str) -> int:
    store = app.extensions["egovnet"]["monitoring"].alarm_store()
    return next(a.id for a in store.alarms(open_only=True) if a.node == node)


def sample_finding(
    app: Flask, node: str = INSIDE, key: str = "public", department: str | None = None
) -> int:
    """Record one baseline finding on ``node`` through the findings store; returns its id."""
    security = app.extensions["egovnet"]["security"]
    record = {
        "check": "B7",
        "severity": "high",
        "node": node,
        "department": department,
        "key": key,
        "title": f"B7 snmp-agent community {key}",
        "evidence": [{"line": 12, "text": "snmp-agent community read ******"}],
        "fix": f"undo snmp-agent community {key}\nsnmp-agent sys-info version v3",
    }
    done = security.findings.record("baseline", node, [record], nodes=security.campaigns.nodes())
    return int((done.new or done.seen or done.reopened)[0])


def sample_campaign(app: Flask, name: str = "telnet-411302") -> int:
    """Create (not run) a probe.telnet campaign over INSIDE as ``sec``; returns its id."""
    from inventory.audit import Actor

    service = app.extensions["egovnet"]["security"].campaigns
    try:
        return int(service.get(name).id)
    except Exception:
        made = service.create(
            name, "probe.telnet", f"node:{INSIDE}", None, Actor("sec", "security")
        )
        return int(made.id)


def sample_change(app: Flask, node: str = INSIDE, title: str = "sample change") -> int:
    """Create (not check) a one-device change at ``node`` as ``eng``, against a given running
    configuration (no SSH); returns its id."""
    from inventory.audit import Actor
    from provisioning.changes import create_change

    inventory = app.extensions["egovnet"]["inventory"]
    running = "sysname sample\n#\n"
    intended = running + "interface Vlanif101\n description sample department\n#\n"
    return create_change(
        inventory,
        actor=Actor("eng", "engineer"),
        title=title,
        intended={node: intended},
        running={node: running},
    )
