"""Control-plane backup: every component's tables, a key verifier and the configuration.

The archive is a gzip'd tar holding

- ``manifest.json``: format, egovnet version, creation time, source dialect, the
  Alembic head of each component's chain, the key verifier, and per member its
  SHA-256 and (for tables) its row count and columns;
- ``manifest.hmac``: HMAC-SHA256 of ``manifest.json`` under the credential-store
  key, so an edited manifest (and through its digests, any edited member) is
  refused by whoever holds the key;
- ``tables/<name>.jsonl``: one JSON object per row, values typed by the model's
  column types (datetimes and dates as ISO text), so a SQLite backup restores into
  PostgreSQL and back; no raw database file;
- ``config.json``: the instance's configuration file (flattened keys) with every
  secret option and ``database.url`` removed (named under ``redacted``).

The key verifier is HMAC-SHA256(key, a constant): it proves that the target
instance holds the same credential-store key (without which the encrypted
credential sets and configuration backups are unreadable) and never reveals
the key. Login sessions and lock rows are not kept (ephemeral); InfluxDB data is
not either (influxd has its own backup tools).

Restore reads and checks the whole archive before it touches the database,
migrates each component to its head, refuses an instance holding any data, and
loads every table in one transaction (foreign keys first, self-references
parent first), so a refused or failed restore leaves the database unchanged.
The standard library's :mod:`tarfile`, :mod:`json` and :mod:`hmac` are enough:
no field library restores an application schema across dialects.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
import tomllib
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.schema import sort_tables

from inventory.credentials import KEY_CHECK_NAME
from inventory.errors import InventoryError

FORMAT = "egovnet-system-backup/1"
_KEY_CHECK_TEXT = b"egovnet system backup key check v1"
#: tables that are not backed up: login sessions (bearer secrets, ephemeral) and lock rows
EXCLUDED = frozenset({"login_sessions", "locks"})
#: configuration keys never copied into an archive, besides the options declared secret
CONFIG_EXCLUDED = frozenset({"database.url"})
MAX_MEMBER = 1 << 30  # 1 GiB per member; a bigger one is refused before it is read


class BackupError(InventoryError):
    """The archive cannot be written, read or restored; nothing was changed."""


@dataclass(frozen=True)
class Chain:
    """One component's Alembic chain: its tables, head and upgrade function."""

    name: str
    tables: Sequence[Table]
    head: Callable[[], str | None]
    upgrade: Callable[[Engine], None]


def chains() -> list[Chain]:
    """Every component's chain (imported here: web is the composition root)."""
    import inventory.db
    import monitoring.store
    import provisioning.schema
    import security.findings
    from inventory.db import migration_head
    from inventory.models import Base as InventoryBase
    from monitoring.models import Base as MonitoringBase
    from provisioning.models import Base as ProvisioningBase
    from security.models import Base as SecurityBase

    def head(folder: Path) -> Callable[[], str | None]:
        def find() -> str | None:
            found = migration_head(folder / "versions")
            if found is not None:
                return found
            from alembic.config import Config as AlembicConfig
            from alembic.script import ScriptDirectory

            cfg = AlembicConfig()
            cfg.set_main_option("script_location", str(folder))
            return ScriptDirectory.from_config(cfg).get_current_head()

        return find

    return [
        Chain(
            "inventory",
            list(InventoryBase.metadata.sorted_tables),
            head(inventory.db.MIGRATIONS),
            inventory.db.upgrade,
        ),
        Chain(
            "monitoring",
            list(MonitoringBase.metadata.sorted_tables),
            head(monitoring.store.MIGRATIONS),
            monitoring.store.upgrade,
        ),
        Chain(
            "provisioning",
            list(ProvisioningBase.metadata.sorted_tables),
            head(provisioning.schema.MIGRATIONS),
            provisioning.schema.upgrade,
        ),
        Chain(
            "security",
            list(SecurityBase.metadata.sorted_tables),
            head(security.findings.MIGRATIONS),
            security.findings.upgrade,
        ),
    ]


