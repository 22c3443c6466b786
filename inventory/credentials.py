"""The credential store: device and SNMP secrets, encrypted at rest.

Nodes name a credential set (``credential_ref``); the set itself is a JSON
document encrypted with Fernet (AES-128-CBC + HMAC) in the ``credentials``
table. The key comes from ``EGOVNET_SECRET_KEY`` or a key file created on
first use with mode 0600. Only names are ever listed or exported.

A key verifier (the Fernet token of a known constant, in the reserved row
``KEY_CHECK_NAME``) is stored with the first key use, so a wrong key is refused
before anything is read or written under it; a missing key file is never
replaced by a new key while encrypted rows exist.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .errors import CredentialError
from .models import Credential


class CredentialKeyError(CredentialError):
    """The store key is missing or is not the key the database was written with."""


@dataclass(frozen=True)
class CredentialSet:
    """Secrets to reach one device or a class of devices. ``repr`` hides them."""

    username: str = ""
    password: str = ""
    enable_secret: str = ""
    snmp_community: str = ""
    snmp_v3_user: str = ""
    snmp_v3_auth_key: str = ""
    snmp_v3_priv_key: str = ""
    snmp_v3_auth_protocol: str = "sha"
    snmp_v3_priv_protocol: str = "aes128"

    def __repr__(self) -> str:
        shown = {
            f.name: (
                "***" if getattr(self, f.name) and f.name not in _PUBLIC else getattr(self, f.name)
            )
            for f in fields(self)
        }
        return f"CredentialSet({shown})"


_PUBLIC = {"username", "snmp_v3_user", "snmp_v3_auth_protocol", "snmp_v3_priv_protocol"}


KEY_CHECK_NAME = "__egovnet_key_check__"
_KEY_CHECK_PLAINTEXT = b"egovnet credential-store key check v1"

#: the names ``parse_secret_file`` accepts
SECRET_FIELDS = (
    "password",
    "enable_secret",
    "snmp_community",
    "snmp_v3_auth_key",
    "snmp_v3_priv_key",
)


def parse_secret_file(text: str) -> dict[str, str]:
    """Secrets from ``name=value`` lines (``#`` comments, blank lines ignored).

    Names are :data:`SECRET_FIELDS`; the value is everything after the first
    ``=`` (kept as is: secrets may contain spaces). Raises :class:`CredentialError`
    naming the line, never echoing a value.
    """
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = raw.partition("=")
        name = name.strip()
        if not sep:
            raise CredentialError(f"secret file line {number}: expected name=value")
        if name not in SECRET_FIELDS:
            raise CredentialError(
                f"secret file line {number}: unknown name {name[:40]!r} "
                f"(one of {', '.join(SECRET_FIELDS)})"
            )
        if name in found:
            raise CredentialError(f"secret file line {number}: {name} given twice")
        found[name] = value
    return found


def encrypted_rows(factory: sessionmaker[Session]) -> int:
    """How many credential sets the database holds (the key verifier not counted)."""
    with factory() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Credential)
                .where(Credential.name != KEY_CHECK_NAME)
            ).scalar_one()
        )


def load_key(secret_key: str | None, key_file: str, *, may_create: bool = True) -> bytes:
    """The store key: from configuration, else the key file (created if absent and allowed)."""
    if secret_key:
        return secret_key.encode()
    path = Path(key_file)
    if path.exists():
        return path.read_bytes().strip()
    if not may_create:
        raise CredentialKeyError(
            f"the key file {key_file} is missing but the database holds encrypted "
            "credential sets: restore the file or set EGOVNET_SECRET_KEY (no new key was made)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


class CredentialStore:
    """Encrypted credential sets in the database, resolved by name."""

    def __init__(self, factory: sessionmaker[Session], key: bytes) -> None:
        self._factory = factory
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise CredentialError("the credential-store key is not a valid Fernet key") from exc

    def verify(self) -> None:
        """Refuse a key other than the one the stored rows were written with.

        Stores the verifier at first use (checking an existing row first, for
        databases written before verifiers existed).
        """
        with self._factory() as session, session.begin():
            check = session.execute(
                select(Credential.ciphertext).where(Credential.name == KEY_CHECK_NAME)
            ).scalar_one_or_none()
            if check is None:
                sample = session.execute(
                    select(Credential.ciphertext).where(Credential.name != KEY_CHECK_NAME).limit(1)
                ).scalar_one_or_none()
                if sample is not None:
                    self._check(sample)
                token = self._fernet.encrypt(_KEY_CHECK_PLAINTEXT).decode()
                session.add(Credential(name=KEY_CHECK_NAME, ciphertext=token))
                return
        if self._decrypt(check) != _KEY_CHECK_PLAINTEXT:
            self._refuse()

    def _decrypt(self, token: str) -> bytes | None:
        try:
            return self._fernet.decrypt(token.encode())
        except InvalidToken:
            return None

    def _check(self, token: str) -> None:
        if self._decrypt(token) is None:
            self._refuse()

    @staticmethod
    def _refuse() -> None:
        raise CredentialKeyError(
            "the credential-store key (EGOVNET_SECRET_KEY or the key file) is not the key "
            "this database was written with; nothing was read or written"
        )

    def put(self, name: str, creds: CredentialSet) -> None:
        if name == KEY_CHECK_NAME:
            raise CredentialError(f"{name!r} is a reserved name")
        token = self._fernet.encrypt(json.dumps(asdict(creds)).encode()).decode()
        with self._factory() as session, session.begin():
            row = session.execute(
                select(Credential).where(Credential.name == name)
            ).scalar_one_or_none()
            if row is None:
                session.add(Credential(name=name, ciphertext=token))
            else:
                row.ciphertext = token

    def get(self, name: str) -> CredentialSet:
        with self._factory() as session:
            token = session.execute(
                select(Credential.ciphertext).where(Credential.name == name)
            ).scalar_one_or_none()
        if token is None:
            raise CredentialError(f"credential set {name!r} does not exist")
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise CredentialError(
                f"credential set {name!r} cannot be decrypted with this key"
            ) from None
        return CredentialSet(**data)

    def names(self) -> list[str]:
        with self._factory() as session:
            return list(
                session.execute(
                    select(Credential.name)
                    .where(Credential.name != KEY_CHECK_NAME)
                    .order_by(Credential.name)
                ).scalars()
            )

    def delete(self, name: str) -> bool:
        if name == KEY_CHECK_NAME:
            return False
        with self._factory() as session, session.begin():
            row = session.execute(
                select(Credential).where(Credential.name == name)
            ).scalar_one_or_none()
            if row is None:
                return False
            session.delete(row)
            return True
