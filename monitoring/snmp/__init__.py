"""The SNMP manager the poller uses: an asyncio client on :mod:`snmpcodec` (BER, USM).

Own codec (shared with the lab's agent) rather than pysnmp: pysnmp's pyasn1
encoding costs ~11 ms of CPU per 144-var-bind poll (DEVICES.md), twice
Net-SNMP's C library; this client reads the same poll in a fraction of that
(see bench/bench_poller.py).
"""

from monitoring.snmp.client import Response, SnmpAuth, SnmpClient, TableWalk
from monitoring.snmp.errors import (
    SnmpAgentError,
    SnmpConfigError,
    SnmpDecodeError,
    SnmpError,
    SnmpTimeoutError,
)

__all__ = [
    "Response",
    "SnmpAgentError",
    "SnmpAuth",
    "SnmpClient",
    "SnmpConfigError",
    "SnmpDecodeError",
    "SnmpError",
    "SnmpTimeoutError",
    "TableWalk",
]
