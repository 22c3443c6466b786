"""Accounts: users, roles, subtree scopes, contractor expiry, lockout and API tokens.

Roles are ``admin``, ``engineer``, ``security``, ``operator`` and ``auditor``
(:data:`PERMISSIONS` says what each may do). An engineer may be scoped to a
subtree: ``scope`` is a node code and the engineer's writes are allowed only
on that node and below it. An account with an expiry date is a *contractor*
(外包服务): it can log in up to and including that day (in :data:`TZ`), and
every action of it is marked in the audit log.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second
recommended profile); hashes are re-computed on login when the parameters
change. Five failed logins lock the account for 30 minutes (the 等保 baseline);
a successful login resets the count. API tokens are 256-bit random strings
shown once; only their SHA-256 digest is stored (a token is not a password:
it has full entropy, so a fast hash is enough and is what lets a token be
looked up by its digest).

Used by the CLI (``egovnet users``, ``egovnet --user``, ``EGOVNET_TOKEN``) and
the console; Flask is never imported here.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .errors import InventoryError, NotFoundError, ValidationError
from .models import ApiToken, Node, User

#: The day an expiry date ends is a day in this zone.
TZ = ZoneInfo("Asia/Shanghai")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=30)
TOKEN_PREFIX = "egv_"  # noqa: S105 - a marker, not a secret
MIN_PASSWORD = 12
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


class Role(StrEnum):
    ADMIN = "admin"
    ENGINEER = "engineer"
    SECURITY = "security"
    OPERATOR = "operator"
    AUDITOR = "auditor"


ALL_ROLES = frozenset(Role)

#: permission -> the roles that have it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "inventory.read": ALL_ROLES,
    "monitoring.read": ALL_ROLES,
    "inventory.write": frozenset({Role.ADMIN, Role.ENGINEER}),
    "credentials.write": frozenset({Role.ADMIN, Role.ENGINEER}),
    "alarms.ack": frozenset({Role.ADMIN, Role.ENGINEER, Role.OPERATOR}),
    "users.read": frozenset({Role.ADMIN, Role.AUDITOR}),
    "users.manage": frozenset({Role.ADMIN}),
    "audit.read": frozenset({Role.ADMIN, Role.AUDITOR}),
    "backup.run": frozenset({Role.ADMIN, Role.ENGINEER, Role.OPERATOR}),
    "config.read": ALL_ROLES,
    "findings.read": ALL_ROLES,
    "findings.manage": frozenset({Role.ADMIN, Role.SECURITY}),
    "system.backup": frozenset({Role.ADMIN}),
    "change.create": frozenset({Role.ADMIN, Role.ENGINEER}),
    "change.approve": frozenset({Role.ADMIN, Role.ENGINEER}),
    "change.push": frozenset({Role.ADMIN, Role.ENGINEER}),
    "campaigns.read": ALL_ROLES,
    "campaigns.manage": frozenset({Role.ADMIN, Role.SECURITY}),
    "policy.read": ALL_ROLES,
}

#: permissions whose check takes a node: a scoped account has them only inside its subtree
SCOPED = frozenset(
    {
        "inventory.write",
        "credentials.write",
        "alarms.ack",
        "change.create",
        "change.approve",
        "change.push",
    }
)


class AccountError(InventoryError):
    """An account operation was refused (bad name, role, scope, password...)."""


class AuthError(AccountError):
    """Authentication failed. The message never says whether the name exists."""


class PermissionDenied(AccountError):
    """The account lacks the permission, or the object lies outside its scope."""


@dataclass(frozen=True)
class Account:
    """A user as the rest of the system sees it (no hash)."""

    id: int
    name: str
    role: Role
    scope: str | None
    expires_on: date | None
    disabled: bool
    language: str | None
    locked_until: datetime | None
    created_at: datetime

    @property
    def contractor(self) -> bool:
        """外包: an account with an expiry date."""
        return self.expires_on is not None

    def expired(self, now: datetime | None = None) -> bool:
        """True after the expiry day (in :data:`TZ`)."""
        if self.expires_on is None:
            return False
        today = (now or datetime.now(UTC)).astimezone(TZ).date()
        return today > self.expires_on

    def locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > _naive(now)

    def has(self, permission: str) -> bool:
        """Whether the role grants ``permission`` (scope not considered)."""
        return self.role in PERMISSIONS.get(permission, frozenset())

    @classmethod
    def of(cls, row: User) -> Account:
        return cls(
            id=row.id,
            name=row.name,
            role=Role(row.role),
            scope=row.scope,
            expires_on=row.expires_on,
            disabled=row.disabled,
            language=row.language,
            locked_until=row.locked_until,
            created_at=row.created_at,
        )


def _naive(now: datetime | None) -> datetime:
    """UTC without tzinfo, as the DateTime columns store it."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    """At least :data:`MIN_PASSWORD` characters, not all of one class (等保 B-rule on passwords).

    >>> check_password("correct horse 1")
    >>> check_password("short")
    Traceback (most recent call last):
    ...
    inventory.accounts.AccountError: password: at least 12 characters are needed
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters are needed")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 2:
        raise AccountError("password: mix at least two of lower case, upper case, digits, symbols")


