"""Monitoring: SNMP polling results stored in InfluxDB.

Modules: :mod:`monitoring.influx` (client for the ``/write`` and ``/query``
API), :mod:`monitoring.writer` and :mod:`monitoring.spool` (batched writes
that survive InfluxDB outages), :mod:`monitoring.rates` (counter rates),
:mod:`monitoring.schema` (measurement builders, see docs/MONITORING_SCHEMA.md).
No Flask here; the application factory builds :class:`InfluxSettings`.
"""

from monitoring.errors import (
    InfluxError,
    InfluxQueryError,
    InfluxRejectedError,
    InfluxUnavailableError,
    MonitoringConfigError,
    MonitoringError,
    SchemaError,
    SpoolError,
)
from monitoring.influx import InfluxClient, InfluxSettings, quote_ident, quote_literal, time_range
from monitoring.writer import InfluxWriter

__all__ = [
    "InfluxClient",
    "InfluxError",
    "InfluxQueryError",
    "InfluxRejectedError",
    "InfluxSettings",
    "InfluxUnavailableError",
    "InfluxWriter",
    "MonitoringConfigError",
    "MonitoringError",
    "SchemaError",
    "SpoolError",
    "quote_ident",
    "quote_literal",
    "time_range",
]
