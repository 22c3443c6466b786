"""The dashboard: counts, health of the counties, open alarms."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, render_template

from ..security import needs
from .common import cached, division_tree, inventory, monitoring

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@needs("inventory.read")
def index() -> Any:
    stats = cached("stats", inventory().stats)
    roots = division_tree()
    counties = [kid for root in roots for kid in root.children if kid.level == "county"]
    open_alarms = monitoring().alarm_store().alarms(open_only=True, limit=500)
    severities = Counter(a.severity for a in open_alarms)
    return render_template(
        "dashboard.html",
        stats=stats,
        roots=roots,
        counties=counties,
        severities=severities,
        recent=open_alarms[:10],
    )