class Accounts:
    """The ``users`` and ``api_tokens`` tables."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._hasher = PasswordHasher()
        self._dummy_hash: str | None = None

    @property
    def _dummy(self) -> str:
        """A hash to verify against for unknown names (made on first use: it costs a hash)."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    # -- reading ---------------------------------------------------------------------
    def count(self) -> int:
        with self._factory() as session:
            return int(session.execute(select(func.count()).select_from(User)).scalar_one())

    def list(self) -> list[Account]:
        with self._factory() as session:
            rows = session.execute(select(User).order_by(User.name)).scalars()
            return [Account.of(r) for r in rows]

    def get(self, name: str) -> Account:
        with self._factory() as session:
            return Account.of(self._row(session, name))

    def by_id(self, user_id: int) -> Account | None:
        with self._factory() as session:
            row = session.get(User, user_id)
            return Account.of(row) if row is not None else None

    @staticmethod
    def _row(session: Session, name: str) -> User:
        row = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"user {name!r} does not exist")
        return row

    # -- writing ---------------------------------------------------------------------
    def add(
        self,
        name: str,
        role: str,
        password: str,
        *,
        scope: str | None = None,
        expires_on: date | None = None,
        language: str | None = None,
        now: datetime | None = None,
    ) -> Account:
        """Create an account; :class:`ValidationError` names the field at fault."""
        if not _NAME.match(name):
            raise ValidationError(
                f"name {name!r}: 2-64 characters, lower-case letters, digits, '.', '_', '-', "
                "starting with a letter",
                field="name",
            )
        try:
            parsed = Role(role)
        except ValueError:
            raise ValidationError(
                f"role {role!r}: one of {', '.join(r.value for r in Role)}", field="role"
            ) from None
        if scope is not None and parsed is not Role.ENGINEER:
            raise ValidationError(
                "scope: only an engineer can be scoped to a subtree", field="scope"
            )
        if language is not None and language not in ("zh_CN", "en"):
            raise ValidationError("language: zh_CN or en", field="language")
        try:
            check_password(password)
        except AccountError as exc:
            raise ValidationError(str(exc), field="password") from None
        with self._factory() as session, session.begin():
            if scope is not None and (
                session.execute(select(Node.id).where(Node.code == scope)).scalar_one_or_none()
                is None
            ):
                raise ValidationError(f"scope: no node has code {scope!r}", field="scope")
            if session.execute(select(User.id).where(User.name == name)).scalar_one_or_none():
                raise ValidationError(f"name: user {name!r} already exists", field="name")
            row = User(
                name=name,
                role=parsed.value,
                scope=scope,
                expires_on=expires_on,
                password_hash=self._hasher.hash(password),
                disabled=False,
                language=language,
                failed_logins=0,
                locked_until=None,
                created_at=_naive(now),
            )
            session.add(row)
            session.flush()
            return Account.of(row)

    def set_disabled(self, name: str, disabled: bool = True) -> Account:
        with self._factory() as session, session.begin():
            row = self._row(session, name)
            row.disabled = disabled
            if disabled:
                session.execute(
                    ApiToken.__table__.delete().where(ApiToken.user_id == row.id)  # type: ignore[attr-defined]
                )
            return Account.of(row)

    def set_password(self, name: str, password: str) -> Account:
        check_password(password)
        with self._factory() as session, session.begin():
            row = self._row(session, name)
            row.password_hash = self._hasher.hash(password)
            row.failed_logins, row.locked_until = 0, None
            return Account.of(row)

    def set_language(self, name: str, language: str) -> None:
        if language not in ("zh_CN", "en"):
            raise ValidationError("language: zh_CN or en", field="language")
        with self._factory() as session, session.begin():
            self._row(session, name).language = language

    def unlock(self, name: str) -> Account:
        with self._factory() as session, session.begin():
            row = self._row(session, name)
            row.failed_logins, row.locked_until = 0, None
            return Account.of(row)

    def new_token(self, name: str, *, now: datetime | None = None) -> str:
        """A new API token for ``name`` (shown once; its digest is stored)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._factory() as session, session.begin():
            row = self._row(session, name)
            if row.disabled:
                raise AccountError(f"user {name!r} is disabled")
            session.add(
                ApiToken(
                    user_id=row.id,
                    digest=token_digest(token),
                    prefix=token[: len(TOKEN_PREFIX) + 4],
                    created_at=_naive(now),
                )
            )
        return token

    # -- authentication ----------------------------------------------------------------
    def authenticate(self, name: str, password: str, *, now: datetime | None = None) -> Account:
        """The account, or :class:`AuthError` (unknown, wrong password, locked, disabled, expired).

        Each wrong password counts; the fifth locks the account for :data:`LOCKOUT`.
        While locked even the right password is refused (and does not count).
        """
        moment = _naive(now)
        error: str | None = None
        with self._factory() as session, session.begin():
            row = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
            if row is None:
                with contextlib.suppress(VerificationError):  # the work of a real account
                    self._hasher.verify(self._dummy, password)
                error = "wrong user name or password"
            elif row.locked_until is not None and row.locked_until > moment:
                error = (
                    "the account is locked after repeated failed logins; try again later "
                    "or ask an administrator to unlock it"
                )
            else:
                try:
                    self._hasher.verify(row.password_hash, password)
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    # counted and committed: the error is raised after the transaction
                    row.failed_logins += 1
                    if row.failed_logins >= MAX_FAILURES:
                        row.locked_until = moment + LOCKOUT
                        row.failed_logins = 0
                    error = "wrong user name or password"
                else:
                    account = Account.of(row)
                    if row.disabled:
                        error = "the account is disabled"
                    elif account.expired(now):
                        error = f"the account expired on {row.expires_on}"
                    else:
                        row.failed_logins, row.locked_until = 0, None
                        if self._hasher.check_needs_rehash(row.password_hash):
                            row.password_hash = self._hasher.hash(password)
                        return Account.of(row)
        raise AuthError(error or "wrong user name or password")

    def by_token(self, token: str, *, now: datetime | None = None) -> Account:
        """The account of an API token, or :class:`AuthError`."""
        with self._factory() as session, session.begin():
            found = session.execute(
                select(ApiToken, User)
                .join(User, ApiToken.user_id == User.id)
                .where(ApiToken.digest == token_digest(token.strip()))
            ).one_or_none()
            if found is None:
                raise AuthError("the API token is not valid")
            tok, user = found
            account = Account.of(user)
            if user.disabled or account.expired(now):
                raise AuthError("the API token's account is disabled or expired")
            tok.last_used_at = _naive(now)
            return account

    def usable(self, user_id: int, *, now: datetime | None = None) -> Account | None:
        """The account behind a login session, if it may still act (not disabled, not expired)."""
        account = self.by_id(user_id)
        if account is None or account.disabled or account.expired(now):
            return None
        return account


# -- authorisation ----------------------------------------------------------------------


def ancestry(session: Session, code: str) -> list[str]:
    """``code`` and the codes above it, nearest first (empty when no such node).

    One indexed query per level (a city is 4-6 deep): reading the whole table cost
    10 ms per node page on the full Nanyang inventory (bench/bench_console.py).
    """
    out: list[str] = []
    current = session.execute(
        select(Node.code, Node.parent_id).where(Node.code == code)
    ).one_or_none()
    while current is not None and len(out) < 64:
        out.append(current.code)
        if current.parent_id is None:
            break
        current = session.execute(
            select(Node.code, Node.parent_id).where(Node.id == current.parent_id)
        ).one_or_none()
    return out


def in_scope(account: Account, path: Sequence[str]) -> bool:
    """Whether a node whose ancestry is ``path`` (itself first) lies in the account's subtree."""
    return account.scope is None or account.scope in path


def require(
    account: Account,
    permission: str,
    *,
    path: Sequence[str] | None = None,
    whole: bool = False,
) -> None:
    """Raise :class:`PermissionDenied` unless ``account`` may do ``permission``.

    ``path`` is the ancestry of the node acted on (scoped permissions);
    ``whole`` means the action covers the whole city (an import): a scoped
    account is refused.
    """
    if not account.has(permission):
        raise PermissionDenied(f"{account.name} ({account.role}) may not {permission}")
    if account.scope is None or permission not in SCOPED:
        return
    if whole:
        raise PermissionDenied(
            f"{account.name} is scoped to {account.scope}: {permission} of the whole city is refused"
        )
    if path is not None and not in_scope(account, path):
        where = path[0] if path else "that node"
        raise PermissionDenied(f"{where} lies outside {account.name}'s scope {account.scope}")


def roles() -> Iterable[str]:
    return [r.value for r in Role]
