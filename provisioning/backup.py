"""Configuration backups: running configurations into a versioned history, and drift.

``backup_nodes`` reads the running configuration of the selected nodes over SSH
(concurrently, at most ``width`` sessions; a device that fails costs only its own
row) and stores a new version only when the text changed. The text holds device
secrets, so it is stored as a Fernet token under the inventory's secret key (the
credential store's key) and identified by an HMAC-SHA256 under the same key;
lines a device rewrites on every read or commit (CE ``!Last configuration was ...``,
IOS ``! Last configuration change at ...``, ``Current configuration : N bytes``) are
left out of the digest. Everything shown (``masked``, ``diff``, drift) goes through
:func:`provisioning.secrets.sanitize`.

``drift`` compares each node's latest backup with its intended configuration
(:mod:`provisioning.render`) through the remediation (:mod:`provisioning.remediation`):
in sync, drifted (the commands that would bring it back), or never backed up.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .errors import ProvisioningError, UnknownNodeError
from .models import ConfigVersion
from .secrets import sanitize

#: Header lines a device rewrites without a configuration change.
VOLATILE = re.compile(
    r"^(?:!Last configuration was |! Last configuration change at |! NVRAM config last updated"
    r"|Building configuration|Current configuration : )"
)
#: Drift states.
IN_SYNC, DRIFTED, NEVER, FAILED = "in sync", "drifted", "never backed up", "failed"


class BackupError(ProvisioningError):
    """A backup could not be read (wrong key, unknown version)."""


def normalized(text: str) -> str:
    r"""The text that identifies a configuration: volatile header lines dropped.

    >>> normalized("!Last configuration was updated at 2026-12-07\r\n#\r\nsysname A\r\n")
    '#\nsysname A\n'
    """
    lines = text.replace("\r", "").split("\n")
    return "\n".join(line for line in lines if not VOLATILE.match(line)).strip("\n") + "\n"


@dataclass(frozen=True)
class VersionInfo:
    """One stored version (no text)."""

    node: str
    version: int
    platform: str
    lines: int
    digest: str
    fetched_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class BackupResult:
    """What one node's backup did: ``stored`` (a new version), ``unchanged`` or ``failed``."""

    node: str
    status: str
    version: int | None = None
    message: str = ""


@dataclass(frozen=True)
class Drift:
    """A node's latest backup against its intended configuration."""

    node: str
    status: str  # IN_SYNC | DRIFTED | NEVER | FAILED
    version: int | None = None
    commands: tuple[str, ...] = ()
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "status": self.status,
            "version": self.version,
            "lines": len(self.commands),
            "commands": list(self.commands),
            "message": self.message,
        }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _info(row: ConfigVersion) -> VersionInfo:
    return VersionInfo(
        row.node,
        row.version,
        row.platform,
        row.lines,
        row.digest,
        _aware(row.fetched_at),
        _aware(row.seen_at),
    )


class Backups:
    """The versioned, encrypted history of running configurations."""

    def __init__(self, sessions: sessionmaker[Session], key: bytes) -> None:
        self._sessions = sessions
        self._key = key
        self._fernet = Fernet(key)

    def digest(self, text: str) -> str:
        return hmac.new(self._key, normalized(text).encode(), hashlib.sha256).hexdigest()

    def record(
        self, node: str, platform: str, text: str, now: datetime | None = None
    ) -> BackupResult:
        """Store ``text`` as the node's next version unless it equals the latest one."""
        now = now or datetime.now(UTC)
        digest = self.digest(text)
        with self._sessions() as session, session.begin():
            latest = self._latest_row(session, node)
            if latest is not None and latest.digest == digest:
                latest.seen_at = now
                return BackupResult(node, "unchanged", latest.version)
            version = (latest.version if latest else 0) + 1
            session.add(
                ConfigVersion(
                    node=node,
                    version=version,
                    platform=platform,
                    digest=digest,
                    ciphertext=self._fernet.encrypt(text.encode()).decode(),
                    lines=len(normalized(text).splitlines()),
                    fetched_at=now,
                    seen_at=now,
                )
            )
        return BackupResult(node, "stored", version)

    @staticmethod
    def _latest_row(session: Session, node: str) -> ConfigVersion | None:
        return session.execute(
            select(ConfigVersion)
            .where(ConfigVersion.node == node)
            .order_by(ConfigVersion.version.desc())
            .limit(1)
        ).scalar_one_or_none()

    def versions(self, node: str) -> list[VersionInfo]:
        """Every stored version of ``node``, oldest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(ConfigVersion)
                .where(ConfigVersion.node == node)
                .order_by(ConfigVersion.version)
            ).scalars()
            return [_info(row) for row in rows]

    def latest(self) -> dict[str, VersionInfo]:
        """The newest version of every node backed up."""
        with self._sessions() as session:
            newest = (
                select(ConfigVersion.node, func.max(ConfigVersion.version).label("v"))
                .group_by(ConfigVersion.node)
                .subquery()
            )
            rows = session.execute(
                select(ConfigVersion).join(
                    newest,
                    (ConfigVersion.node == newest.c.node) & (ConfigVersion.version == newest.c.v),
                )
            ).scalars()
            return {row.node: _info(row) for row in rows}

    def raw(self, node: str, version: int | None = None) -> tuple[VersionInfo, str]:
        """A version's text as the device printed it (secrets included: never show it)."""
        with self._sessions() as session:
            if version is None:
                row = self._latest_row(session, node)
            else:
                row = session.execute(
                    select(ConfigVersion).where(
                        ConfigVersion.node == node, ConfigVersion.version == version
                    )
                ).scalar_one_or_none()
            if row is None:
                which = "no backup" if version is None else f"no version {version}"
                raise BackupError(f"{node}: {which}")
            info, token = _info(row), row.ciphertext
        try:
            return info, self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise BackupError(
                f"{node} version {info.version}: cannot decrypt (not this secret key)"
            ) from None

    def masked(self, node: str, version: int | None = None) -> tuple[VersionInfo, str]:
        """A version's text with every secret masked."""
        info, text = self.raw(node, version)
        return info, sanitize(text.replace("\r", ""), info.platform)

    def diff(self, node: str, old: int, new: int | None = None) -> list[str]:
        """Unified diff from version ``old`` to ``new`` (default: the latest), masked."""
        a_info, a = self.masked(node, old)
        b_info, b = self.masked(node, new)
        return list(
            difflib.unified_diff(
                a.splitlines(),
                b.splitlines(),
                f"{node} version {a_info.version}",
                f"{node} version {b_info.version}",
                lineterm="",
            )
        )


