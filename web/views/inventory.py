"""The hierarchy (search by code and Chinese name) and node pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import or_, select

from inventory.errors import NotFoundError
from inventory.models import Node
from monitoring import lookup
from monitoring.errors import MonitoringError

from ..security import check_node, needs
from .common import division_tree, find, inventory, monitoring
from .forms import AckForm

bp = Blueprint("inventory", __name__)

_LINK = re.compile(r"^(.*) \(([a-z-]+), (\d+) Mb/s\)$")
RANGES = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}


@bp.get("/tree")
@needs("inventory.read")
def tree() -> Any:
    q = request.args.get("q", "").strip()[:100]
    roots = division_tree()
    root_code = request.args.get("root")
    focus = find(roots, root_code) if root_code else None
    if root_code and focus is None:
        abort(404)
    results: list[Any] = []
    if q:
        with inventory().sessions() as session:
            results = list(
                session.execute(
                    select(Node.code, Node.name, Node.level, Node.role, Node.status)
                    .where(or_(Node.code.startswith(q), Node.name.contains(q)))
                    .order_by(Node.code)
                    .limit(200)
                ).all()
            )
    return render_template(
        "tree.html", roots=[focus] if focus else roots, q=q, results=results, focus=focus
    )


@bp.get("/nodes/<code>")
@needs("inventory.read")
def node(code: str) -> Any:
    try:
        shown = inventory().show(code)
    except NotFoundError:
        abort(404)
    if "node" not in shown:
        abort(404)
    check_node(code, "inventory.read")
    alarms = monitoring().alarm_store().alarms(node=code, limit=50)
    usage: dict[str, Any] = {}
    health_error = None
    try:
        now = datetime.now(UTC)
        usage = monitoring().health().interface_usage(code, now - timedelta(hours=1), now)
    except (MonitoringError, OSError) as exc:
        health_error = type(exc).__name__
    with inventory().sessions() as session:
        row = session.execute(select(Node.id).where(Node.code == code)).scalar_one()
        children = session.execute(
            select(Node.code, Node.name, Node.level, Node.role)
            .where(Node.parent_id == row)
            .order_by(Node.code)
        ).all()
    links = []
    for text in shown["links"]:
        found = _LINK.match(text)
        links.append(found.groups() if found else (text, "", ""))
    prefixes = [
        tuple(text.split(" ", 1)) if " " in text else (text, "") for text in shown["prefixes"]
    ]
    return render_template(
        "node.html",
        node=shown,
        links=links,
        prefixes=prefixes,
        alarms=alarms,
        usage=sorted(usage.items()),
        children=children,
        health_error=health_error,
        ranges=list(RANGES),
        ack_form=AckForm(),
    )


@bp.get("/nodes/<code>/series.json")
@needs("monitoring.read")
def series(code: str) -> Any:
    """Link utilisation and up-ness of the node's links over ``range`` (chart data)."""
    span = RANGES.get(request.args.get("range", "1h"))
    if span is None:
        return jsonify(errors={"range": [f"one of {', '.join(RANGES)}"]}), 422
    check_node(code, "monitoring.read")
    labels = [lk.label for lk in lookup.links(inventory()) if code in (lk.a_node, lk.b_node)]
    now = datetime.now(UTC)
    bucket = max(10, int(span.total_seconds() // 120))
    try:
        found = monitoring().health().link_series(labels, now - span, now, bucket)
    except (MonitoringError, OSError) as exc:
        return jsonify(error=str(exc)[:200], series=[]), 503
    return jsonify(
        range=request.args.get("range", "1h"),
        bucket_s=bucket,
        series=[
            {
                "link": label,
                "points": [[t // 1_000_000, util, up] for t, util, up in found.get(label, [])],
            }
            for label in labels
        ],
    )
