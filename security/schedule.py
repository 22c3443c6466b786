"""The campaign scheduler: APScheduler 3 with a persistent job store in the application database.

Jobs live in ``SQLAlchemyJobStore`` (table ``security_apscheduler_jobs``;
another package's scheduler keeps its own table). A crontab campaign is a
cron-triggered job in Asia/Shanghai time, a ``--once`` campaign a date job
that APScheduler removes after it ran (and :func:`write_jobs` does not write
again once the campaign has run). Jobs are coalesced, one instance at a time,
with no misfire limit: a schedule missed while no scheduler ran is run once
when one starts. APScheduler stores a job's function by its textual
reference, so the jobs call :func:`scheduled_run`, which uses the service of
the process that runs the scheduler.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .campaigns import JOB_TABLE, CampaignService, CampaignView, parse_cron
from .errors import SecurityError
from .models import CampaignRun

if TYPE_CHECKING:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)
RUN_JOB = "security.schedule:scheduled_run"
OUTBOX_JOB = "security.schedule:deliver_outbox"


def make_scheduler(service: CampaignService, *, blocking: bool = False) -> BaseScheduler:
    """A scheduler over the persistent job store (not started)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from inventory.accounts import TZ

    store = SQLAlchemyJobStore(engine=service.store.engine, tablename=JOB_TABLE)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    return cls(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=TZ,
    )


def _jobstore(service: CampaignService) -> tuple[BaseScheduler, SQLAlchemyJobStore]:
    """The persistent job store, opened without running a scheduler."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    scheduler = make_scheduler(service)
    store = SQLAlchemyJobStore(engine=service.store.engine, tablename=JOB_TABLE)
    store.start(scheduler, "default")
    return scheduler, store


def write_jobs(service: CampaignService, campaigns: Sequence[CampaignView]) -> None:
    """Write (or replace) the jobs of ``campaigns``; a campaign run once already has none."""
    from apscheduler.job import Job
    from apscheduler.jobstores.base import JobLookupError
    from apscheduler.triggers.date import DateTrigger

    scheduler, store = _jobstore(service)
    now = datetime.now(UTC)
    for c in campaigns:
        job_id = f"campaign-{c.id}"
        trigger: Any
        if c.cron:
            trigger = parse_cron(c.cron)
        else:
            runs = service.runs(c.id)
            if runs and all(r.state == "done" for r in runs):
                with contextlib.suppress(JobLookupError):
                    store.remove_job(job_id)
                continue
            trigger = DateTrigger(run_date=c.created_at)
        job = Job(
            scheduler,
            id=job_id,
            func=RUN_JOB,
            trigger=trigger,
            executor="default",
            args=[c.id],
            kwargs={},
            name=c.name,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=trigger.get_next_fire_time(None, now),
        )
        if store.lookup_job(job_id) is None:
            store.add_job(job)
        else:
            store.update_job(job)


def stored_jobs(service: CampaignService) -> dict[int, datetime | None]:
    """Campaign id -> next run time of its job in the store."""
    _, store = _jobstore(service)
    return {
        int(job.id.split("-", 1)[1]): job.next_run_time
        for job in store.get_all_jobs()
        if job.id.startswith("campaign-")
    }


#: the service whose scheduler runs in this process
_ACTIVE: CampaignService | None = None


def serve(service: CampaignService, *, blocking: bool = True) -> BaseScheduler:
    """Resume unfinished runs, sync the jobs, then run the scheduler (and the syslog retries)."""
    global _ACTIVE
    _ACTIVE = service
    with service.sessions() as session:
        unfinished = (
            session.execute(
                select(CampaignRun.campaign_id).where(CampaignRun.state == "running").distinct()
            )
            .scalars()
            .all()
        )
    for campaign_id in unfinished:
        scheduled_run(campaign_id)
    write_jobs(service, service.all())
    scheduler = make_scheduler(service, blocking=blocking)
    if service.outbox is not None and service.settings.collectors:
        scheduler.add_job(
            OUTBOX_JOB,
            trigger="interval",
            seconds=service.settings.syslog_retry_seconds,
            id="security-syslog-outbox",
            replace_existing=True,
        )
    scheduler.start()
    return scheduler


def deliver_outbox() -> None:
    """The job that retries queued syslog messages."""
    service = _ACTIVE
    if service is not None and service.outbox is not None:
        stats = service.outbox.deliver()
        if stats.failed:
            log.warning("syslog: %d message(s) not delivered, kept for retry", stats.failed)


def scheduled_run(campaign_id: int) -> None:
    """The job function of a scheduled campaign."""
    service = _ACTIVE
    if service is None:
        log.error("campaign %d: no campaign service is active in this process", campaign_id)
        return
    try:
        view = service.run(campaign_id, trigger="schedule")
        log.info(
            "campaign %d run %d: %d/%d targets, %d errors, %d found",
            campaign_id,
            view.id,
            view.done,
            view.total,
            view.errors,
            view.found,
        )
    except SecurityError as exc:
        log.error("campaign %d: %s", campaign_id, exc)
