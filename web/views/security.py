"""Security pages: campaigns (list, detail, create, run now), findings (list, detail, lifecycle
actions) and the policy page (the four invariants on intent).

Campaigns and findings are the security component's (:mod:`security.campaigns`,
:mod:`security.findings`); these views only read them and call their API. A
lifecycle action is audited by the findings store in the transaction that
changes the finding (source ``web``); a campaign created here is audited by
the campaign service, and "run now" is audited here. "Run now" runs the
campaign in a thread of the console process (one run per campaign at a time;
the run's own lease keeps other processes off it); the detail page shows its
progress.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from inventory.models import AuditEntry
from security.errors import SecurityError
from security.findings import TRANSITIONS, FindingError, FindingView
from security.models import SEVERITIES, STATES
from security.scope import parse_scope, select_nodes

from ..security import actor, check_node, current, needs
from .common import inventory

log = logging.getLogger(__name__)
bp = Blueprint("security", __name__)

#: the buttons of the lifecycle commands
ACTIONS = {
    "ack": _l("Acknowledge"),
    "fix": _l("Mark fixed"),
    "false-positive": _l("False positive"),
}
#: the console's words for the values of the security tables
WORDS = {
    "open": _l("untreated"),
    "acknowledged": _l("acknowledged"),
    "fixed": _l("fixed"),
    "verified": _l("verified"),
    "false_positive": _l("false positive"),
    "high": _l("high"),
    "medium": _l("medium"),
    "low": _l("low"),
    "running": _l("in progress"),
    "done": _l("finished"),
    "pending": _l("waiting"),
    "error": _l("failed"),
}
#: titles of the four invariants (security.violations.INVARIANTS)
INVARIANT_TITLES = {
    "single-egress": _l("Exactly one unified internet egress"),
    "zone-isolation": _l("Zones and department VPNs are separate routing domains"),
    "intranet-air-gap": _l("The government intranet is physically isolated"),
    "unified-management": _l("Management only from the city management subnet"),
}


def component() -> Any:
    """The security component built by the application factory."""
    return current_app.extensions["egovnet"]["security"]


def intent() -> Any:
    """The cached policy verdict on intent (one per application)."""
    from ..intent import IntentPolicy

    found = current_app.extensions.setdefault("egovnet.intent", IntentPolicy(inventory()))
    return found


# -- forms -----------------------------------------------------------------------------------
class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    checks = MultiCheckboxField(_l("Checks"), validators=[DataRequired()])
    scope = StringField(
        _l("Scope (all, or level:/county:/role:/node: terms, comma-separated)"),
        validators=[DataRequired(), Length(max=500)],
        default="all",
    )
    schedule = RadioField(
        _l("Schedule"),
        choices=[("once", _l("Once")), ("cron", _l("Cron (Asia/Shanghai)"))],
        default="once",
    )
    cron = StringField(
        _l("Crontab (minute hour day month weekday)"), validators=[Optional(), Length(max=200)]
    )


class LifecycleForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class RunForm(FlaskForm):
    pass


def _campaign_form() -> CampaignForm:
    from security.checks import CHECKS

    form = CampaignForm()
    form.checks.choices = [(name, name) for name in sorted(CHECKS)]
    return form


# -- scope of the account --------------------------------------------------------------------
def _subtree() -> set[str] | None:
    """Codes a scoped account may see (None: every node)."""
    account = current()
    if account is None or account.scope is None:
        return None
    nodes = component().campaigns.nodes()
    return {code for code, ref in nodes.items() if account.scope in ref.ancestry}


def _visible(finding: FindingView, permission: str) -> None:
    """403 unless the current account may see/handle this finding (its node's subtree)."""
    account = current()
    if account is not None and account.scope is not None and not finding.node:
        abort(403)  # network-wide findings belong to no subtree
    if finding.node:
        check_node(finding.node, permission)


# -- campaigns -------------------------------------------------------------------------------
def _runs_in_thread() -> dict[int, threading.Thread]:
    found: dict[int, threading.Thread] = current_app.extensions.setdefault(
        "egovnet.campaign_threads", {}
    )
    return found


@bp.get("/campaigns")
@needs("campaigns.read")
def campaigns() -> Any:
    service = component().campaigns
    rows = []
    try:
        jobs = service.jobs()
    except Exception as exc:  # the job store is optional for the list
        log.warning("campaign job store: %s", exc)
        jobs = {}
    for c in service.all():
        runs = service.runs(c.id)
        rows.append({"campaign": c, "last": runs[-1] if runs else None, "next": jobs.get(c.id)})
    return render_template("campaigns.html", rows=rows)


@bp.get("/campaigns/new")
@needs("campaigns.manage")
def new_campaign() -> Any:
    return render_template("campaign_new.html", form=_campaign_form(), error=None)


@bp.post("/campaigns")
@needs("campaigns.manage")
def create_campaign() -> Any:
    form = _campaign_form()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return (
            render_template(
                "campaign_new.html", form=form, error=_("Please correct the marked fields.")
            ),
            422,
        )
    cron = (form.cron.data or "").strip() if form.schedule.data == "cron" else None
    if form.schedule.data == "cron" and not cron:
        form.cron.errors = [_("Give a crontab for a scheduled campaign.")]
        return (
            render_template(
                "campaign_new.html", form=form, error=_("Please correct the marked fields.")
            ),
            422,
        )
    try:
        made = component().campaigns.create(
            form.name.data or "",
            ",".join(form.checks.data or []),
            form.scope.data or "",
            cron,
            actor(),
            source="web",
        )
    except SecurityError as exc:
        return render_template("campaign_new.html", form=form, error=str(exc)), 422
    return redirect(url_for("security.campaign", campaign_id=made.id))


@bp.get("/campaigns/<int:campaign_id>")
@needs("campaigns.read")
def campaign(campaign_id: int) -> Any:
    service = component().campaigns
    try:
        found = service.get(campaign_id)
    except SecurityError:
        abort(404)
    runs = list(reversed(service.runs(campaign_id)))
    targets = service.targets(runs[0].id) if runs else []
    counts: dict[str, int] = dict.fromkeys(STATES, 0)
    try:
        covered = set(select_nodes(parse_scope(found.scope), service.nodes()))
    except SecurityError:  # a node of the scope left the inventory
        covered = set()
    subtree = _subtree()
    for f in component().findings.list(nodes=subtree):
        if f.source in found.checks and (not f.node or f.node in covered):
            counts[f.state] += 1
    thread = _runs_in_thread().get(campaign_id)
    return render_template(
        "campaign.html",
        campaign=found,
        runs=runs,
        targets=targets,
        counts=counts,
        running=thread is not None and thread.is_alive(),
        run_form=RunForm(),
    )


@bp.post("/campaigns/<int:campaign_id>/run")
@needs("campaigns.manage")
def run_campaign(campaign_id: int) -> Any:
    form = RunForm()
    if not form.validate_on_submit():
        abort(400)
    service = component().campaigns
    try:
        found = service.get(campaign_id)
    except SecurityError:
        abort(404)
    threads = _runs_in_thread()
    with _THREADS_LOCK:
        running = threads.get(campaign_id)
        if running is not None and running.is_alive():
            return redirect(url_for("security.campaign", campaign_id=campaign_id))
        runs = service.runs(campaign_id)
        who = actor()
        inventory().audit.append(
            who, "campaign.run", f"campaign:{found.id}", {"name": found.name}, source="web"
        )

        def work() -> None:
            try:
                service.run(campaign_id, trigger="web")
            except SecurityError as exc:
                log.error("campaign %s: %s", found.name, exc)
            except Exception:
                log.exception("campaign %s failed", found.name)

        if runs and runs[-1].state == "running":
            log.info("campaign %s: resuming run %d", found.name, runs[-1].id)
        thread = threading.Thread(target=work, name=f"campaign-{campaign_id}", daemon=True)
        threads[campaign_id] = thread
        thread.start()
    return redirect(url_for("security.campaign", campaign_id=campaign_id))


_THREADS_LOCK = threading.Lock()


# -- findings --------------------------------------------------------------------------------
FILTERS = ("state", "severity", "county", "node", "department", "check")


@bp.get("/findings")
@needs("findings.read")
def findings() -> Any:
    chosen = {k: request.args.get(k, "").strip()[:100] for k in FILTERS}
    if chosen["state"] and chosen["state"] not in STATES:
        abort(400)
    if chosen["severity"] and chosen["severity"] not in SEVERITIES:
        abort(400)
    store = component().findings
    found = store.list(
        state=chosen["state"] or None,
        severity=chosen["severity"] or None,
        county=chosen["county"] or None,
        node=chosen["node"] or None,
        department=chosen["department"] or None,
        check=chosen["check"] or None,
        nodes=_subtree(),
        newest_first=True,
        limit=500,
    )
    return render_template(
        "findings.html",
        findings=found,
        chosen=chosen,
        states=STATES,
        severities=SEVERITIES,
        form=LifecycleForm(),
    )


@bp.get("/findings/<int:finding_id>")
@needs("findings.read")
def finding(finding_id: int) -> Any:
    try:
        found = component().findings.get(finding_id)
    except FindingError:
        abort(404)
    _visible(found, "findings.read")
    with inventory().sessions() as session:
        history = list(
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.target == f"finding:{finding_id}")
                .order_by(AuditEntry.id)
            ).scalars()
        )
    return render_template(
        "finding.html",
        f=found,
        evidence=evidence_of(found.evidence),
        history=history,
        form=LifecycleForm(),
        error=ERRORS.get(request.args.get("error", "")),
    )


