"""Campaigns: checks x scope x schedule, run with progress per target, resumable after a crash.

A run creates one target row per (check, node) of the scope. Each target is
checked, its findings recorded and the target marked ``done`` in one
transaction, so a run killed at any moment (SIGKILL included) resumes with
the targets that are not done: :meth:`CampaignService.run` continues the
campaign's unfinished run instead of starting a new one. Targets are checked
in batches of ``security.campaign_width`` nodes (the baseline fetches that
many configurations at once).

Schedules (:mod:`security.schedule`) use APScheduler 3 with a persistent ``SQLAlchemyJobStore`` in the
application database (table ``security_apscheduler_jobs``): a campaign with a
crontab (five fields, in Asia/Shanghai time) runs at each match, a campaign
``--once`` runs once when the scheduler next runs. ``egovnet campaign
scheduler`` runs it in the foreground.

After a run the counts of unresolved findings go to InfluxDB (measurement
``security_findings``, tags ``check``, ``county``, ``severity``, integer fields
``open``, ``acknowledged``, ``fixed``) through the sink the composition root
hands over, and queued syslog messages are delivered.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from inventory.db import transaction

from .checks import CHECKS, NETWORK, CheckContext, FetchRunning, parse_checks
from .errors import SecurityError
from .findings import FindingStore, _aware
from .models import Campaign, CampaignRun, RunTarget
from .scope import NodeRef, load_nodes, parse_scope, select_nodes
from .settings import SecuritySettings

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler
    from apscheduler.triggers.cron import CronTrigger

    from inventory.audit import Actor

    from .outbox import Outbox
    from .running import Observer

log = logging.getLogger(__name__)
JOB_TABLE = "security_apscheduler_jobs"
MEASUREMENT = "security_findings"


#: who works on a run: this host and process
OWNER = f"{socket.gethostname()}:{os.getpid()}"
#: a run owned by another host is taken over when its owner was silent this long
STALE_AFTER = timedelta(minutes=10)


def _lease_holder(owner: str | None, heartbeat: datetime | None) -> str | None:
    """Who still works on an unfinished run (None: nobody, it may be resumed).

    On this host the owner's pid tells (a killed process is gone at once);
    another host's run is free once its heartbeat is older than STALE_AFTER.
    """
    if not owner:
        return None
    host, _, pid = owner.rpartition(":")
    if owner == OWNER:
        return None
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return f"process {pid}"
        return f"process {pid}"
    if heartbeat is None or datetime.now(UTC) - heartbeat > STALE_AFTER:
        return None
    return f"{owner}, last heard {heartbeat.isoformat()}"


class CampaignError(SecurityError):
    """A campaign cannot be created or run as asked (names the field)."""


class CountSink(Protocol):
    """Where counts go (monitoring's InfluxWriter fits): lines of line protocol."""

    def add(self, point: str) -> None: ...

    def close(self) -> None:
        """Send what is queued (a writer keeps what it cannot send) and let go."""
        ...


def parse_cron(text: str) -> CronTrigger:
    """A five-field crontab as an APScheduler trigger in Asia/Shanghai; CampaignError otherwise."""
    from apscheduler.triggers.cron import CronTrigger

    from inventory.accounts import TZ

    fields = text.split()
    if len(fields) != 5:
        raise CampaignError(f"--cron {text!r}: expected 5 fields (minute hour day month weekday)")
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=TZ)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise CampaignError(f"--cron {text!r}: {exc}") from None


def _tag(value: str) -> str:
    r"""Escape a line-protocol tag value.

    >>> _tag("a b,c=d")
    'a\\ b\\,c\\=d'
    """
    return value.replace("\\", "\\\\").replace(" ", "\\ ").replace(",", "\\,").replace("=", "\\=")


def count_lines(
    counts: Mapping[tuple[str, str, str], Mapping[str, int]], time_ns: int
) -> list[str]:
    """Line protocol of :meth:`FindingStore.counts`."""
    return [
        f"{MEASUREMENT},check={_tag(check)},county={_tag(county)},severity={_tag(severity)} "
        + ",".join(f"{state}={n}i" for state, n in sorted(by_state.items()))
        + f" {time_ns}"
        for (check, county, severity), by_state in sorted(counts.items())
    ]


