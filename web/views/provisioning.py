"""Provisioning pages: coverage, a node's configuration (intended, backed up, drift), the
onboarding wizard.

* ``/coverage``: planned vs connected nodes and departments per county and per level
  (:mod:`provisioning.coverage`), with the recorded daily history as a chart
  (``/coverage/history.json``, drawn by ``static/coverage.js``: no inline script).
* ``/nodes/<code>/config``: the intended configuration (secrets masked), the newest
  backed-up running configuration (version, time, masked), the diff between them and
  the drift state; ``POST /nodes/<code>/backup`` reads the running configuration over
  SSH now (:func:`provisioning.backup.backup_nodes`, permission ``backup.run``, audited).
* ``/onboarding``: department (existing, or ``NODE-KIND``), node and zones → a dry run
  of :func:`provisioning.onboarding.plan_onboarding` (allocation, per-device diff,
  policy verdict; the database is unchanged) → "submit for approval", which commits
  the plan and creates a change (:func:`provisioning.changes.create_change`) exactly as
  ``egovnet onboard`` does. The changes module is imported lazily: while it is absent
  the submit button is not shown and ``POST /onboarding/submit`` answers 404.
* ``/onboarding/wave``: the same for one kind at every node of a level or a county
  (:func:`provisioning.onboarding.plan_wave`).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from inventory.errors import InventoryError, NotFoundError

from ..security import actor, check_node, current, needs
from .common import inventory
from .forms import AckForm

bp = Blueprint("provisioning", __name__)

ZONE_WORDS = ("public", "internet")


def changes_module() -> Any | None:
    """``provisioning.changes`` when it is installed, else None (the feature is absent)."""
    if importlib.util.find_spec("provisioning.changes") is None:
        return None
    return importlib.import_module("provisioning.changes")


# -- coverage -------------------------------------------------------------------------------
@bp.get("/coverage")
@needs("config.read")
def coverage() -> Any:
    from provisioning.coverage import current, history

    inv = inventory()
    by_county = current(inv, "county")
    by_level = current(inv, "level")
    days = sorted({h.day for h in history(inv, "county")})
    return render_template("coverage.html", by_county=by_county, by_level=by_level, days=len(days))


@bp.get("/coverage/history.json")
@needs("config.read")
def coverage_history() -> Any:
    """The city's connected percentages per recorded day (chart data)."""
    from provisioning.coverage import TOTAL, history

    by = request.args.get("by", "county")
    if by not in ("county", "level"):
        return jsonify(errors={"by": ["one of county, level"]}), 422
    rows = [h for h in history(inventory(), by) if h.row.key == TOTAL]
    return jsonify(
        by=by,
        days=[h.day.isoformat() for h in rows],
        nodes=[h.row.nodes_percent for h in rows],
        departments=[h.row.departments_percent for h in rows],
        nodes_connected=[h.row.nodes_connected for h in rows],
        departments_connected=[h.row.departments_connected for h in rows],
    )


# -- a node's configuration --------------------------------------------------------------------
def _backups() -> Any:
    from provisioning.backup import Backups, backup_key
    from provisioning.schema import upgrade

    inv = inventory()
    upgrade(inv.engine)
    return Backups(inv.sessions, backup_key(inv))


def _node_or_404(code: str) -> dict[str, Any]:
    try:
        shown: dict[str, Any] = inventory().show(code)
    except NotFoundError:
        abort(404)
    if "node" not in shown:
        abort(404)
    return shown


@bp.get("/nodes/<code>/config")
@needs("config.read")
def node_config(code: str) -> Any:
    from provisioning.backup import BackupError, drift
    from provisioning.errors import ProvisioningError
    from provisioning.remediation import diff_lines
    from provisioning.render import render_node

    shown = _node_or_404(code)
    check_node(code, "config.read")
    inv = inventory()
    intended = None
    render_error = None
    try:
        intended = render_node(inv, code)
    except ProvisioningError as exc:
        render_error = str(exc)
    info = running = None
    backup_error = None
    versions: list[Any] = []
    state = None
    diff: list[str] = []
    try:
        backups = _backups()
        versions = backups.versions(code)
        if versions:
            info, running = backups.masked(code)
        if intended is not None:
            state = drift(inv, backups, [code])[0]
    except (BackupError, ProvisioningError, InventoryError) as exc:
        backup_error = str(exc)
    if intended is not None and info is not None and running is not None:
        diff = diff_lines(info.platform, running, intended.text)
    account = current()
    labels = {
        "in sync": _("In sync"),
        "drifted": _("Drifted"),
        "never backed up": _("Never backed up"),
        "failed": _("Failed"),
    }
    return render_template(
        "node_config.html",
        drift_label=labels.get(state.status, state.status) if state is not None else "-",
        node=shown,
        intended=intended,
        render_error=render_error,
        info=info,
        running=running,
        versions=list(reversed(versions))[:10],
        drift=state,
        diff=diff,
        backup_error=backup_error,
        result=session.pop(f"backup:{code}", None),
        form=AckForm(),
        may_backup=account is not None and account.has("backup.run"),
    )