ERRORS = {
    "reason": _l("A false positive needs a reason."),
    "state": _l("This action is not possible in the finding's current state."),
}


def evidence_of(evidence: Any) -> dict[str, Any]:
    """Evidence as lines (number, text), observations and other facts, whatever its producer.

    >>> evidence_of([{"line": 3, "text": "telnet server enable"}])["lines"]
    [(3, 'telnet server enable')]
    >>> evidence_of({"address": "10.0.0.1", "port": 23})["facts"]
    [('address', '10.0.0.1'), ('port', '23')]
    """
    lines: list[tuple[Any, str]] = []
    observations: list[str] = []
    facts: list[tuple[str, str]] = []
    raw = evidence
    if isinstance(evidence, dict) and "lines" in evidence:
        raw = evidence.get("lines")
        observations = [str(o) for o in evidence.get("observations") or []]
        facts = [
            (str(k), str(v))
            for k, v in sorted(evidence.items())
            if k not in ("lines", "observations")
        ]
    elif isinstance(evidence, dict):
        facts = [(str(k), str(v)) for k, v in sorted(evidence.items())]
        raw = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and "text" in item:
                lines.append((item.get("line", ""), str(item["text"])))
            else:
                observations.append(str(item))
    elif raw is not None:
        observations.append(str(raw))
    return {"lines": lines, "observations": observations, "facts": facts}


