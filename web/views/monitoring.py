"""Alarms (active, history, acknowledge) and the monthly availability report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from monitoring import lookup
from monitoring.errors import MonitoringError
from monitoring.report import DEFAULT_TZ, ReportError, availability_report

from ..security import actor, check_node, needs
from .common import inventory, monitoring
from .forms import AckForm

bp = Blueprint("monitoring", __name__)


@bp.get("/alarms")
@needs("monitoring.read")
def alarms() -> Any:
    state = request.args.get("state", "active")
    if state not in ("active", "history"):
        abort(400)
    store = monitoring().alarm_store()
    found = (
        store.alarms(open_only=True, limit=500)
        if state == "active"
        else store.alarms(closed_only=True, limit=500)
    )
    return render_template("alarms.html", alarms=found, state=state, ack_form=AckForm())


@bp.post("/alarms/<int:alarm_id>/ack")
@needs("alarms.ack")
def acknowledge(alarm_id: int) -> Any:
    form = AckForm()
    if not form.validate_on_submit():
        abort(400)
    store = monitoring().alarm_store()
    alarm = store.get(alarm_id)
    if alarm is None:
        abort(404)
    check_node(alarm.node, "alarms.ack")
    who = actor()
    done = store.acknowledge(alarm_id, who.name, datetime.now(UTC))
    inventory().audit.append(
        who,
        "alarms.ack",
        f"alarm {alarm_id}",
        {"rule": alarm.rule, "object": alarm.object_key},
        source="web",
    )
    assert done is not None  # noqa: S101 - found above
    back = request.form.get("back", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("monitoring.alarms"))


@bp.get("/reports/availability")
@needs("monitoring.read")
def availability() -> Any:
    default = datetime.now(ZoneInfo(DEFAULT_TZ)).strftime("%Y-%m")
    month = request.args.get("month", default).strip()[:7]
    report = None
    error = None
    try:
        mon = monitoring()
        nodes = lookup.nodes(mon.inventory, intervals=mon.intervals)
        city = next((n.name for n in nodes.values() if n.level == "city" and n.role == "core"), "")
        report = availability_report(
            mon.health(), nodes, lookup.county_names(mon.inventory), month, city=city
        )
    except ReportError:
        error = _("The month must be given as YYYY-MM.")
    except MonitoringError:
        error = _("The monitoring database cannot be reached.")
    return render_template("report.html", report=report, month=month, error=error)
