"""A device's flash: a per-device folder, ``flash:/x`` paths, and the SFTP/SCP server."""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncssh

from lab.devices.errors import FlashPathError

#: Size the emulated flash reports.
FLASH_BYTES = 1_007_616_000


@dataclass(frozen=True)
class FlashEntry:
    """One file in flash."""

    name: str
    size: int
    mtime: datetime


class Flash:
    """The flash file system of one device, rooted in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def relative(self, path: str) -> str:
        """``flash:/a/b`` / ``flash:a`` / ``a`` -> ``a/b`` (raises on escape or other devices)."""
        text = path.strip().strip('"')
        if ":" in text:
            device, _, text = text.partition(":")
            if device.lower() not in ("flash", "cfcard", "bootflash"):
                raise FlashPathError(f"no such file system: {device}:")
        clean = posixpath.normpath("/" + text).lstrip("/")
        if clean.startswith(".."):
            raise FlashPathError(f"path escapes flash: {path}")
        return "" if clean == "." else clean

    def local(self, path: str) -> Path:
        """Local file for a device path."""
        return self.root / self.relative(path)

    def exists(self, path: str) -> bool:
        """True if the file exists."""
        rel = self.relative(path)
        return bool(rel) and self.local(path).is_file()

    def read(self, path: str) -> str:
        """File text (raises FileNotFoundError)."""
        return self.local(path).read_text(encoding="utf-8", errors="replace")

    def write(self, path: str, text: str) -> int:
        """Write ``text``; returns the byte count."""
        target = self.local(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        target.write_bytes(data)
        return len(data)

    def delete(self, path: str) -> bool:
        """Delete a file; False if it did not exist."""
        target = self.local(path)
        if not target.is_file():
            return False
        target.unlink()
        return True

    def md5(self, path: str) -> str:
        """MD5 hex digest of a file."""
        return hashlib.md5(self.local(path).read_bytes(), usedforsecurity=False).hexdigest()

    def entries(self) -> list[FlashEntry]:
        """Files at the top of flash, sorted by name."""
        result = []
        for item in sorted(self.root.iterdir()):
            if item.is_file():
                stat = item.stat()
                result.append(
                    FlashEntry(item.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime))
                )
        return result

    def used(self) -> int:
        """Bytes used by files."""
        return sum(e.size for e in self.entries())

    def free(self) -> int:
        """Bytes free."""
        return FLASH_BYTES - self.used()


class FlashSFTPServer(asyncssh.SFTPServer):
    """SFTP (and, through asyncssh, SCP) rooted in a device's flash; maps ``flash:`` paths."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], root: Path) -> None:
        super().__init__(chan, chroot=os.fsencode(root))

    def map_path(self, path: bytes) -> bytes:
        """Strip a ``flash:`` device prefix, then apply the chroot."""
        if b":" in path.split(b"/", 1)[0]:
            path = path.split(b":", 1)[1] or b"/"
        return super().map_path(path)
