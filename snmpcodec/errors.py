"""Errors of the SNMP codec; one root, :class:`SnmpCodecError`, independent of its users.

The poller (:mod:`monitoring.snmp`) re-raises them as its own errors with the
agent named; the lab's agent (:mod:`lab.snmp`) answers a malformed request with
silence or a report, as a real agent does.
"""

from __future__ import annotations


class SnmpCodecError(Exception):
    """Root of every error raised by :mod:`snmpcodec`."""


class SnmpDecodeError(SnmpCodecError):
    """A datagram is not valid BER or SNMP for the subset the codec reads."""


class SnmpConfigError(SnmpCodecError):
    """USM parameters are unusable: unknown protocol, passphrase too short."""
