"""The security component the application factory builds: findings, outbox, campaigns.

Everything that reaches outside security is handed in by the composition
root (``web.app``): the inventory, the ``fetch_running`` callable (devices
over SSH, from provisioning) and the sink for finding counts (monitoring's
InfluxDB writer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .campaigns import CampaignService, CountSink
from .checks import FetchRunning
from .findings import FindingStore
from .outbox import Outbox
from .settings import SecuritySettings


class Security:
    """Findings, the syslog outbox and campaigns over the inventory's database."""

    def __init__(
        self,
        inventory: Any,
        settings: SecuritySettings,
        *,
        fetch_running: FetchRunning | None = None,
        counts: Callable[[], CountSink | None] | None = None,
    ) -> None:
        self.inventory = inventory
        self.settings = settings
        self.outbox = Outbox(inventory.sessions, settings)
        self.findings = FindingStore(
            inventory.engine, audit=inventory.audit, outbox=self.outbox, sessions=inventory.sessions
        )
        self.campaigns = CampaignService(
            inventory,
            settings,
            store=self.findings,
            outbox=self.outbox,
            fetch_running=fetch_running,
            counts=counts,
        )

    def ensure_schema(self) -> None:
        """Create or upgrade the inventory's tables, then security's own."""
        self.inventory.ensure_schema()
        self.findings.ensure_schema()
