"""The SNMP lab agent's exception root (malformed requests raise the codec's errors)."""

from __future__ import annotations

from lab.errors import LabError


class SnmpLabError(LabError):
    """Root of every error raised by :mod:`lab.snmp`."""


class EndpointConfigError(SnmpLabError):
    """Devices asked to share an endpoint cannot be told apart, are unknown, or unusable."""
