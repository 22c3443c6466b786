"""Exceptions of the inventory package. All descend from :class:`InventoryError`."""

from __future__ import annotations


class InventoryError(Exception):
    """Root of every inventory error."""


class ValidationError(InventoryError):
    """A domain rule refused an object. ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str | None = None, obj: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.obj = obj


class NotFoundError(InventoryError):
    """An object referenced by code or value does not exist."""


class IpamError(InventoryError):
    """Root of address, VLAN and RD allocation errors."""


class PoolExhaustedError(IpamError):
    """No free block of the requested size is left in a pool or range."""


class OverlapError(IpamError):
    """A prefix overlaps another one it may not overlap."""


class ImportFileError(InventoryError):
    """An import file has problems; ``problems`` lists ``file:line: message`` strings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s), nothing imported:\n{shown}{more}")


class CredentialError(InventoryError):
    """The credential store cannot be opened or an entry is missing."""
