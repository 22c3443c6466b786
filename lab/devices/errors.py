"""Exceptions of the SSH device emulators (one root: :class:`LabDeviceError`)."""

from __future__ import annotations

from lab.errors import LabError


class LabDeviceError(LabError):
    """Root of every error raised by ``lab.devices``."""


class UnknownPlatformError(LabDeviceError):
    """A device spec names a platform no dialect is registered for."""


class FleetError(LabDeviceError):
    """The fleet could not start, stop or find a device."""


class FlashPathError(LabDeviceError):
    """A ``flash:/...`` path escapes the device's flash folder or is malformed."""
