"""Exceptions of the security package. All descend from :class:`SecurityError`."""

from __future__ import annotations


class SecurityError(Exception):
    """Root of every security error."""


class ConfigError(SecurityError):
    """A configuration file cannot be read or understood.

    ``source`` names the file (or device) and ``line`` the 1-based line, when known;
    ``str()`` gives ``source:line: message``.
    """

    def __init__(self, message: str, *, source: str = "<config>", line: int | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class UnknownPlatformError(ConfigError):
    """The platform is not one of the known slugs, or cannot be told from the text."""


class NetworkFileError(SecurityError):
    """NETWORK.yaml (or an inventory-derived context) is not usable; names the field."""


class CaptureError(SecurityError):
    """A capture file or a live capture cannot be read: names the file (and byte offset)."""
