"""The SNMP lab agent's exception root."""

from __future__ import annotations

from lab.errors import LabError
from snmpcodec.errors import SnmpDecodeError


class SnmpLabError(LabError):
    """Root of every error raised by :mod:`lab.snmp`."""


class BerError(SnmpLabError):
    """A datagram is not valid BER for the SNMP subset the agent speaks."""


class EndpointConfigError(SnmpLabError):
    """Devices asked to share an endpoint cannot be told apart, or are unknown."""


#: What a malformed message raises: the lab's own BER errors and the shared
#: codec's (``snmpcodec``).
DECODE_ERRORS: tuple[type[Exception], ...] = (BerError, SnmpDecodeError)