def backed_up_tables(all_chains: Iterable[Chain]) -> list[Table]:
    """The tables an archive holds, foreign-key order (referenced tables first)."""
    tables = [t for c in all_chains for t in c.tables if t.name not in EXCLUDED]
    return list(sort_tables(tables))


def key_check(key: bytes) -> str:
    """The key verifier: HMAC-SHA256 of a constant under the key (never the key itself).

    >>> len(key_check(b"k")) == 64 and key_check(b"k") != key_check(b"l")
    True
    """
    return hmac.new(key, _KEY_CHECK_TEXT, hashlib.sha256).hexdigest()


def _signature(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, b"manifest\0" + manifest, hashlib.sha256).hexdigest()


def egovnet_version() -> str:
    try:
        return package_version("egovnet")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


# -- values ------------------------------------------------------------------------


def encode_value(column: Column[Any], value: Any) -> Any:
    """A database value as JSON (datetimes/dates ISO, bytes base64, decimals as text)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode_value(column: Column[Any], value: Any, where: str) -> Any:
    """The inverse of :func:`encode_value`, checked against the column's type."""
    name = f"{where}: column {column.name}"
    if value is None:
        if not column.nullable and not column.primary_key:
            raise BackupError(f"{name}: null in a column that requires a value")
        return None
    kind = column.type
    try:
        if isinstance(kind, DateTime):
            if not isinstance(value, str):
                raise ValueError(value)
            moment = datetime.fromisoformat(value)
            if not kind.timezone and moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return moment
        if isinstance(kind, Date):
            if not isinstance(value, str):
                raise ValueError(value)
            return date.fromisoformat(value)
        if isinstance(kind, LargeBinary):
            if not isinstance(value, str):
                raise ValueError(value)
            return base64.b64decode(value, validate=True)
        if isinstance(kind, Boolean):
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if isinstance(kind, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(value)
            if not -(2**63) <= value < 2**63:
                raise ValueError(value)
            return value
        if isinstance(kind, Numeric | Float):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError(value)
            return Decimal(value) if isinstance(value, str) else value
        if isinstance(kind, String | Text):
            if not isinstance(value, str):
                raise ValueError(value)
            if "\x00" in value:
                raise ValueError("NUL")
            length = getattr(kind, "length", None)
            if length is not None and len(value) > length:
                raise BackupError(f"{name}: longer than {length} characters")
            return value
    except (ValueError, ArithmeticError, TypeError):
        raise BackupError(f"{name}: not a valid {type(kind).__name__} value") from None
    return value  # JSON and other types: as stored


# -- the archive -------------------------------------------------------------------


@dataclass
class Archive:
    """A checked archive: the manifest, every table's decoded rows, the configuration."""

    manifest: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def _config_values(config: Any) -> dict[str, Any]:
    """The instance's configuration file, flattened, secrets and instance-specific keys removed."""
    from inventory.options import flatten

    from .config import ALL_OPTIONS

    secret = {o.key for o in ALL_OPTIONS if o.secret} | CONFIG_EXCLUDED
    values: dict[str, Any] = {}
    if config.file:
        values = flatten(tomllib.loads(Path(config.file).read_text(encoding="utf-8")))
    kept = {k: v for k, v in values.items() if k not in secret}
    return {
        "file": Path(config.file).name if config.file else None,
        "values": kept,
        "redacted": sorted(k for k in values if k in secret),
    }


def dump(engine: Engine, all_chains: Sequence[Chain]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Every backed-up table as JSON lines, read in one transaction (a consistent snapshot)."""
    members: dict[str, bytes] = {}
    tables: dict[str, Any] = {}
    conn_engine = engine
    if engine.dialect.name == "postgresql":
        conn_engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with conn_engine.connect() as conn, conn.begin():
        present = set(engine.dialect.get_table_names(conn))
        for table in backed_up_tables(all_chains):
            if table.name not in present:
                raise BackupError(f"table {table.name} is missing: upgrade the schema first")
            order = [c for c in table.primary_key.columns] or list(table.columns)
            lines = []
            for row in conn.execute(select(table).order_by(*order)).mappings():
                body = {c.name: encode_value(c, row[c.name]) for c in table.columns}
                lines.append(json.dumps(body, ensure_ascii=False, sort_keys=True))
            data = ("\n".join(lines) + "\n").encode() if lines else b""
            members[f"tables/{table.name}.jsonl"] = data
            tables[table.name] = {
                "rows": len(lines),
                "columns": [c.name for c in table.columns],
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        heads = {}
        for chain in all_chains:
            heads[chain.name] = _current(conn, chain)
    return members, {"tables": tables, "heads": heads}


def _current(conn: Any, chain: Chain) -> str | None:
    from alembic.runtime.migration import MigrationContext

    table = "alembic_version" if chain.name == "inventory" else f"alembic_version_{chain.name}"
    return MigrationContext.configure(conn, opts={"version_table": table}).get_current_revision()


def write_archive(
    path: Path,
    *,
    engine: Engine,
    key: bytes,
    config: Any,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the archive of the instance to ``path`` (atomically, mode 0600); the manifest."""
    all_chains = chains()
    members, dumped = dump(engine, all_chains)
    expected = {c.name: c.head() for c in all_chains}
    if dumped["heads"] != expected:
        raise BackupError(
            f"the database schema is not current ({dumped['heads']} != {expected}): "
            "run any egovnet command that upgrades it (e.g. 'egovnet serve') first"
        )
    config_data = json.dumps(_config_values(config), ensure_ascii=False, sort_keys=True).encode()
    members["config.json"] = config_data
    manifest = {
        "format": FORMAT,
        "egovnet": egovnet_version(),
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "dialect": engine.dialect.name,
        "heads": dumped["heads"],
        "key_check": key_check(key),
        "tables": dumped["tables"],
        "config": {"sha256": hashlib.sha256(config_data).hexdigest()},
    }
    manifest_data = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
    path = Path(path)
    folder = path.parent if str(path.parent) else Path()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw:
            with (
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
                tarfile.open(fileobj=gz, mode="w") as tar,
            ):
                _add(tar, "manifest.json", manifest_data)
                _add(tar, "manifest.hmac", _signature(key, manifest_data).encode())
                for name, data in members.items():
                    _add(tar, name, data)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def _members(data: bytes) -> dict[str, bytes]:
    """The regular files of the tar.gz ``data`` (nothing is extracted to disk)."""
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for info in tar:
                if not info.isfile():
                    raise BackupError(f"member {info.name[:80]!r} is not a regular file")
                if info.size > MAX_MEMBER:
                    raise BackupError(f"member {info.name[:80]!r} is too large")
                if info.name in out:
                    raise BackupError(f"member {info.name[:80]!r} appears twice")
                handle = tar.extractfile(info)
                if handle is None:  # pragma: no cover - isfile() above
                    raise BackupError(f"member {info.name[:80]!r} cannot be read")
                out[info.name] = handle.read()
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        raise BackupError(f"not a readable backup archive (tar.gz): {exc}") from None
    return out


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"{what}: not valid JSON ({exc})") from None


def read_archive(data: bytes, key: bytes, *, heads: Mapping[str, str | None]) -> Archive:
    """Check ``data`` completely and decode it; :class:`BackupError` on any defect.

    Order: the tar.gz, the manifest, the key verifier (a different key is named as
    such), the manifest's signature, each member's digest, then every row against
    the current models' columns and types. ``heads`` are this egovnet's schema heads.
    """
    members = _members(data)
    for required in ("manifest.json", "manifest.hmac", "config.json"):
        if required not in members:
            raise BackupError(f"not an egovnet backup archive: {required} is missing")
    raw_manifest = members["manifest.json"]
    manifest = _json(raw_manifest, "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"not an egovnet backup archive: manifest format is not {FORMAT}")
    if not isinstance(manifest.get("key_check"), str) or not hmac.compare_digest(
        manifest["key_check"], key_check(key)
    ):
        raise BackupError(
            "the archive was made under a different credential-store key than this "
            "instance's (EGOVNET_SECRET_KEY or the key file): its encrypted credentials "
            "and configuration backups would be unreadable; use the original key"
        )
    signature = members["manifest.hmac"].decode("ascii", "replace").strip()
    if not hmac.compare_digest(signature, _signature(key, raw_manifest)):
        raise BackupError("the archive's manifest was altered (its signature does not match)")
    if manifest.get("heads") != dict(heads):
        raise BackupError(
            f"the archive's schema {manifest.get('heads')} is not this egovnet's {dict(heads)}: "
            f"restore it with egovnet {manifest.get('egovnet')}, then upgrade"
        )
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        raise BackupError("manifest.json: 'tables' is missing")
    archive = Archive(manifest=manifest)
    known = {t.name: t for t in backed_up_tables(chains())}
    expected_members = {f"tables/{n}.jsonl" for n in tables} | {
        "manifest.json",
        "manifest.hmac",
        "config.json",
    }
    extra = sorted(set(members) - expected_members)
    if extra:
        raise BackupError(f"the archive holds unexpected members: {', '.join(extra[:5])}")
    if set(tables) != set(known):
        missing, unknown = sorted(set(known) - set(tables)), sorted(set(tables) - set(known))
        raise BackupError(f"the archive's tables differ: missing {missing}, unknown {unknown}")
    for name, meta in tables.items():
        member = f"tables/{name}.jsonl"
        body = members.get(member)
        if body is None:
            raise BackupError(f"{member} is missing")
        if not isinstance(meta, dict) or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            raise BackupError(f"{member} was altered or truncated (digest mismatch)")
        archive.rows[name] = _rows(known[name], body, member, meta)
    config_data = members["config.json"]
    if hashlib.sha256(config_data).hexdigest() != (manifest.get("config") or {}).get("sha256"):
        raise BackupError("config.json was altered or truncated (digest mismatch)")
    config = _json(config_data, "config.json")
    if not isinstance(config, dict) or not isinstance(config.get("values", {}), dict):
        raise BackupError("config.json: expected an object with 'values'")
    archive.config = config
    return archive


def _rows(table: Table, body: bytes, member: str, meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    columns = {c.name: c for c in table.columns}
    if meta.get("columns") != list(columns):
        raise BackupError(f"{member}: columns {meta.get('columns')} are not {list(columns)}")
    rows = []
    try:
        text_body = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError(f"{member}: not UTF-8") from None
    for number, line in enumerate(text_body.splitlines(), start=1):
        where = f"{member}:{number}"
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise BackupError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict) or set(obj) != set(columns):
            raise BackupError(f"{where}: expected an object with the columns {list(columns)}")
        rows.append({n: decode_value(c, obj[n], where) for n, c in columns.items()})
    if len(rows) != meta.get("rows"):
        raise BackupError(f"{member}: {len(rows)} rows, the manifest says {meta.get('rows')}")
    return rows


# -- restore -----------------------------------------------------------------------


def data_rows(engine: Engine, all_chains: Sequence[Chain]) -> dict[str, int]:
    """Tables of the instance holding data (lock rows, sessions and the key verifier aside)."""
    found: dict[str, int] = {}
    with engine.connect() as conn:
        present = set(engine.dialect.get_table_names(conn))
        for table in backed_up_tables(all_chains):
            if table.name not in present:
                continue
            query = select(func.count()).select_from(table)
            if table.name == "credentials":
                query = query.where(table.c.name != KEY_CHECK_NAME)
            count = int(conn.execute(query).scalar_one())
            if count:
                found[table.name] = count
    return found


def parent_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` ordered so that a row referencing its own table comes after the row it names.

    >>> from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table
    >>> t = Table("n", MetaData(), Column("id", Integer, primary_key=True),
    ...           Column("parent_id", Integer, ForeignKey("n.id")))
    >>> [r["id"] for r in parent_first(t, [{"id": 2, "parent_id": 3}, {"id": 3, "parent_id": None}])]
    [3, 2]
    """
    links = [
        (fk.parent.name, fk.column.name)
        for fk in table.foreign_keys
        if fk.column.table is table and fk.parent.table is table
    ]
    if not links:
        return rows
    out: list[dict[str, Any]] = []
    placed: set[int] = set()
    index: dict[tuple[str, Any], int] = {}
    for i, row in enumerate(rows):
        for _, target in links:
            index[(target, row[target])] = i

    def place(i: int, trail: set[int]) -> None:
        if i in placed:
            return
        if i in trail:
            raise BackupError(f"table {table.name}: rows reference each other in a cycle")
        trail.add(i)
        for source, target in links:
            value = rows[i][source]
            j = index.get((target, value))
            if value is not None and j is not None and j != i:
                place(j, trail)
        placed.add(i)
        out.append(rows[i])

    for i in range(len(rows)):
        place(i, set())
    return out


def load(session: Session, archive: Archive) -> dict[str, int]:
    """Insert the archive's rows in ``session``'s transaction; rows per table."""
    conn = session.connection()
    all_tables = backed_up_tables(chains())
    # the target's own verifier row: the same key (checked), so the archive's row replaces it
    credentials = next(t for t in all_tables if t.name == "credentials")
    conn.execute(credentials.delete().where(credentials.c.name == KEY_CHECK_NAME))
    counts: dict[str, int] = {}
    for table in all_tables:
        rows = archive.rows.get(table.name, [])
        if rows:
            ordered = parent_first(table, rows)
            try:
                for start in range(0, len(ordered), 1000):
                    conn.execute(table.insert(), ordered[start : start + 1000])
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise BackupError(f"table {table.name}: rows refused: {reason[:300]}") from None
        counts[table.name] = len(rows)
    if conn.dialect.name == "postgresql":
        for table in all_tables:
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and isinstance(pk[0].type, Integer):
                top = conn.execute(select(func.max(pk[0]))).scalar()
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                    {"t": table.name, "c": pk[0].name, "v": top or 1, "called": top is not None},
                )
    return counts


def toml_text(values: Mapping[str, Any]) -> str | None:
    """Flattened dotted keys as TOML (one table per first part); None if it would not round-trip.

    >>> print(toml_text({"ipam.city_block": "10.0.0.0/8", "web.language": "en"}), end="")
    [ipam]
    city_block = "10.0.0.0/8"
    <BLANKLINE>
    [web]
    language = "en"
    """
    from inventory.options import flatten

    def literal(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list):
            return "[" + ", ".join(literal(v) for v in value) + "]"
        if isinstance(value, dict):
            inner = ", ".join(f"{json.dumps(str(k))} = {literal(v)}" for k, v in value.items())
            return "{" + inner + "}"
        raise TypeError(value)

    groups: dict[str, list[str]] = {}
    try:
        for key, value in sorted(values.items()):
            head, _, rest = key.partition(".")
            if not rest:
                return None
            groups.setdefault(head, []).append(f"{json.dumps(rest)} = {literal(value)}")
    except TypeError:
        return None
    out = "\n".join(f"[{head}]\n" + "\n".join(lines) + "\n" for head, lines in groups.items())
    out = _bare_keys(out)
    try:
        if flatten(tomllib.loads(out)) != dict(values):
            return None
    except tomllib.TOMLDecodeError:
        return None
    return out


def _bare_keys(out: str) -> str:
    """``"city_block" = ...`` -> ``city_block = ...`` where the key is a bare TOML key."""
    import re

    return re.sub(r'^"([A-Za-z0-9_-]+)" =', r"\1 =", out, flags=re.MULTILINE)
