"""Device drivers in NAPALM's vocabulary, one registry keyed by platform slug.

``cisco_ios`` is NAPALM's core ``ios`` driver; ``huawei_vrp5``, ``huawei_vrp8`` and
``h3c_comware7`` are ours (:mod:`provisioning.drivers.base`).
"""

from __future__ import annotations

from napalm.base import NetworkDriver

from ..errors import UnknownPlatformError


def driver_class(platform: str) -> type[NetworkDriver]:
    """The driver class of ``platform``; an unknown slug names the known ones."""
    if platform == "cisco_ios":
        from napalm.ios.ios import IOSDriver

        return IOSDriver  # type: ignore[no-any-return]
    if platform == "huawei_vrp8":
        from .huawei import HuaweiVrp8Driver

        return HuaweiVrp8Driver
    if platform == "huawei_vrp5":
        from .huawei import HuaweiVrp5Driver

        return HuaweiVrp5Driver
    if platform == "h3c_comware7":
        from .comware import Comware7Driver

        return Comware7Driver
    known = "cisco_ios, h3c_comware7, huawei_vrp5, huawei_vrp8"
    raise UnknownPlatformError(f"no driver for platform {platform!r} (known: {known})")
