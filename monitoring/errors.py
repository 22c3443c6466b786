"""Exceptions of the monitoring package; every one descends from :class:`MonitoringError`."""

from __future__ import annotations


class MonitoringError(Exception):
    """Root of every error raised by ``monitoring``."""


class MonitoringConfigError(MonitoringError):
    """A monitoring setting is missing or invalid (names the ``influx.*`` key)."""


class SchemaError(MonitoringError):
    """A point cannot be expressed in line protocol or breaks the measurement schema."""


class InfluxError(MonitoringError):
    """An InfluxDB request failed. ``where`` names the endpoint (never credentials)."""

    def __init__(self, message: str, *, where: str, status: int | None = None) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.status = status


class InfluxUnavailableError(InfluxError):
    """InfluxDB cannot take the request now (refused, timeout, 5xx, 429): retry later."""


class InfluxAuthError(InfluxUnavailableError):
    """InfluxDB refused the credentials (401/403); the data is fine, retry after fixing them."""


class InfluxNotFoundError(InfluxUnavailableError):
    """The database or endpoint does not exist (404); retry after creating it."""


class InfluxRejectedError(InfluxError):
    """InfluxDB refused the points themselves (400, 413, 422): retrying will not help.

    On a ``partial write`` InfluxDB 1.x has stored the valid points of the batch.
    """


class InfluxQueryError(InfluxError):
    """An InfluxQL statement failed (parse error, or ``results[i].error`` in a 200 answer)."""


class SpoolError(MonitoringError):
    """The on-disk spool cannot be read or written."""


class SpoolFullError(SpoolError):
    """The spool reached its size cap; the batch was not stored."""