def _lifecycle(finding_id: int, command: str) -> Any:
    form = LifecycleForm()
    if not form.validate_on_submit():
        abort(400)
    store = component().findings
    try:
        found = store.get(finding_id)
    except FindingError:
        abort(404)
    _visible(found, "findings.manage")
    reason = (form.reason.data or "").strip() or None
    try:
        store.transition(finding_id, command, actor(), reason=reason, source="web")
    except FindingError as exc:
        problem = "reason" if command == "false-positive" and not reason else "state"
        log.info("finding %d: %s refused: %s", finding_id, command, exc)
        return redirect(url_for("security.finding", finding_id=finding_id, error=problem))
    back = request.form.get("back", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("security.finding", finding_id=finding_id))


@bp.post("/findings/<int:finding_id>/ack")
@needs("findings.manage")
def acknowledge(finding_id: int) -> Any:
    return _lifecycle(finding_id, "ack")


@bp.post("/findings/<int:finding_id>/fix")
@needs("findings.manage")
def fixed(finding_id: int) -> Any:
    return _lifecycle(finding_id, "fix")


@bp.post("/findings/<int:finding_id>/false-positive")
@needs("findings.manage")
def false_positive(finding_id: int) -> Any:
    return _lifecycle(finding_id, "false-positive")


ENDPOINTS = {
    "ack": "security.acknowledge",
    "fix": "security.fixed",
    "false-positive": "security.false_positive",
}


def node_findings(code: str) -> list[FindingView] | None:
    """Unresolved findings of a node for its page (None: the account may not read findings)."""
    account = current()
    if account is None or not account.has("findings.read"):
        return None
    found = component().findings.list(node=code, newest_first=True)
    return [f for f in found if f.state in ("open", "acknowledged", "fixed")]


@bp.app_context_processor
def finding_helpers() -> dict[str, Any]:
    return {
        "finding_endpoints": ENDPOINTS,
        "finding_starts": {cmd: starts for cmd, (starts, _target) in TRANSITIONS.items()},
        "finding_actions_words": ACTIONS,
        "node_findings": node_findings,
        "sec_word": lambda value: WORDS.get(value, value),
        "invariant_titles": INVARIANT_TITLES,
    }


# -- policy ----------------------------------------------------------------------------------
@bp.get("/policy")
@needs("policy.read")
def policy() -> Any:
    verdict = intent().verdict()
    return render_template("policy.html", verdict=verdict)
