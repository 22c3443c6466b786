"""Exceptions of the inventory package. All descend from :class:`InventoryError`."""

from __future__ import annotations

from collections.abc import Iterable

#: Problems kept per import; the rest are only counted ("... and N more errors").
MAX_PROBLEMS = 200
#: Longest value echoed in a message.
MAX_SHOWN = 80


def shorten(value: object, limit: int = MAX_SHOWN) -> str:
    """``value`` as text of at most ``limit`` characters (an ellipsis marks a cut).

    >>> shorten("x" * 100)[-3:], len(shorten("x" * 100))
    ('xx…', 80)
    """
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    """An import file has problems; ``problems`` lists ``file:line: message`` strings.

    At most :data:`MAX_PROBLEMS` are kept; ``more`` counts the rest. ``plan``
    is what the import would have done, when it got as far as planning.
    """

    def __init__(self, problems: list[str], *, more: int = 0, plan: object = None) -> None:
        self.more = more + getattr(problems, "more", 0)
        self.problems = list(problems)
        self.plan = plan
        shown = "\n".join(self.problems[:50])
        rest = self.total - min(50, len(self.problems))
        tail = f"\n… and {rest} more errors" if rest > 0 else ""
        super().__init__(f"{self.total} problem(s), nothing imported:\n{shown}{tail}")

    @property
    def total(self) -> int:
        return len(self.problems) + self.more


class ProblemList(list[str]):
    """A list of problem lines that keeps the first ``limit`` and counts the rest.

    >>> problems = ProblemList(limit=2)
    >>> for n in range(5):
    ...     problems.append(f"f.yaml:{n}: bad")
    >>> list(problems), problems.more, problems.full
    (['f.yaml:0: bad', 'f.yaml:1: bad'], 3, True)
    """

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = MAX_PROBLEMS if limit is None else limit
        self.more = 0

    def append(self, line: str) -> None:
        if len(self) < self.limit:
            super().append(line)
        else:
            self.more += 1

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.append(line)

    @property
    def full(self) -> bool:
        return len(self) >= self.limit

    @property
    def total(self) -> int:
        return len(self) + self.more


class CredentialError(InventoryError):
    """The credential store cannot be opened or an entry is missing."""
