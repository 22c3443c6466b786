"""Errors of the SNMP manager; they descend from :class:`monitoring.errors.MonitoringError`.

The decode and configuration errors also descend from the codec's
(:mod:`snmpcodec.errors`): the client re-raises what the codec raises with the
agent named, and a handler of the codec's errors still catches them.
"""

from __future__ import annotations

from monitoring.errors import MonitoringError
from snmpcodec import errors as codec


class SnmpError(MonitoringError):
    """An SNMP exchange with one agent failed; the message names the agent (never secrets)."""


class SnmpTimeoutError(SnmpError):
    """The agent did not answer within the timeout, after every retry."""


class SnmpDecodeError(SnmpError, codec.SnmpDecodeError):
    """A datagram is not valid BER for the SNMP subset the manager reads."""


class SnmpAgentError(SnmpError):
    """The agent answered with an error status or an SNMPv3 report (wrong credentials...)."""


class SnmpConfigError(SnmpError, codec.SnmpConfigError):
    """Credentials or protocols of a target are unusable (unknown protocol, short key)."""