@dataclass(frozen=True)
class CampaignView:
    id: int
    name: str
    checks: tuple[str, ...]
    scope: str
    cron: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: Campaign) -> CampaignView:
        return cls(
            row.id,
            row.name,
            tuple(row.checks.split(",")),
            row.scope,
            row.cron,
            row.created_by,
            _aware(row.created_at) or row.created_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "checks": list(self.checks),
            "scope": self.scope,
            "schedule": f"cron {self.cron}" if self.cron else "once",
            "created_by": self.created_by,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
        }


@dataclass(frozen=True)
class RunView:
    id: int
    campaign_id: int
    state: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    resumed: int
    total: int
    done: int
    errors: int
    found: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "trigger": self.trigger,
            "started_at": self.started_at.astimezone(UTC).isoformat(),
            "finished_at": self.finished_at.astimezone(UTC).isoformat()
            if self.finished_at
            else None,
            "resumed": self.resumed,
            "targets": self.total,
            "done": self.done,
            "errors": self.errors,
            "found": self.found,
        }


#: called after each target: (check, node, targets finished, targets in the run, error or None)
Progress = Callable[[str, str, int, int, str | None], None]


class CampaignService:
    """Campaigns of one application database."""

    def __init__(
        self,
        inventory: Any,
        settings: SecuritySettings,
        *,
        store: FindingStore,
        outbox: Outbox | None = None,
        fetch_running: FetchRunning | None = None,
        counts: Callable[[], CountSink | None] | None = None,
        observe: Observer | None = None,
    ) -> None:
        self.inventory = inventory
        self.settings = settings
        self.store = store
        self.outbox = outbox
        self.fetch_running = fetch_running
        self.counts = counts
        self.observe = observe
        self.sessions = store.sessions

    # -- campaigns -------------------------------------------------------------
    def nodes(self) -> dict[str, NodeRef]:
        with self.inventory.sessions() as session:
            return load_nodes(session)

    def create(
        self,
        name: str,
        checks: str,
        scope: str,
        cron: str | None,
        actor: Actor,
        *,
        source: str = "cli",
    ) -> CampaignView:
        """Create a campaign (validated against the inventory) and schedule it; audited."""
        name = name.strip()
        if not name or len(name) > 100 or name.isdigit():
            raise CampaignError(f"name {name!r}: 1-100 characters, not only digits")
        try:
            names = parse_checks(checks)
        except ValueError as exc:
            raise CampaignError(f"--checks: {exc}") from None
        parsed = parse_scope(scope)
        if not select_nodes(parsed, self.nodes()):
            raise CampaignError(f"--scope {scope!r}: no node of the inventory is in it")
        if cron is not None:
            parse_cron(cron)
            cron = " ".join(cron.split())
        now = datetime.now(UTC)
        try:
            with transaction(self.sessions) as session:
                row = Campaign(
                    name=name,
                    checks=",".join(names),
                    scope=str(parsed),
                    cron=cron,
                    created_by=actor.name,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                view = CampaignView.of(row)
                if self.store.audit is not None:
                    self.store.audit.append(
                        actor,
                        "campaign.create",
                        f"campaign:{row.id}",
                        view.to_json(),
                        source=source,
                        session=session,
                    )
        except IntegrityError:
            raise CampaignError(f"a campaign named {name!r} exists already") from None
        self.schedule([view])
        return view

    def get(self, ref: str | int) -> CampaignView:
        """A campaign by id or name."""
        with self.sessions() as session:
            text = str(ref)
            stmt = select(Campaign).where(
                Campaign.id == int(text) if text.isdigit() else Campaign.name == text
            )
            row = session.execute(stmt).scalar_one_or_none()
            if row is None:
                raise CampaignError(f"campaign {text!r} does not exist")
            return CampaignView.of(row)

    def all(self) -> list[CampaignView]:
        with self.sessions() as session:
            return [
                CampaignView.of(r)
                for r in session.execute(select(Campaign).order_by(Campaign.id)).scalars()
            ]

    def runs(self, campaign_id: int) -> list[RunView]:
        with self.sessions() as session:
            ids = (
                session.execute(
                    select(CampaignRun.id)
                    .where(CampaignRun.campaign_id == campaign_id)
                    .order_by(CampaignRun.id)
                )
                .scalars()
                .all()
            )
        return [self.run_view(i) for i in ids]

    def run_view(self, run_id: int) -> RunView:
        with self.sessions() as session:
            run = session.get(CampaignRun, run_id)
            if run is None:
                raise CampaignError(f"run {run_id} does not exist")
            by_state = dict(
                session.execute(
                    select(RunTarget.state, func.count())
                    .where(RunTarget.run_id == run_id)
                    .group_by(RunTarget.state)
                ).all()
            )
            found = session.execute(
                select(func.coalesce(func.sum(RunTarget.found), 0)).where(
                    RunTarget.run_id == run_id
                )
            ).scalar_one()
            return RunView(
                run.id,
                run.campaign_id,
                run.state,
                run.trigger,
                _aware(run.started_at) or run.started_at,
                _aware(run.finished_at),
                run.resumed,
                sum(by_state.values()),
                by_state.get("done", 0) + by_state.get("error", 0),
                by_state.get("error", 0),
                int(found),
            )

    def targets(self, run_id: int) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.execute(
                select(RunTarget).where(RunTarget.run_id == run_id).order_by(RunTarget.id)
            ).scalars()
            return [
                {
                    "check": r.check,
                    "node": r.node,
                    "state": r.state,
                    "found": r.found,
                    "error": r.error,
                    "done_at": (_aware(r.done_at) or r.done_at).isoformat() if r.done_at else None,
                }
                for r in rows
            ]

    # -- running -------------------------------------------------------------------
    def _open_run(
        self, campaign: CampaignView, trigger: str, nodes: Mapping[str, NodeRef]
    ) -> tuple[int, bool]:
        """The campaign's unfinished run (resumed) or a new one with its targets."""
        with transaction(self.sessions) as session:
            unfinished = session.execute(
                select(CampaignRun)
                .where(CampaignRun.campaign_id == campaign.id, CampaignRun.state == "running")
                .order_by(CampaignRun.id)
                .limit(1)
                .with_for_update()
            ).scalar_one_or_none()
            if unfinished is not None:
                busy = _lease_holder(unfinished.owner, _aware(unfinished.heartbeat_at))
                if busy is not None:
                    raise CampaignError(
                        f"campaign {campaign.name}: run {unfinished.id} is in progress ({busy})"
                    )
                unfinished.resumed += 1
                unfinished.owner = OWNER
                unfinished.heartbeat_at = datetime.now(UTC)
                return unfinished.id, True
            codes = select_nodes(parse_scope(campaign.scope), nodes)
            run = CampaignRun(
                campaign_id=campaign.id,
                state="running",
                trigger=trigger,
                started_at=datetime.now(UTC),
                resumed=0,
                owner=OWNER,
                heartbeat_at=datetime.now(UTC),
            )
            session.add(run)
            session.flush()
            for check in campaign.checks:
                for code in codes:
                    session.add(
                        RunTarget(run_id=run.id, check=check, node=code, state="pending", found=0)
                    )
            return run.id, False

    def run(
        self, ref: str | int, *, trigger: str = "cli", progress: Progress | None = None
    ) -> RunView:
        """Run (or resume) a campaign now; returns the finished run."""
        campaign = self.get(ref)
        unknown = [c for c in campaign.checks if c not in CHECKS]
        if unknown:
            raise CampaignError(f"campaign {campaign.name}: check {unknown[0]!r} is not available")
        nodes = self.nodes()
        run_id, resumed = self._open_run(campaign, trigger, nodes)
        if resumed:
            log.info("campaign %s: resuming run %d", campaign.name, run_id)
        with self.sessions() as session:
            pending = session.execute(
                select(RunTarget.check, RunTarget.node)
                .where(RunTarget.run_id == run_id, RunTarget.state == "pending")
                .order_by(RunTarget.id)
            ).all()
            total = session.execute(
                select(func.count()).select_from(RunTarget).where(RunTarget.run_id == run_id)
            ).scalar_one()
        finished = total - len(pending)
        ctx = CheckContext(
            self.inventory,
            nodes,
            self.settings,
            self.fetch_running,
            management_subnet=str(self.inventory.settings.ipam.management_subnet),
            observe=self.observe,
        )
        width = self.settings.campaign_width
        by_check: dict[str, list[str]] = {}
        for check, node in pending:
            by_check.setdefault(check, []).append(node)
        for check, codes in by_check.items():
            step = len(codes) if CHECKS[check].network_wide else width
            for start in range(0, len(codes), max(step, 1)):
                batch = [c for c in codes[start : start + step] if c in nodes]
                for code in codes[start : start + step]:
                    if code not in nodes:
                        self._finish_target(
                            run_id, check, code, None, f"{code}: no longer in the inventory", nodes
                        )
                        finished += 1
                        if progress:
                            progress(check, code, finished, total, "no longer in the inventory")
                if not batch:
                    continue
                try:
                    outcomes = list(CHECKS[check].run(ctx, batch))
                except Exception as exc:
                    outcomes = [(code, exc) for code in batch]
                answered = {code for code, _ in outcomes}
                outcomes += [
                    (code, RuntimeError(f"{check} gave no result for {code}"))
                    for code in batch
                    if code not in answered
                ]
                for code, outcome in outcomes:
                    if code == NETWORK:
                        self._record_network(check, outcome, nodes)
                        continue
                    error = None
                    if isinstance(outcome, Exception):
                        error = str(outcome) or type(outcome).__name__
                        self._finish_target(run_id, check, code, None, error, nodes)
                    else:
                        self._finish_target(run_id, check, code, outcome, None, nodes)
                    finished += 1
                    if progress:
                        progress(check, code, finished, total, error)
        with transaction(self.sessions) as session:
            run = session.get(CampaignRun, run_id)
            assert run is not None  # noqa: S101 - created above
            run.state = "done"
            run.finished_at = datetime.now(UTC)
            run.owner = None
        self._after_run()
        return self.run_view(run_id)

    def _record_network(
        self, check: str, outcome: Sequence[Any] | Exception, nodes: Mapping[str, NodeRef]
    ) -> None:
        """Network-wide findings of a check (no target row: they belong to no node)."""
        if isinstance(outcome, Exception):
            log.warning("%s: network-wide part failed: %s", check, outcome)
            return
        try:
            self.store.record(check, None, outcome, nodes=nodes)
        except SecurityError as exc:
            log.warning("%s: network-wide findings refused: %s", check, exc)

    def _finish_target(
        self,
        run_id: int,
        check: str,
        code: str,
        records: Sequence[Any] | None,
        error: str | None,
        nodes: Mapping[str, NodeRef],
    ) -> None:
        """Record one target's findings and mark it finished, in one transaction."""
        with transaction(self.sessions) as session:
            target = session.execute(
                select(RunTarget).where(
                    RunTarget.run_id == run_id, RunTarget.check == check, RunTarget.node == code
                )
            ).scalar_one()
            if target.state != "pending":
                return
            if records is not None:
                try:
                    self.store.record(check, code, records, nodes=nodes, session=session)
                except SecurityError as exc:
                    error = str(exc)
                    records = None
            run = session.get(CampaignRun, run_id)
            if run is not None:
                run.heartbeat_at = datetime.now(UTC)
            target.state = "error" if error is not None else "done"
            target.error = error
            target.found = len(records) if records is not None else 0
            target.done_at = datetime.now(UTC)
        if error is not None:
            log.warning("campaign run %d: %s on %s: %s", run_id, check, code, error)

    def _after_run(self) -> None:
        sink = self.counts() if self.counts is not None else None
        if sink is not None:
            try:
                for line in count_lines(self.store.counts(), time.time_ns()):
                    sink.add(line)
                sink.close()
            except Exception as exc:
                log.warning("writing finding counts failed: %s", exc)
        if self.outbox is not None and self.settings.collectors:
            stats = self.outbox.deliver()
            if stats.failed:
                log.warning("syslog: %d message(s) not delivered, kept for retry", stats.failed)

    # -- scheduling (security.schedule) ------------------------------------------------
    def schedule(self, campaigns: Sequence[CampaignView] | None = None) -> None:
        """Write the jobs of ``campaigns`` (default: all) to the persistent job store."""
        from .schedule import write_jobs

        write_jobs(self, self.all() if campaigns is None else campaigns)

    def jobs(self) -> dict[int, datetime | None]:
        """Campaign id -> next run time of its job in the store."""
        from .schedule import stored_jobs

        return stored_jobs(self)

    def serve(self, *, blocking: bool = True) -> BaseScheduler:
        """Run the scheduler (foreground when ``blocking``); unfinished runs resume first."""
        from .schedule import serve

        return serve(self, blocking=blocking)
