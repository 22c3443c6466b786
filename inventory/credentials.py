"""The credential store: device and SNMP secrets, encrypted at rest.

Nodes name a credential set (``credential_ref``); the set itself is a JSON
document encrypted with Fernet (AES-128-CBC + HMAC) in the ``credentials``
table. The key comes from ``EGOVNET_SECRET_KEY`` or a key file created on
first use with mode 0600. Only names are ever listed or exported.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .errors import CredentialError
from .models import Credential


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


def load_key(secret_key: str | None, key_file: str) -> bytes:
    """The store key: from configuration, else the key file (created if absent)."""
    if secret_key:
        return secret_key.encode()
    path = Path(key_file)
    if path.exists():
        return path.read_bytes().strip()
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

    def put(self, name: str, creds: CredentialSet) -> None:
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
                session.execute(select(Credential.name).order_by(Credential.name)).scalars()
            )

    def delete(self, name: str) -> bool:
        with self._factory() as session, session.begin():
            row = session.execute(
                select(Credential).where(Credential.name == name)
            ).scalar_one_or_none()
            if row is None:
                return False
            session.delete(row)
            return True