def backup_key(inventory: Any) -> bytes:
    """The inventory's secret key (verified against the credential store first)."""
    from inventory.credentials import load_key

    inventory.credentials  # noqa: B018 - refuses a key other than the database's
    settings = inventory.settings
    return load_key(settings.secret_key, settings.secret_key_file, may_create=False)


def device_nodes(inventory: Any, codes: Sequence[str] = ()) -> list[tuple[str, str]]:
    """``(code, platform)`` of the selected nodes (default: every node with a device
    reachable by management address); an unknown code is an error naming it."""
    from inventory.models import Node

    with inventory.sessions() as session:
        rows = session.execute(
            select(Node.code, Node.platform, Node.mgmt_address).order_by(Node.code)
        ).all()
    known = {code: (platform, address) for code, platform, address in rows}
    missing = [code for code in codes if code not in known]
    if missing:
        raise UnknownNodeError(f"unknown node(s): {', '.join(missing)}")
    if codes:
        return [(code, known[code][0] or "") for code in dict.fromkeys(codes)]
    return [(code, platform) for code, (platform, address) in known.items() if platform and address]


Fetch = Callable[[Any, str, str], str]


def backup_nodes(
    inventory: Any,
    backups: Backups,
    codes: Sequence[str] = (),
    *,
    width: int = 8,
    fetch: Fetch | None = None,
) -> list[BackupResult]:
    """Back up the selected nodes now, at most ``width`` at a time; one result per node."""
    from .device import read_running

    read: Fetch = fetch or read_running
    targets = device_nodes(inventory, codes)

    def one(target: tuple[str, str]) -> BackupResult:
        code, platform = target
        if not platform:
            return BackupResult(code, "failed", message=f"{code}: no platform")
        try:
            text = read(inventory, code, platform)
            return backups.record(code, platform, text)
        except ProvisioningError as exc:
            return BackupResult(code, "failed", message=str(exc))
        except Exception as exc:  # one bad device never costs the others
            return BackupResult(code, "failed", message=f"{code}: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=max(1, width)) as pool:
        return list(pool.map(one, targets))


def drift(inventory: Any, backups: Backups, codes: Iterable[str] = ()) -> list[Drift]:
    """Every selected node's latest backup against its intended configuration."""
    from .remediation import remediate
    from .render import Renderer, load_source
    from .settings import RenderSettings

    wanted = list(codes)
    targets = device_nodes(inventory, wanted) if wanted else None
    renderer = Renderer(load_source(inventory), RenderSettings.from_ipam(inventory.settings.ipam))
    nodes = [code for code, _p in targets] if targets is not None else renderer.devices()
    latest = backups.latest()
    out = []
    for code in nodes:
        info = latest.get(code)
        if info is None:
            out.append(Drift(code, NEVER))
            continue
        try:
            intended = renderer.render(code).text
            running = backups.raw(code, info.version)[1]
            commands = remediate(info.platform, running, intended).commands
        except ProvisioningError as exc:
            out.append(Drift(code, FAILED, info.version, message=str(exc)))
            continue
        out.append(Drift(code, DRIFTED if commands else IN_SYNC, info.version, commands))
    return out
