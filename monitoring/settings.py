"""Configuration options of monitoring, declared once (see :mod:`inventory.options`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inventory.options import ConfigError, Option

from .errors import MonitoringConfigError
from .influx import InfluxSettings
from .rules import AlarmThresholds

if TYPE_CHECKING:
    from .notify import Notifier

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
    Option(
        "monitoring.max_in_flight",
        256,
        "ceiling of the adaptive in-flight budget shared by all shards (devices at once)",
        int,
    ),
    Option(
        "monitoring.min_in_flight",
        8,
        "floor of that budget and where it starts (AIMD: +1 per answer, halved on timeouts)",
        int,
    ),
    Option(
        "monitoring.county_in_flight",
        64,
        "devices of one county (shard) in flight at once; 0 = no per-county limit",
        int,
    ),
    Option(
        "monitoring.spread",
        0.75,
        "share of the interval over which a round spreads its devices (0 = one burst)",
        float,
    ),
    Option(
        "alarms.webhook_url",
        None,
        "POST each raised/cleared alarm as JSON to this URL (may hold a token: kept secret)",
        secret=True,
    ),
    Option("alarms.smtp_host", None, "SMTP relay for alarm e-mails; unset = no e-mail"),
    Option("alarms.smtp_port", 25, "SMTP relay port", int),
    Option("alarms.smtp_from", "egovnet@localhost", "sender of alarm e-mails"),
    Option("alarms.smtp_to", "", "recipients of alarm e-mails, comma-separated"),
    Option("alarms.flap_changes", 3, "link state changes that make a link flapping", int),
    Option("alarms.flap_window_s", 600.0, "window of the flapping rule, seconds", float),
    Option("alarms.utilisation_pct", 80.0, "utilisation alarm threshold, percent", float),
    Option("alarms.utilisation_for_s", 300.0, "how long utilisation must stay high, s", float),
    Option("alarms.error_pct", 1.0, "error alarm threshold, percent of packets", float),
    Option("alarms.errors_for_s", 300.0, "how long the error rate must stay high, s", float),
    Option("alarms.unreachable_polls", 2, "failed polls in a row before 'unreachable'", int),
    Option("alarms.disabled", "", "rules not evaluated, comma-separated (e.g. link_flapping)"),
)


def _names(text: str | None) -> tuple[str, ...]:
    """Comma-separated names.

    >>> _names(" a@x.cn, b@y.cn ,")
    ('a@x.cn', 'b@y.cn')
    """
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


@dataclass(frozen=True)
class PollerSettings:
    """Tuning of the poller (config keys ``monitoring.*``)."""

    timeout: float = 2.0
    retries: int = 1
    #: Upper bound of a whole device poll (all its requests), seconds.
    device_deadline: float = 30.0
    #: Ceiling of the process-wide adaptive in-flight budget (devices polled at once).
    max_in_flight: int = 256
    #: Floor of that budget, and where it starts (it grows from there while answers come).
    min_in_flight: int = 8
    #: Devices of one county (shard) in flight at once; 0: no per-county limit.
    county_in_flight: int = 64
    #: Share of the interval over which a scheduled round spreads its devices (0: one burst).
    spread: float = 0.75
    #: Re-read names and speeds every this many polls of a device.
    static_every: int = 60
    #: GETBULK max-repetitions before the row count of a device is known.
    first_repetitions: int = 32
    local_address: tuple[str, int] = ("0.0.0.0", 0)  # noqa: S104 - must reach the devices


@dataclass(frozen=True)
class AlarmSettings:
    """Alarm rule thresholds and where notifications go (config keys ``alarms.*``)."""

    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    webhook_url: str | None = field(default=None, repr=False)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "egovnet@localhost"
    smtp_to: tuple[str, ...] = ()

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> AlarmSettings:
        """Build from resolved option values (ConfigError names a bad key)."""
        try:
            thresholds = AlarmThresholds(
                flap_changes=values["alarms.flap_changes"],
                flap_window_s=values["alarms.flap_window_s"],
                utilisation_pct=values["alarms.utilisation_pct"],
                utilisation_for_s=values["alarms.utilisation_for_s"],
                error_pct=values["alarms.error_pct"],
                errors_for_s=values["alarms.errors_for_s"],
                unreachable_polls=values["alarms.unreachable_polls"],
                disabled=frozenset(_names(values["alarms.disabled"])),
            )
            settings = cls(
                thresholds=thresholds,
                webhook_url=values["alarms.webhook_url"] or None,
                smtp_host=values["alarms.smtp_host"] or None,
                smtp_port=values["alarms.smtp_port"],
                smtp_from=values["alarms.smtp_from"],
                smtp_to=_names(values["alarms.smtp_to"]),
            )
            settings.notifiers()  # validate now, not at the first alarm
        except MonitoringConfigError as exc:
            raise ConfigError(str(exc)) from None
        return settings

    def notifiers(self) -> list[Notifier]:
        """The configured notifiers (webhook and/or e-mail)."""
        out: list[Notifier] = []
        if self.webhook_url:
            from .notify import WebhookNotifier

            out.append(WebhookNotifier(self.webhook_url))
        if self.smtp_host:
            from .notify import EmailNotifier

            out.append(EmailNotifier(self.smtp_host, self.smtp_port, self.smtp_from, self.smtp_to))
        return out


@dataclass(frozen=True)
class MonitoringSettings:
    """What the monitoring component needs from configuration."""

    influx: InfluxSettings | None
    poller: PollerSettings
    intervals: Mapping[str, float]
    alarms: AlarmSettings = AlarmSettings()

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
            min_in_flight=values["monitoring.min_in_flight"],
            county_in_flight=values["monitoring.county_in_flight"],
            spread=values["monitoring.spread"],
        )
        if not 1 <= poller.min_in_flight <= poller.max_in_flight:
            raise ConfigError(
                "monitoring.min_in_flight and monitoring.max_in_flight need "
                f"1 <= min <= max, not {poller.min_in_flight} and {poller.max_in_flight}"
            )
        if poller.county_in_flight < 0:
            raise ConfigError(
                f"monitoring.county_in_flight must be >= 0, not {poller.county_in_flight}"
            )
        if not 0.0 <= poller.spread <= 1.0:
            raise ConfigError(f"monitoring.spread must be between 0 and 1, not {poller.spread:g}")
        alarms = AlarmSettings.from_values(values)
        return cls(influx=influx, poller=poller, intervals=intervals, alarms=alarms)