@bp.post("/nodes/<code>/backup")
@needs("backup.run")
def backup_now(code: str) -> Any:
    from provisioning.backup import BackupError, backup_nodes
    from provisioning.errors import ProvisioningError

    if not AckForm().validate_on_submit():
        abort(400)
    _node_or_404(code)
    check_node(code, "backup.run")
    try:
        (result,) = backup_nodes(inventory(), _backups(), [code], width=1)
        outcome = {
            "status": result.status,
            "version": result.version,
            "message": result.message[:300],
        }
    except (BackupError, ProvisioningError, InventoryError) as exc:
        outcome = {"status": "failed", "version": None, "message": str(exc)[:300]}
    inventory().audit.append(
        actor(),
        "backup.run",
        code,
        {"status": outcome["status"], "version": outcome["version"]},
        source="web",
    )
    session[f"backup:{code}"] = outcome
    return redirect(url_for("provisioning.node_config", code=code))


# -- onboarding wizard -------------------------------------------------------------------------
def _zone_choices() -> list[tuple[str, str, str]]:
    """``(code, name, kind)`` of the private VPN zones a department may join."""
    from sqlalchemy import select

    from inventory.models import Zone

    with inventory().sessions() as db:
        rows = db.execute(select(Zone.code, Zone.name, Zone.kind).order_by(Zone.code)).all()
    return [(r.code, r.name, r.kind) for r in rows if r.kind == "private"]


def _wizard_input() -> tuple[str, str, list[str]]:
    department = request.form.get("department", "").strip()[:64]
    node = request.form.get("node", "").strip()[:64]
    zones = [w for w in ZONE_WORDS if request.form.get(f"zone_{w}")]
    private = request.form.get("private", "").strip()[:64]
    if private:
        zones.append(private)
    return department, node, zones


def _wizard(
    status: int = 200,
    *,
    error: str | None = None,
    plan: Any = None,
    chosen: tuple[str, str, list[str]] = ("", "", []),
    change_id: int | None = None,
) -> Any:
    from provisioning.kinds import KINDS, TOWNSHIP_KINDS

    department, node, zones = chosen
    township = {abbr for abbr, _n, _z in TOWNSHIP_KINDS}
    return (
        render_template(
            "onboarding.html",
            kinds=sorted(KINDS.values(), key=lambda k: (k.abbr not in township, k.abbr)),
            zones=_zone_choices(),
            department=department,
            node=node,
            chosen=zones,
            error=error,
            plan=plan,
            form=AckForm(),
            can_submit=changes_module() is not None,
            change_id=change_id,
            submit_url=url_for("provisioning.onboarding_submit"),
            hidden=_hidden(department, node, zones),
        ),
        status,
    )


def _hidden(department: str, node: str, zones: list[str]) -> list[tuple[str, str]]:
    """The submit form's fields: the request the dry run planned."""
    out = [("department", department), ("node", node)]
    out += [(f"zone_{z}", "1") for z in ZONE_WORDS if z in zones]
    out += [("private", z) for z in zones if z not in ZONE_WORDS]
    return out


@bp.get("/onboarding")
@needs("inventory.write")
def onboarding() -> Any:
    return _wizard(chosen=("", request.args.get("node", "").strip()[:64], []))


@dataclass(frozen=True)
class _Planned:
    plan: Any
    #: the request as the page shows it again
    chosen: Any


def _planned(commit: bool) -> _Planned | Any:
    """Run the plan of the posted form: the plan, or the wizard page naming the refusal."""
    from provisioning.errors import ProvisioningError
    from provisioning.kinds import OnboardingInputError
    from provisioning.onboarding import (
        IncompletePlan,
        OnboardingRefused,
        PolicyRefused,
        plan_onboarding,
    )

    if not AckForm().validate_on_submit():
        abort(400)
    chosen = _wizard_input()
    department, node, zones = chosen
    if not department or not node:
        return _wizard(422, error=_("Give the department and the node."), chosen=chosen)
    try:
        inventory().show(node)
    except NotFoundError:
        return _wizard(422, error=_("There is no node %(code)s.", code=node), chosen=chosen)
    check_node(node, "inventory.write")
    try:
        plan = plan_onboarding(
            inventory(),
            department=department,
            at=node,
            zones=zones or None,
            commit=commit,
            actor=actor(),
        )
    except PolicyRefused as exc:
        return _wizard(
            409, error=_("The policy gate refuses the plan."), plan=exc.plan, chosen=chosen
        )
    except IncompletePlan as exc:
        return _wizard(
            409,
            error=_("A device could not be read: nothing was allocated."),
            plan=exc.plan,
            chosen=chosen,
        )
    except (OnboardingInputError, OnboardingRefused) as exc:
        return _wizard(
            422,
            error=_("Refused, nothing was changed: %(reason)s", reason=str(exc)),
            chosen=chosen,
        )
    except (InventoryError, ProvisioningError) as exc:
        return _wizard(422, error=str(exc), chosen=chosen)
    return _Planned(plan, chosen)


