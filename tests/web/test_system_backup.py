"""``egovnet system backup`` / ``restore`` against real databases (SQLite and PostgreSQL).

A seeded instance (inventory, accounts with a contractor, audit rows, alarms with an
acknowledgement, encrypted credentials, a configuration file with a secret) is backed
up and restored into a fresh instance, also across dialects; the restored instance
exports the same inventory, its audit chain verifies, its credentials decrypt and a
restored account logs in to the console. Refusals (non-empty target, other key, no key,
tampered or truncated archives, no permission) leave the target empty.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from console_support import login
from flask import Flask
from flask.cli import ScriptInfo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inventory_bundles import BASE

from inventory.credentials import CredentialSet
from monitoring.store import AlarmDraft
from web.app import create_app
from web.cli import cli
from web.sysbackup import BackupError, chains, data_rows, read_archive

PASSWORD = "Backup-pass-123"
FLASK_SECRET = "flask-session-secret-never-in-backups"
SOURCE_TOML = f'[web]\nsecret_key = "{FLASK_SECRET}"\nlanguage = "en"\n'


@dataclass
class Instance:
    """One egovnet instance: its folder, app and an in-process ``egovnet`` runner."""

    path: Path
    app: Flask

    def run(self, *args: str, input: str | None = None) -> Result:
        runner = self.app.test_cli_runner()
        return runner.invoke(
            cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: self.app)
        )

    @property
    def inventory(self) -> Any:
        return self.app.extensions["egovnet"]["inventory"]


@pytest.fixture
def make_instance(
    tmp_path: Path, instance_path: Path, monkeypatch: pytest.MonkeyPatch, request: Any
) -> Iterator[Callable[..., Instance]]:
    made: list[Instance] = []

    def make(name: str, kind: str, toml: str | None = None) -> Instance:
        folder = tmp_path / name
        folder.mkdir()
        if toml is not None:
            (folder / "egovnet.toml").write_text(toml, encoding="utf-8")
        if kind == "sqlite":
            url = f"sqlite:///{folder}/egovnet.db"
        else:
            url = request.getfixturevalue("postgres_database")()
        monkeypatch.setenv("EGOVNET_INSTANCE", str(folder))
        app = create_app({"database.url": url})
        app.config["TESTING"] = True
        made.append(Instance(folder, app))
        return made[-1]

    yield make
    for inst in made:
        inst.inventory.dispose()


def _seed(inst: Instance) -> None:
    """Inventory, accounts, audit rows, alarms, credentials, through the CLI where it writes."""
    bundle = inst.path / "base.yaml"
    bundle.write_text(BASE, encoding="utf-8")
    assert (
        inst.run("users", "add", "admin", "--role", "admin", input=PASSWORD + "\n").exit_code == 0
    )
    as_admin = ("--user", "admin")
    done = inst.run(*as_admin, "inventory", "import", str(bundle), input=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    expires = (date.today() + timedelta(days=30)).isoformat()
    for name, role, extra in (
        ("eng", "engineer", ["--scope", "411302"]),
        ("ctr", "operator", ["--expires", expires]),
    ):
        done = inst.run(
            *as_admin,
            "users",
            "add",
            name,
            "--role",
            role,
            *extra,
            input=f"{PASSWORD}\n{PASSWORD}\n",
        )
        assert done.exit_code == 0, done.output
    inv = inst.inventory
    inv.credentials.put("lab-vrp", CredentialSet(username="netops", password="s3cret-Dev"))
    monitoring = inst.app.extensions["egovnet"]["monitoring"]
    monitoring.ensure_schema()
    store = monitoring.alarm_store()
    now = datetime.now(UTC).replace(microsecond=123456)
    for node in ("411302001", "4113-EGW"):
        store.open(AlarmDraft("device_down", "node", node, "critical", node, f"{node} down"), now)
    first = store.alarms(open_only=True)[0]
    store.acknowledge(first.id, "admin", now + timedelta(minutes=1))


def _export(inst: Instance) -> str:
    done = inst.run("inventory", "export")
    assert done.exit_code == 0, done.output
    return done.output


def _copy_key(source: Instance, target: Instance) -> None:
    (target.path / "secret.key").write_bytes((source.path / "secret.key").read_bytes())


def _backup(inst: Instance, out: Path) -> Result:
    return inst.run(
        "--user", "admin", "system", "backup", "--output", str(out), input=PASSWORD + "\n"
    )


def _empty(inst: Instance) -> bool:
    return data_rows(inst.inventory.engine, chains()) == {}


PAIRS = [
    pytest.param("sqlite", "sqlite", id="sqlite-sqlite"),
    pytest.param("postgres", "postgres", id="pg-pg", marks=pytest.mark.postgres),
    pytest.param("sqlite", "postgres", id="sqlite-pg", marks=pytest.mark.postgres),
    pytest.param("postgres", "sqlite", id="pg-sqlite", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize(("source_kind", "target_kind"), PAIRS)
def test_backup_restore_round_trip(
    make_instance: Callable[..., Instance], tmp_path: Path, source_kind: str, target_kind: str
) -> None:
    source = make_instance("source", source_kind, SOURCE_TOML)
    _seed(source)
    archive = tmp_path / "control-plane.tar.gz"
    done = _backup(source, archive)
    assert done.exit_code == 0, done.output
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    raw = gzip.decompress(archive.read_bytes())
    assert (source.path / "secret.key").read_bytes().strip() not in raw
    assert FLASK_SECRET.encode() not in raw and b"s3cret-Dev" not in raw
    assert PASSWORD.encode() not in raw

    target = make_instance("target", target_kind)
    _copy_key(source, target)
    done = target.run("system", "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert "restored" in done.output

    assert _export(target) == _export(source)
    verified = target.run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    rows = sorted(target.inventory.audit.rows(limit=None), key=lambda r: r.id)
    assert rows[-1].action == "system.restore"
    source_rows = sorted(source.inventory.audit.rows(limit=None), key=lambda r: r.id)
    assert source_rows[-1].action == "system.backup"  # appended once the archive is written
    assert [r.hash for r in rows[:-1]] == [r.hash for r in source_rows[:-1]]
    assert target.inventory.credentials.get("lab-vrp").password == "s3cret-Dev"
    store = target.app.extensions["egovnet"]["monitoring"].alarm_store()
    alarms = {a.node: a for a in store.alarms()}
    before = {
        a.node: a for a in source.app.extensions["egovnet"]["monitoring"].alarm_store().alarms()
    }
    assert alarms.keys() == before.keys()
    for node, alarm in before.items():
        assert alarms[node] == alarm
    ctr = target.inventory.accounts.get("ctr")
    assert ctr.contractor and ctr.expires_on == source.inventory.accounts.get("ctr").expires_on
    # the configuration file came along, its secret did not
    written = (target.path / "egovnet.toml").read_text(encoding="utf-8")
    assert 'language = "en"' in written and FLASK_SECRET not in written
    assert "web.secret_key" in done.output  # named as not restored

    # a restored account logs in to the console (argon2 hash restored), and new writes work
    client = target.app.test_client()
    answer = login(client, "eng", PASSWORD)
    assert answer.status_code == 302 and not answer.headers["Location"].startswith("/login")
    new = target.run(
        "--user",
        "admin",
        "users",
        "add",
        "later",
        "--role",
        "auditor",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert new.exit_code == 0, new.output  # ids/sequences continue after the restored rows
    assert target.run("audit", "verify").exit_code == 0


@pytest.fixture
def backed_up(make_instance: Callable[..., Instance], tmp_path: Path) -> tuple[Instance, Path]:
    source = make_instance("source", "sqlite")
    _seed(source)
    archive = tmp_path / "b.tar.gz"
    done = _backup(source, archive)
    assert done.exit_code == 0, done.output
    return source, archive


def test_restore_refuses_a_non_empty_instance(
    backed_up: tuple[Instance, Path], make_instance: Callable[..., Instance]
) -> None:
    source, archive = backed_up
    target = make_instance("target", "sqlite")
    _copy_key(source, target)
    assert (
        target.run("users", "add", "someone", "--role", "admin", input=PASSWORD + "\n").exit_code
        == 0
    )
    before = data_rows(target.inventory.engine, chains())
    done = target.run("system", "restore", str(archive))
    assert done.exit_code == 1
    assert "not empty" in done.output and "users (1 rows)" in done.output
    assert "Traceback" not in done.output
    assert data_rows(target.inventory.engine, chains()) == before


def test_restore_refuses_another_key_or_none(
    backed_up: tuple[Instance, Path], make_instance: Callable[..., Instance]
) -> None:
    _, archive = backed_up
    target = make_instance("target", "sqlite")
    done = target.run("system", "restore", str(archive))
    assert done.exit_code == 1 and "no credential-store key" in done.output
    assert not (target.path / "secret.key").exists()  # no key was invented
    from cryptography.fernet import Fernet

    (target.path / "secret.key").write_bytes(Fernet.generate_key())
    done = target.run("system", "restore", str(archive))
    assert done.exit_code == 1 and "different credential-store key" in done.output
    assert _empty(target)


def _repack(archive: Path, change: Callable[[dict[str, bytes]], None]) -> bytes:
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    change(members)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _edit_row(members: dict[str, bytes]) -> None:
    members["tables/users.jsonl"] = members["tables/users.jsonl"].replace(b'"operator"', b'"admin"')


def _edit_row_and_digest(members: dict[str, bytes]) -> None:
    import hashlib

    _edit_row(members)
    manifest = json.loads(members["manifest.json"])
    manifest["tables"]["users"]["sha256"] = hashlib.sha256(
        members["tables/users.jsonl"]
    ).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: _repack(p, _edit_row), "tables/users.jsonl was altered"),
        (lambda p: _repack(p, _edit_row_and_digest), "manifest was altered"),
        (
            lambda p: _repack(p, lambda m: m.pop("tables/nodes.jsonl")),
            "tables/nodes.jsonl is missing",
        ),
        (lambda p: p.read_bytes()[: len(p.read_bytes()) // 2], "not a readable backup archive"),
        (lambda p: b"PK\x03\x04 not a tar", "not a readable backup archive"),
    ],
    ids=["row-edited", "row-and-digest-edited", "member-removed", "truncated", "zip-bytes"],
)
def test_damaged_archives_are_refused(
    backed_up: tuple[Instance, Path],
    make_instance: Callable[..., Instance],
    tmp_path: Path,
    damage: Callable[[Path], bytes],
    message: str,
) -> None:
    source, archive = backed_up
    target = make_instance("target", "sqlite")
    _copy_key(source, target)
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(damage(archive))
    done = target.run("system", "restore", str(bad))
    assert done.exit_code == 1, done.output
    assert message in done.output and "Traceback" not in done.output
    assert _empty(target)


def test_backup_needs_an_admin(make_instance: Callable[..., Instance], tmp_path: Path) -> None:
    source = make_instance("source", "sqlite")
    _seed(source)
    out = tmp_path / "x.tar.gz"
    done = source.run(
        "--user", "ctr", "system", "backup", "--output", str(out), input=PASSWORD + "\n"
    )
    assert done.exit_code == 1 and "system.backup" in done.output
    assert not out.exists()
    done = source.run("system", "backup", "--output", str(out))  # no identity, accounts exist
    assert done.exit_code == 1 and not out.exists()


# -- the archive reader on untrusted bytes -------------------------------------------


@pytest.fixture(scope="module")
def valid_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, dict[str, Any]]:
    """A small real archive (BASE inventory, no accounts) with its key and the heads."""
    from cryptography.fernet import Fernet

    from web.sysbackup import write_archive

    root = tmp_path_factory.mktemp("fuzz")
    old = os.environ.get("EGOVNET_INSTANCE")
    os.environ["EGOVNET_INSTANCE"] = str(root)
    key = Fernet.generate_key()
    try:
        app = create_app({"database.url": f"sqlite:///{root}/f.db", "secret.key": key.decode()})
    finally:
        if old is None:
            del os.environ["EGOVNET_INSTANCE"]
        else:
            os.environ["EGOVNET_INSTANCE"] = old
    egov = app.extensions["egovnet"]
    inv = egov["inventory"]
    for chain in chains():
        chain.upgrade(inv.engine)
    (root / "base.yaml").write_text(BASE, encoding="utf-8")
    inv.import_path(root / "base.yaml")
    write_archive(root / "a.tgz", engine=inv.engine, key=key, config=egov["config"])
    inv.dispose()
    heads = {c.name: c.head() for c in chains()}
    return (root / "a.tgz").read_bytes(), key, heads


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_reader_on_corrupted_bytes_raises_only_backup_error(
    valid_archive: tuple[bytes, bytes, dict[str, Any]], data: st.DataObject
) -> None:
    good, key, heads = valid_archive
    blob = bytearray(good)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    mutated = bytes(blob[:cut]) if data.draw(st.booleans()) else bytes(blob)
    try:
        read = read_archive(mutated, key, heads=heads)
    except BackupError as exc:
        assert str(exc)
    else:  # only bytes nothing depends on were hit (gzip header time, tar padding)
        assert read.rows == read_archive(good, key, heads=heads).rows


def _signed(
    good: bytes, key: bytes, change: Callable[[dict[str, Any], dict[str, bytes]], None]
) -> bytes:
    """The archive with ``change`` applied and re-signed with the right key (digests redone)."""
    import hashlib

    from web.sysbackup import _signature

    with tarfile.open(fileobj=io.BytesIO(good), mode="r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    manifest = json.loads(members["manifest.json"])
    change(manifest, members)
    for name in manifest["tables"]:
        body = members.get(f"tables/{name}.jsonl", b"")
        manifest["tables"][name]["sha256"] = hashlib.sha256(body).hexdigest()
    raw = json.dumps(manifest).encode()
    members["manifest.json"], members["manifest.hmac"] = raw, _signature(key, raw).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buf.getvalue()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    column=st.sampled_from(["code", "parent_id", "status", "ssh_port", "name"]), value=JSON_VALUES
)
def test_reader_on_signed_rows_with_wrong_values(
    valid_archive: tuple[bytes, bytes, dict[str, Any]], column: str, value: Any
) -> None:
    """Even a correctly signed archive (someone holding the key) is checked value by value."""
    good, key, heads = valid_archive

    def change(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        lines = members["tables/nodes.jsonl"].decode().splitlines()
        row = json.loads(lines[0])
        row[column] = value
        lines[0] = json.dumps(row)
        members["tables/nodes.jsonl"] = ("\n".join(lines) + "\n").encode()

    try:
        archive = read_archive(_signed(good, key, change), key, heads=heads)
    except BackupError as exc:
        assert "tables/nodes.jsonl:1" in str(exc)
    else:
        assert archive.rows["nodes"][0][column] == value
