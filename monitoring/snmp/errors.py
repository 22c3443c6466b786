"""Errors of the SNMP manager; they descend from :class:`monitoring.errors.MonitoringError`."""

from __future__ import annotations

from monitoring.errors import MonitoringError


class SnmpError(MonitoringError):
    """An SNMP exchange with one agent failed; the message names the agent (never secrets)."""


class SnmpTimeoutError(SnmpError):
    """The agent did not answer within the timeout, after every retry."""


class SnmpDecodeError(SnmpError):
    """A datagram is not valid BER for the SNMP subset the manager reads."""


class SnmpAgentError(SnmpError):
    """The agent answered with an error status or an SNMPv3 report (wrong credentials...)."""


class SnmpConfigError(SnmpError):
    """Credentials or protocols of a target are unusable (unknown protocol, short key)."""
