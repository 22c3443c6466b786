"""Scheduled backups: APScheduler 3 with a persistent SQLAlchemyJobStore in the
application database (table ``provisioning_backup_jobs``), so a schedule set with
``egovnet backup schedule --cron ...`` survives restarts and is run by whichever
process runs :func:`run_scheduler` (``egovnet backup scheduler``).

The stored job names only a function (``provisioning.backup_schedule:scheduled_backup``)
and the node codes; the database engine, the secret key and the inventory are the
running process's own (:data:`RUNTIME`), never pickled into the job store.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from .errors import ProvisioningError

JOB_ID = "egovnet-backup"
TABLE = "provisioning_backup_jobs"
JOB_FUNC = "provisioning.backup_schedule:scheduled_backup"
log = logging.getLogger(__name__)

#: The inventory of the process running the scheduler (set by :func:`run_scheduler`).
RUNTIME: dict[str, Any] = {}


class ScheduleError(ProvisioningError):
    """A cron expression or width that cannot be used."""


def _scheduler(engine: Engine, blocking: bool = False) -> Any:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from inventory.accounts import TZ

    cls = BlockingScheduler if blocking else BackgroundScheduler
    return cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=TZ,
    )


def trigger(cron: str) -> Any:
    """The cron trigger of a 5-field crontab expression (in the city's time zone)."""
    from apscheduler.triggers.cron import CronTrigger

    from inventory.accounts import TZ

    try:
        return CronTrigger.from_crontab(cron, timezone=TZ)
    except ValueError as exc:
        raise ScheduleError(f"--cron {cron!r}: {exc}") from None


def set_schedule(engine: Engine, cron: str, nodes: Sequence[str] = (), width: int = 8) -> str:
    """Store (or replace) the backup job; returns its next run time."""
    if width < 1:
        raise ScheduleError("--width must be at least 1")
    cron_trigger = trigger(cron)
    scheduler = _scheduler(engine)
    scheduler.start(paused=True)
    try:
        job = scheduler.add_job(
            JOB_FUNC,
            cron_trigger,
            id=JOB_ID,
            name=f"backup {' '.join(nodes) or 'all'} ({cron})",
            kwargs={"nodes": list(nodes), "width": width},
            replace_existing=True,
        )
        return str(job.trigger.get_next_fire_time(None, _now()))
    finally:
        scheduler.shutdown(wait=False)


def _now() -> Any:
    from datetime import datetime

    from inventory.accounts import TZ

    return datetime.now(TZ)


def show_schedule(engine: Engine) -> dict[str, Any] | None:
    """The stored backup job (name, trigger, next run, nodes), or None."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=engine, tablename=TABLE)
    store.start(None, "default")  # creates the table if absent
    job = store.lookup_job(JOB_ID)
    if job is None:
        return None
    return {
        "id": job.id,
        "name": job.name,
        "trigger": str(job.trigger),
        "next_run": str(job.next_run_time),
        "nodes": list(job.kwargs.get("nodes", [])),
        "width": int(job.kwargs.get("width", 8)),
    }


def remove_schedule(engine: Engine) -> bool:
    """Remove the backup job; False when there was none."""
    from apscheduler.jobstores.base import JobLookupError
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=engine, tablename=TABLE)
    store.start(None, "default")
    try:
        store.remove_job(JOB_ID)
    except JobLookupError:
        return False
    return True


def scheduled_backup(nodes: Sequence[str] = (), width: int = 8) -> None:
    """The job: back up ``nodes`` (all devices when empty) with this process's inventory."""
    from .backup import Backups, backup_key, backup_nodes

    inventory = RUNTIME.get("inventory")
    if inventory is None:
        log.error("backup job ran outside run_scheduler: no inventory")
        return
    backups = Backups(inventory.sessions, backup_key(inventory))
    results = backup_nodes(inventory, backups, list(nodes), width=width)
    failed = [r for r in results if r.status == "failed"]
    stored = sum(r.status == "stored" for r in results)
    log.info("backup: %d node(s), %d new version(s), %d failed", len(results), stored, len(failed))
    for result in failed:
        log.warning("backup failed: %s", result.message)


def run_scheduler(inventory: Any, *, blocking: bool = True) -> Any:
    """Run the stored jobs in this process (blocking, or in the background: returned)."""
    RUNTIME["inventory"] = inventory
    scheduler = _scheduler(inventory.engine, blocking=blocking)
    scheduler.start()
    return scheduler
