"""The security component the application factory builds: findings, outbox, campaigns.

Everything that reaches outside security is handed in by the composition
root (``web.app``): the inventory, the ``fetch_running`` callable (devices
over SSH, from provisioning), the ``observe`` callable (SNMP tables, from
monitoring) and the sink for finding counts (monitoring's
InfluxDB writer). The parts are built on first use: ``web.app`` builds this
component for every command, and importing the tables, the checks and the
scheduler is left to the commands that need them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .settings import SecuritySettings

if TYPE_CHECKING:
    from .campaigns import CampaignService, CountSink
    from .checks import FetchRunning
    from .findings import FindingStore
    from .outbox import Outbox
    from .running import Observer


class Security:
    """Findings, the syslog outbox and campaigns over the inventory's database."""

    def __init__(
        self,
        inventory: Any,
        settings: SecuritySettings,
        *,
        fetch_running: FetchRunning | None = None,
        counts: Callable[[], CountSink | None] | None = None,
        observe: Observer | None = None,
    ) -> None:
        self.inventory = inventory
        self.settings = settings
        self.fetch_running = fetch_running
        self.counts = counts
        self.observe = observe

    @cached_property
    def outbox(self) -> Outbox:
        from .outbox import Outbox

        return Outbox(self.inventory.sessions, self.settings)

    @cached_property
    def findings(self) -> FindingStore:
        from .findings import FindingStore

        return FindingStore(
            self.inventory.engine,
            audit=self.inventory.audit,
            outbox=self.outbox,
            sessions=self.inventory.sessions,
        )

    @cached_property
    def campaigns(self) -> CampaignService:
        from .campaigns import CampaignService

        return CampaignService(
            self.inventory,
            self.settings,
            store=self.findings,
            outbox=self.outbox,
            fetch_running=self.fetch_running,
            counts=self.counts,
            observe=self.observe,
        )

    def alarm_notifier(self) -> Any:
        """A monitoring notifier that forwards alarms as syslog (see :mod:`security.outbox`)."""
        from .outbox import SyslogAlarmNotifier

        return SyslogAlarmNotifier(self.outbox)

    def ensure_schema(self) -> None:
        """Create or upgrade the inventory's tables, then security's own."""
        self.inventory.ensure_schema()
        self.findings.ensure_schema()
