"""Registry of platform dialects, keyed by the platform slug of ``LabDeviceSpec``."""

from __future__ import annotations

from lab.devices.dialects.base import Dialect
from lab.devices.errors import UnknownPlatformError


def _registry() -> dict[str, Dialect]:
    from lab.devices.dialects.comware import COMWARE7
    from lab.devices.dialects.huawei import VRP5, VRP8
    from lab.devices.dialects.ios import IOS

    return {d.name: d for d in (VRP5, VRP8, COMWARE7, IOS)}


_DIALECTS: dict[str, Dialect] = {}


def get_dialect(platform: str) -> Dialect:
    """The dialect for ``platform``; raises naming the known platforms."""
    if not _DIALECTS:
        _DIALECTS.update(_registry())
    try:
        return _DIALECTS[platform]
    except KeyError:
        known = ", ".join(sorted(_DIALECTS))
        raise UnknownPlatformError(
            f"no SSH dialect for platform {platform!r} (known: {known})"
        ) from None


def platforms() -> list[str]:
    """Every platform slug with a dialect."""
    if not _DIALECTS:
        _DIALECTS.update(_registry())
    return sorted(_DIALECTS)
