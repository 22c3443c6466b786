"""Configuration options of monitoring, declared once (see :mod:`inventory.options`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory.options import ConfigError, Option

from .errors import MonitoringConfigError
from .influx import InfluxSettings
from .poller import PollerSettings

OPTIONS: tuple[Option, ...] = (
    Option(
        "influx.url",
        None,
        "InfluxDB base URL (1.8, 2.x or 3.x /write + /query API); unset = no writes",
    ),
    Option("influx.database", "egovnet", "InfluxDB database (a DBRP-mapped bucket on 2.x/3.x)"),
    Option("influx.username", None, "InfluxDB user (user/password authentication)"),
    Option("influx.password", None, "InfluxDB password", secret=True),
    Option(
        "influx.token",
        None,
        "InfluxDB 2.x/3.x token (sent as 'Authorization: Token ...')",
        secret=True,
    ),
    Option("influx.batch_size", 5000, "points per write request", int),
    Option(
        "influx.spool_dir",
        None,
        "on-disk spool while InfluxDB is away; default <instance>/influx-spool",
    ),
    Option("influx.spool_max_bytes", 2 * 1024**3, "spool size cap in bytes", int),
    Option(
        "monitoring.intervals", {}, "poll interval in seconds per level, e.g. village=120", dict
    ),
    Option("monitoring.timeout", 2.0, "SNMP request timeout, seconds", float),
    Option("monitoring.retries", 1, "SNMP retries per request", int),
    Option("monitoring.max_in_flight", 256, "devices polled at the same time", int),
)


@dataclass(frozen=True)
class MonitoringSettings:
    """What the monitoring component needs from configuration."""

    influx: InfluxSettings | None
    poller: PollerSettings
    intervals: Mapping[str, float]

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, instance_path: str) -> MonitoringSettings:
        influx = None
        if values["influx.url"]:
            spool = values["influx.spool_dir"] or str(Path(instance_path) / "influx-spool")
            try:
                influx = InfluxSettings(
                    url=values["influx.url"],
                    database=values["influx.database"],
                    username=values["influx.username"],
                    password=values["influx.password"],
                    token=values["influx.token"],
                    batch_size=values["influx.batch_size"],
                    spool_dir=Path(spool),
                    spool_max_bytes=values["influx.spool_max_bytes"],
                )
            except MonitoringConfigError as exc:
                raise ConfigError(str(exc)) from None
        try:
            intervals = {k: float(v) for k, v in dict(values["monitoring.intervals"]).items()}
        except ValueError as exc:
            raise ConfigError(f"monitoring.intervals: {exc}") from None
        poller = PollerSettings(
            timeout=values["monitoring.timeout"],
            retries=values["monitoring.retries"],
            max_in_flight=values["monitoring.max_in_flight"],
        )
        return cls(influx=influx, poller=poller, intervals=intervals)
