"""Devices for security campaigns: running configurations fetched over SSH (provisioning's driver).

The composition root hands :func:`fetch_running` to :class:`security.service.Security`
(security never imports provisioning). Each device is read in a worker
thread, at most ``width`` at once; a device that fails gives its exception,
never costs the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def fetch_running(
    inventory: Any, codes: Sequence[str], *, width: int
) -> dict[str, str | Exception]:
    """Running configuration (or the exception) of every node of ``codes``."""
    from sqlalchemy import select

    from inventory.models import Node
    from provisioning.device import fetch_running as fetch_one

    with inventory.sessions() as session:
        platforms = dict(
            session.execute(
                select(Node.code, Node.platform).where(Node.code.in_(list(codes)))
            ).all()
        )

    def one(code: str) -> str | Exception:
        platform = platforms.get(code)
        if not platform:
            return LookupError(f"{code}: no platform in the inventory")
        try:
            return fetch_one(inventory, code, platform)
        except Exception as exc:
            return exc

    if not codes:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(width, len(codes)))) as pool:
        return dict(zip(codes, pool.map(one, codes), strict=True))
