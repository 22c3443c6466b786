"""Accounts and the audit log through the real CLI on SQLite and PostgreSQL.

Tampering is done with plain SQL on the database, as someone with the database
file or a superuser would (dropping the append-only triggers first).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inventory_bundles import BASE
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from inventory.accounts import Accounts, AuthError
from inventory.audit import Actor, AuditLog
from inventory.db import make_engine, make_session_factory, upgrade

ADMIN_PW = "Admin-password-1"
ENG_PW = "Engineer-pass-22"

Run = Callable[..., Result]


def _bootstrap(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert run("inventory", "import", str(path)).exit_code == 0
    made = run("users", "add", "admin", "--role", "admin", input=ADMIN_PW + "\n")
    assert made.exit_code == 0, made.output
    assert "created user admin (admin)" in made.output


def _as_admin(run: Run, *args: str, input: str = "") -> Result:
    return run("--user", "admin", *args, input=ADMIN_PW + "\n" + input)


def test_bootstrap_then_writes_need_an_identity(run: Run, tmp_path: Path, inventory: Any) -> None:
    _bootstrap(run, tmp_path)
    refused = run("inventory", "allocate", "--node", "411302", "--kind", "vlan")
    assert refused.exit_code == 1
    assert "this instance has accounts" in refused.output
    # reads stay open on the host
    assert run("inventory", "tree").exit_code == 0
    done = _as_admin(run, "inventory", "allocate", "--node", "411302", "--kind", "vlan")
    assert done.exit_code == 0, done.output
    wrong = run("--user", "admin", "inventory", "seed", input="not-the-password\n")
    assert wrong.exit_code == 1 and "wrong user name or password" in wrong.output
    rows = json.loads(run("audit", "list", "--json").output)
    actions = [(r["actor"], r["action"], r["target"]) for r in rows]
    assert actions[0] == ("admin", "inventory.allocate", "411302")
    assert actions[1] == ("local:" + actions[1][0].split(":", 1)[1], "users.add", "admin")
    assert actions[2][1] == "inventory.import"
    assert all(r["source"] == "cli" for r in rows)


def test_roles_scope_contractor_and_tokens(
    run: Run, tmp_path: Path, inventory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bootstrap(run, tmp_path)
    made = _as_admin(
        run,
        "users",
        "add",
        "wang.eng",
        "--role",
        "engineer",
        "--scope",
        "411302",
        "--expires",
        "2099-12-31",
        input=ENG_PW + "\n",
    )
    assert made.exit_code == 0, made.output
    assert "contractor until 2099-12-31" in made.output
    bad_scope = _as_admin(
        run, "users", "add", "x.op", "--role", "operator", "--scope", "411302", input=ENG_PW + "\n"
    )
    assert bad_scope.exit_code == 2 and "scope: only an engineer" in bad_scope.output
    weak = _as_admin(run, "users", "add", "y.op", "--role", "operator", input="short\n")
    assert weak.exit_code == 2 and "password" in weak.output
    eng = ["--user", "wang.eng"]
    inside = run(
        *eng, "inventory", "allocate", "--node", "411302001", "--kind", "vlan", input=ENG_PW + "\n"
    )
    assert inside.exit_code == 0, inside.output
    outside = run(
        *eng, "inventory", "allocate", "--node", "4113-EGW", "--kind", "vlan", input=ENG_PW + "\n"
    )
    assert outside.exit_code == 1 and "outside wang.eng's scope 411302" in outside.output
    whole = run(*eng, "inventory", "seed", input=ENG_PW + "\n")
    assert whole.exit_code == 1 and "of the whole city is refused" in whole.output
    not_admin = run(
        *eng, "users", "add", "z", "--role", "admin", input=ENG_PW + "\n" + ENG_PW + "\n"
    )
    assert not_admin.exit_code == 1 and "may not users.manage" in not_admin.output
    marked = json.loads(run("audit", "list", "--contractor", "--json").output)
    assert [(r["actor"], r["action"], r["contractor"]) for r in marked] == [
        ("wang.eng", "inventory.allocate", True)
    ]
    # an API token, shown once, stored as a digest
    token = _as_admin(run, "users", "token", "wang.eng").output.strip()
    assert token.startswith("egv_")
    with inventory.engine.connect() as conn:
        stored = conn.execute(text("SELECT digest FROM api_tokens")).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    monkeypatch.setenv("EGOVNET_TOKEN", token)
    by_token = run("inventory", "allocate", "--node", "411302", "--kind", "vlan")
    assert by_token.exit_code == 0, by_token.output
    monkeypatch.setenv("EGOVNET_TOKEN", "egv_forged")
    assert (
        "API token is not valid"
        in run("inventory", "allocate", "--node", "411302", "--kind", "vlan").output
    )
    monkeypatch.delenv("EGOVNET_TOKEN")
    listed = json.loads(run("users", "list", "--json").output)
    assert {u["name"]: u["contractor"] for u in listed} == {"admin": False, "wang.eng": True}
    # disabling revokes the tokens
    assert _as_admin(run, "users", "disable", "wang.eng").exit_code == 0
    monkeypatch.setenv("EGOVNET_TOKEN", token)
    assert run("inventory", "allocate", "--node", "411302", "--kind", "vlan").exit_code == 1


def test_expired_contractor_and_lockout(run: Run, tmp_path: Path, inventory: Any) -> None:
    _bootstrap(run, tmp_path)
    late = _as_admin(
        run,
        "users",
        "add",
        "old.eng",
        "--role",
        "engineer",
        "--expires",
        "2001-01-31",
        input=ENG_PW + "\n",
    )
    assert late.exit_code == 0 and "cannot log in" in late.output
    expired = run("--user", "old.eng", "inventory", "seed", input=ENG_PW + "\n")
    assert expired.exit_code == 1 and "expired on 2001-01-31" in expired.output
    bad_date = _as_admin(run, "users", "add", "n", "--role", "admin", "--expires", "31/01/2001")
    assert bad_date.exit_code == 2 and "expected YYYY-MM-DD" in bad_date.output
    for _ in range(5):
        failed = run("--user", "admin", "inventory", "seed", input="wrong-password-x\n")
        assert "wrong user name or password" in failed.output
    locked = _as_admin(run, "users", "list")
    assert "locked" in locked.output  # reads need no identity, but --user is checked when used
    refused = _as_admin(run, "inventory", "allocate", "--node", "411302", "--kind", "vlan")
    assert refused.exit_code == 1 and "locked" in refused.output
    accounts = Accounts(inventory.sessions)
    with pytest.raises(AuthError, match="locked"):
        accounts.authenticate("admin", ADMIN_PW)
    accounts.unlock("admin")
    assert accounts.authenticate("admin", ADMIN_PW).name == "admin"


def _drop_triggers(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))


def test_audit_verify_detects_edits_and_deletions(run: Run, tmp_path: Path, inventory: Any) -> None:
    _bootstrap(run, tmp_path)
    for _ in range(3):
        assert (
            _as_admin(run, "inventory", "allocate", "--node", "411302", "--kind", "vlan").exit_code
            == 0
        )
    ok = run("audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert "audit log ok: 5 rows, head 5:" in ok.output
    head = ok.output.split("head ")[1].strip()
    # the database refuses edits while its triggers stand
    with pytest.raises(DBAPIError), inventory.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"))
    with inventory.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"))
    edited = run("audit", "verify")
    assert edited.exit_code == 1
    assert "BROKEN at row 3: row 3 was modified" in edited.output
    with inventory.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'admin' WHERE id = 3"))
        conn.execute(text("DELETE FROM audit_log WHERE id = 4"))
    deleted = run("audit", "verify")
    assert deleted.exit_code == 1 and "BROKEN at row 4: row 4 is missing" in deleted.output
    with inventory.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 5"))
    # the tail was cut: only a head recorded earlier tells
    assert run("audit", "verify").exit_code == 0
    cut = run("audit", "verify", "--head", head)
    assert cut.exit_code == 1 and "row 5 is gone" in cut.output
    assert run("audit", "verify", "--head", "nonsense").exit_code == 2


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    details=st.lists(
        st.dictionaries(
            st.text(max_size=8),
            st.one_of(st.integers(), st.text(max_size=20), st.none()),
            max_size=3,
        ),
        min_size=1,
        max_size=4,
    ),
    victim=st.integers(min_value=0, max_value=3),
    field=st.sampled_from(["at", "actor", "action", "target", "details", "role"]),
    junk=st.text(min_size=1, max_size=10),
)
def test_any_edit_of_any_row_is_detected(
    tmp_path: Path, details: list[dict[str, Any]], victim: int, field: str, junk: str
) -> None:
    engine = make_engine(
        f"sqlite:///{tmp_path}/chain-{abs(hash((str(details), victim, field, junk)))}.db"
    )
    try:
        upgrade(engine)
        log = AuditLog(make_session_factory(engine))
        for n, d in enumerate(details):
            log.append(Actor("u", "admin", contractor=n % 2 == 1), "x.y", f"t{n}", d)
        assert log.verify().ok
        row = min(victim, len(details) - 1) + 1
        with engine.begin() as conn:
            _drop_triggers(conn)
            before = conn.execute(
                text(f"SELECT {field} FROM audit_log WHERE id = :id"), {"id": row}
            ).scalar_one()
            conn.execute(
                text(f"UPDATE audit_log SET {field} = :v WHERE id = :id"),
                {"v": before + junk, "id": row},
            )
        verdict = log.verify()
        assert not verdict.ok and verdict.broken_id == row
    finally:
        engine.dispose()


def test_upgrade_from_the_previous_head_keeps_the_data(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from inventory.db import MIGRATIONS, _alembic_config, current_revision, migration_head

    engine = make_engine(database_url)
    try:
        command.upgrade(_alembic_config(engine), "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO nodes (code, name, level, network, role, ssh_port, snmp_port, status)"
                    " VALUES ('4113', '南阳市', 'city', 'extranet', 'core', 22, 161, 'active')"
                )
            )
        upgrade(engine)
        assert current_revision(engine) == migration_head(MIGRATIONS / "versions")
        tables = set(inspect(engine).get_table_names())
        assert {"users", "api_tokens", "audit_log", "login_sessions"} <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM nodes")).scalar_one() == "南阳市"
            assert conn.execute(text("SELECT name FROM locks WHERE name = 'audit'")).scalar_one()
    finally:
        engine.dispose()