@bp.post("/onboarding/plan")
@needs("inventory.write")
def onboarding_plan() -> Any:
    got = _planned(commit=False)
    if not isinstance(got, _Planned):
        return got
    return _wizard(plan=got.plan, chosen=got.chosen)


@bp.post("/onboarding/submit")
@needs("inventory.write")
def onboarding_submit() -> Any:
    changes = changes_module()
    if changes is None:
        abort(404)
    create_change = changes.create_change  # before anything is allocated
    got = _planned(commit=True)
    if not isinstance(got, _Planned):
        return got
    plan, chosen = got.plan, got.chosen
    change_id = None
    if plan.committed:
        department, node, _zones = chosen
        change_id = create_change(
            inventory(),
            actor=actor(),
            title=f"onboard {department} at {node}",
            intended=plan.intended,
            kind="onboarding",
            meta={"departments": [t.department for t in plan.targets]},
        )
    return _wizard(plan=plan, chosen=chosen, change_id=change_id)


# -- waves: one kind at every node of a level or a county ---------------------------------------
LEVELS = ("township", "village", "county", "city")


def _wave_page(
    status: int = 200,
    *,
    error: str | None = None,
    plan: Any = None,
    chosen: tuple[str, str, str] = ("", "township", ""),
    change_id: int | None = None,
) -> Any:
    from provisioning.kinds import KINDS

    kind, level, county = chosen
    hidden = [("kind", kind), ("level", level), ("county", county)]
    return (
        render_template(
            "wave.html",
            kinds=sorted(KINDS.values(), key=lambda k: k.abbr),
            levels=LEVELS,
            kind=kind,
            level=level,
            county=county,
            error=error,
            plan=plan,
            form=AckForm(),
            can_submit=changes_module() is not None,
            change_id=change_id,
            submit_url=url_for("provisioning.wave_submit"),
            hidden=hidden,
        ),
        status,
    )


@bp.get("/onboarding/wave")
@needs("inventory.write")
def wave() -> Any:
    return _wave_page()


def _wave_planned(commit: bool) -> _Planned | Any:
    from provisioning.errors import ProvisioningError
    from provisioning.kinds import OnboardingInputError
    from provisioning.onboarding import IncompletePlan, PolicyRefused, plan_wave

    if not AckForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind", "").strip()[:64]
    level = request.form.get("level", "township").strip()
    county = request.form.get("county", "").strip()[:64]
    chosen = (kind, level if level in LEVELS else "township", county)
    if not kind:
        return _wave_page(422, error=_("Choose a department kind."), chosen=chosen)
    if county:
        try:
            inventory().show(county)
        except NotFoundError:
            return _wave_page(
                422, error=_("There is no node %(code)s.", code=county), chosen=chosen
            )
        check_node(county, "inventory.write")
    else:
        account = current()
        if account is None or account.scope is not None:
            abort(403)  # a scoped engineer's wave stays inside the scope: name the county
    try:
        plan = plan_wave(
            inventory(),
            kind=kind,
            level=chosen[1],
            county=county or None,
            commit=commit,
            actor=actor(),
        )
    except PolicyRefused as exc:
        return _wave_page(
            409, error=_("The policy gate refuses the plan."), plan=exc.plan, chosen=chosen
        )
    except IncompletePlan as exc:
        return _wave_page(
            409,
            error=_("A device could not be read: nothing was allocated."),
            plan=exc.plan,
            chosen=chosen,
        )
    except OnboardingInputError as exc:
        return _wave_page(
            422,
            error=_("Refused, nothing was changed: %(reason)s", reason=str(exc)),
            chosen=chosen,
        )
    except (InventoryError, ProvisioningError) as exc:
        return _wave_page(422, error=str(exc), chosen=chosen)
    return _Planned(plan, chosen)


@bp.post("/onboarding/wave/plan")
@needs("inventory.write")
def wave_plan() -> Any:
    got = _wave_planned(commit=False)
    if not isinstance(got, _Planned):
        return got
    return _wave_page(plan=got.plan, chosen=got.chosen)


@bp.post("/onboarding/wave/submit")
@needs("inventory.write")
def wave_submit() -> Any:
    changes = changes_module()
    if changes is None:
        abort(404)
    create_change = changes.create_change  # before anything is allocated
    got = _wave_planned(commit=True)
    if not isinstance(got, _Planned):
        return got
    kind, level, county = got.chosen
    change_id = None
    if got.plan.committed:
        change_id = create_change(
            inventory(),
            actor=actor(),
            title=f"onboarding wave {kind} at {county or level}",
            intended=got.plan.intended,
            kind="onboarding",
            meta={"departments": [t.department for t in got.plan.targets]},
        )
    return _wave_page(plan=got.plan, chosen=(kind, level, county), change_id=change_id)
