"""Parsed device models on disk, keyed by the configuration's content.

The city-wide check is dominated by parsing ~300k configuration lines (2.4-3 s
CPU, bench/bench_policy.py), while between two audits almost every text is the
same. :class:`ModelCache` keeps each parsed :class:`~security.model.Device`
in a file named by a hash of (parser fingerprint, platform, name, source,
text), so the next run parses only new or changed texts and unpickles the
others (0.65 s CPU for the whole city, measured).

The parser fingerprint hashes the source of the model and syntax modules and
hier_config's version: any change of the parser makes a new cache file and old
entries are never read (``prune`` removes them).

Entries are pickles, and unpickling runs code: the cache folder must belong to
the user running egovnet and be writable by nobody else. :class:`ModelCache`
creates it with mode 0700 and refuses (``CacheFolderError``) a folder owned by
another user or writable by group or others. An unreadable or corrupt entry is
a miss (re-parsed and rewritten), never an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import ipaddress
import os
import pickle  # trusted, private folder (see the module docstring)
import sqlite3
import stat
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import model as _model
from .errors import SecurityError
from .model import Device

#: Modules whose source decides what a parse gives.
_PARSER_MODULES = ("model.py", "configtree.py", "syntax")


class CacheFolderError(SecurityError):
    """The cache folder is not private to this user."""


@cache
def parser_fingerprint() -> str:
    """A hash of the parser's source and hier_config's version (16 hex digits)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(version("hier_config").encode(), digest_size=8)
    for name in _PARSER_MODULES:
        path = root / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _ipv4_network(value: int, length: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network((value, length))


def _ipv4_interface(value: int, length: int) -> ipaddress.IPv4Interface:
    return ipaddress.IPv4Interface((value, length))


def _dataclass_reducer(cls: type) -> Any:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: Any) -> tuple[Any, ...]:
        return (cls, tuple(getattr(obj, n) for n in names))

    return reduce


def _dispatch_table() -> dict[type, Any]:
    """How model objects are pickled: by constructor arguments, not by state.

    The defaults are slow to load (measured: 0.65 s CPU for the city): frozen
    slotted dataclasses restore each field through ``dataclasses``'
    ``__setstate__``, and ``ipaddress`` networks and interfaces are rebuilt
    from their text.
    """
    table: dict[type, Any] = {
        ipaddress.IPv4Network: lambda n: (_ipv4_network, (int(n.network_address), n.prefixlen)),
        ipaddress.IPv4Interface: lambda i: (_ipv4_interface, (int(i.ip), i.network.prefixlen)),
    }
    for value in vars(_model).values():
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            table[value] = _dataclass_reducer(value)
    return table


_DISPATCH = _dispatch_table()


def dumps(device: Device) -> bytes:
    """A model as bytes (see :func:`_dispatch_table`)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(device)
    return out.getvalue()


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheFolderError(
            f"{folder}: model cache folder must belong to this user and be writable by nobody else"
        )
    return folder


class ModelCache:
    """A per-text cache of parsed models; ``build_model(..., cache=ModelCache(folder))``.

    Keys are what :func:`security.policy.build_model` uses: (name, platform,
    hash, text); the stored key is a blake2b hash of the name, the platform
    and the text (the Python ``hash`` is not stable across processes and is
    ignored). One SQLite file per parser fingerprint: 5,700 separate files
    cost 31 s to write under load (measured), one transaction well under 1 s.
    New entries are committed by :meth:`flush` (``build_model`` calls it).
    """

    def __init__(self, folder: Path) -> None:
        self.root = _private_folder(Path(folder))
        self.path = self.root / f"models-{parser_fingerprint()}.sqlite"
        self._db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS models (key BLOB PRIMARY KEY, device BLOB NOT NULL)"
        )
        self._db.commit()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(key: tuple[str, str | None, int, str]) -> bytes:
        name, platform, _, text = key
        digest = hashlib.blake2b(digest_size=20)
        for part in (name, platform or "", text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.digest()

    def get(self, key: tuple[str, str | None, int, str], name: str | None = None) -> Device | None:
        """The cached model of this text (whose device is ``name``, default ``key[0]``), or None."""
        try:
            row = self._db.execute(
                "SELECT device FROM models WHERE key = ?", (self._key(key),)
            ).fetchone()
            device = pickle.loads(row[0]) if row else None  # noqa: S301 - private folder
        except Exception:  # a corrupt entry is a miss
            device = None
        if not isinstance(device, Device) or device.name != (name or key[0]):
            self.misses += 1
            return None
        self.hits += 1
        return device

    def parse(self, text: str, platform: str | None, name: str, source: str) -> Device:
        """The model of ``text`` as :func:`security.model.parse_device` gives it, cached.

        ``source`` (the file the text came from) is part of the key: it is in
        every evidence line.
        """
        from .model import parse_device

        key = (f"{name}\0{source}", platform, 0, text)
        found = self.get(key, name)
        if found is None or found.source != source:
            found = parse_device(text, platform, name=name, source=source)
            self[key] = found
        return found

    def __setitem__(self, key: tuple[str, str | None, int, str], device: Device) -> None:
        blob = dumps(device)
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO models (key, device) VALUES (?, ?)", (self._key(key), blob)
            )
        except sqlite3.Error:  # a full disk costs the cache, never the check
            self._db.rollback()

    def flush(self) -> None:
        """Commit the entries added since the last flush."""
        try:
            self._db.commit()
        except sqlite3.Error:
            self._db.rollback()

    def close(self) -> None:
        self.flush()
        self._db.close()

    def __enter__(self) -> ModelCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prune(self) -> int:
        """Remove the files of other parser versions; the number removed."""
        removed = 0
        for entry in self.root.glob("models-*.sqlite"):
            if entry != self.path:
                entry.unlink()
                removed += 1
        return removed
