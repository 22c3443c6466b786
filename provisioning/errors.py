"""Exceptions of the provisioning package. All descend from :class:`ProvisioningError`."""

from __future__ import annotations


class ProvisioningError(Exception):
    """Root of every provisioning error."""


class UnknownNodeError(ProvisioningError):
    """A node code that the inventory does not hold (or that has no device)."""


class UnknownPlatformError(ProvisioningError):
    """A platform slug no template, driver or remediation rule set exists for."""


class RenderError(ProvisioningError):
    """A template could not be rendered (missing data, bad template)."""


class ConfigParseError(ProvisioningError):
    """A configuration text cannot be read as a configuration tree."""
