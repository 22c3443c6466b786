"""Alarm rules as frozen data: what each rule watches, its severity, and the thresholds.

Defaults (config keys ``alarms.*``):

* ``link_down`` (critical): an inventory link is operationally down at a poll
  (one end ``ifOperStatus`` not up); cleared at the first poll that sees it up.
* ``link_flapping`` (major): ``flap_changes`` (3) or more up/down changes of a
  link within ``flap_window_s`` (600 s). Polling only sees the state at each
  poll, so changes faster than the interval are not counted.
* ``utilisation_high`` (minor): in or out utilisation of a link interface over
  ``utilisation_pct`` (80 %) for ``utilisation_for_s`` (300 s).
* ``errors_high`` (minor): in or out errors over ``error_pct`` (1 %) of the
  packets of that direction for ``errors_for_s`` (300 s). Packets are the
  increase of the unicast packet counters (``ifHCIn/OutUcastPkts``) that the
  poller reads into :class:`~monitoring.poller.InterfaceReading`.
* ``device_unreachable`` (critical): ``unreachable_polls`` (2) polls in a row
  without an SNMP answer; cleared at the first answer.

A condition that holds "for N seconds" counts from the start of the first
poll interval in which it was measured (a rate covers the interval before the
poll), so with 60 s polls and 300 s the alarm opens at the fifth poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from monitoring.errors import MonitoringConfigError


class Severity(StrEnum):
    """Alarm severities, most severe first."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


@dataclass(frozen=True)
class RuleSpec:
    """One rule: its name, severity, the kind of object it watches and what it means."""

    name: str
    severity: Severity
    object_kind: str
    description: str


LINK_DOWN = "link_down"
LINK_FLAPPING = "link_flapping"
UTILISATION_HIGH = "utilisation_high"
ERRORS_HIGH = "errors_high"
DEVICE_UNREACHABLE = "device_unreachable"

#: Every rule, by name.
RULES = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            RuleSpec(LINK_DOWN, Severity.CRITICAL, "link", "link operationally down"),
            RuleSpec(LINK_FLAPPING, Severity.MAJOR, "link", "link state changes too often"),
            RuleSpec(UTILISATION_HIGH, Severity.MINOR, "interface", "utilisation too high"),
            RuleSpec(ERRORS_HIGH, Severity.MINOR, "interface", "error rate too high"),
            RuleSpec(DEVICE_UNREACHABLE, Severity.CRITICAL, "node", "device does not answer"),
        )
    }
)


@dataclass(frozen=True)
class AlarmThresholds:
    """Thresholds of the rules (config keys ``alarms.*``); ``disabled`` names rules to skip."""

    flap_changes: int = 3
    flap_window_s: float = 600.0
    utilisation_pct: float = 80.0
    utilisation_for_s: float = 300.0
    error_pct: float = 1.0
    errors_for_s: float = 300.0
    unreachable_polls: int = 2
    disabled: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.disabled) - set(RULES))
        if unknown:
            raise MonitoringConfigError(
                f"alarms.disabled: unknown rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}"
            )
        if self.flap_changes < 2:
            raise MonitoringConfigError("alarms.flap_changes must be at least 2")
        if self.unreachable_polls < 1:
            raise MonitoringConfigError("alarms.unreachable_polls must be at least 1")
        for name in ("flap_window_s", "utilisation_for_s", "errors_for_s"):
            if getattr(self, name) < 0:
                raise MonitoringConfigError(f"alarms.{name} must not be negative")
        if not 0 < self.utilisation_pct <= 100 or not 0 < self.error_pct <= 100:
            raise MonitoringConfigError("alarms.utilisation_pct and alarms.error_pct: 0 < x <= 100")

    def enabled(self, rule: str) -> bool:
        """True unless ``rule`` is disabled."""
        return rule not in self.disabled
