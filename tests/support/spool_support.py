"""Helpers for the spool tests (``tests/support`` is on pytest's pythonpath)."""

from __future__ import annotations

from monitoring.spool import Spool


def drain(spool: Spool, size: int = 7) -> list[str]:
    """Read and commit everything the spool holds, ``size`` lines at a time."""
    out: list[str] = []
    while (chunk := spool.peek(size)) is not None:
        out.extend(chunk.lines)
        spool.commit(chunk)
    return out
