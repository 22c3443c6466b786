"""Change pages: the list of changes, a change's detail (devices, diffs, commands, history)
and its actions: the policy gate (check), approval (four-eyes), push and rollback.

The change engine is provisioning's (:mod:`provisioning.changes`, :mod:`provisioning.push`):
these views only read it and call it, and it writes the event and audit rows of every state
change itself. The web layer adds one audit row per action asked for in the console (source
``web``: who pressed which button), so a refused request is on record too.

Push and rollback run in a thread of the console process, one per change at a time (the
change's own ``pushing`` state keeps a second pusher off it); the detail page polls
``/changes/<id>/progress`` (``web/static/changes.js``) for each device's state, which the
pusher writes ahead of each step.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from inventory.accounts import PermissionDenied
from provisioning import changes as ch

from ..security import actor, current, needs
from .common import inventory

log = logging.getLogger(__name__)
bp = Blueprint("changes", __name__)

#: the console's words for change and device states
WORDS = {
    "draft": _l("draft"),
    "checked": _l("checked"),
    "approved": _l("approved"),
    "pushing": _l("pushing"),
    "confirmed": _l("confirmed"),
    "rolled_back": _l("rolled back"),
    "failed": _l("failed"),
    "pending": _l("waiting"),
    "skipped": _l("no change needed"),
    "committing": _l("committing"),
    "committed": _l("committed"),
    "confirming": _l("confirming"),
    "rolling_back": _l("rolling back"),
    "reverting": _l("reverting"),
}
KINDS = {"onboarding": _l("onboarding"), "manual": _l("manual"), "wave": _l("wave")}
#: why an action was refused (``?error=``)
ERRORS = {
    "author": _l("You are the author of this change: another engineer must approve it."),
    "state": _l("This action is not possible in the change's current state."),
    "scope": _l("A device of this change lies outside your scope."),
    "gate": _l("The policy gate refuses this change: it would introduce the violations below."),
    "stale": _l("The inventory no longer intends what this change holds; create it again."),
    "running": _l("A push of this change is already running."),
}
#: device states a push or rollback has finished with
FINAL = frozenset({ch.CONFIRMED, ch.ROLLED_BACK, ch.FAILED, ch.SKIPPED})


class ActionForm(FlaskForm):
    pass


# -- helpers ---------------------------------------------------------------------------------
def _threads() -> dict[int, threading.Thread]:
    found: dict[int, threading.Thread] = current_app.extensions.setdefault(
        "egovnet.change_threads", {}
    )
    return found


_LOCK = threading.Lock()


def running(change_id: int) -> bool:
    thread = _threads().get(change_id)
    return thread is not None and thread.is_alive()


def _subtree_nodes(codes: list[str]) -> bool:
    """True when the current account may see a change of these devices (a scoped account:
    at least one device in its subtree)."""
    account = current()
    if account is None or account.scope is None:
        return True
    from inventory.accounts import ancestry

    with inventory().sessions() as session:
        return any(account.scope in (ancestry(session, code) or [code]) for code in codes)


def load(change_id: int) -> ch.ChangeInfo:
    """The change, 404 when absent, 403 when no device lies in the account's subtree."""
    if not 0 < change_id < 2**63:  # no database integer is that large
        abort(404)
    try:
        info = ch.get_change(inventory(), change_id)
    except ch.UnknownChangeError:
        abort(404)
    if not _subtree_nodes([d.node for d in info.devices]):
        abort(403)
    return info


def counts(info: ch.ChangeInfo) -> dict[str, int]:
    return dict(Counter(d.state for d in info.devices))


def progress_of(info: ch.ChangeInfo) -> dict[str, Any]:
    """The change's state, each device's, and how many devices are done (skipped excluded)."""
    todo = [d for d in info.devices if d.state != ch.SKIPPED]
    done = sum(1 for d in todo if d.state in FINAL)
    return {
        "id": info.id,
        "state": info.state,
        "state_label": str(WORDS.get(info.state, info.state)),
        "running": running(info.id),
        "total": len(todo),
        "done": done,
        "devices": [
            {
                "node": d.node,
                "state": d.state,
                "state_label": str(WORDS.get(d.state, d.state)),
                "error": d.error,
            }
            for d in info.devices
        ],
    }


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ch.FourEyesError):
        return "author"
    if isinstance(exc, PermissionDenied):
        return "scope"
    if isinstance(exc, ch.GateRefused):
        return "gate"
    if type(exc).__name__ == "StaleChange":
        return "stale"
    return "state"


def _audit(action: str, change_id: int, **details: Any) -> None:
    inventory().audit.append(
        actor(), f"change.web.{action}", f"change {change_id}", details, source="web"
    )


def start(change_id: int, mode: str) -> str | None:
    """Start a push or rollback of the change in a thread; None, or why it was refused."""
    from provisioning.push import PushSettings, push_change, rollback_change

    inv = inventory()
    who = actor()
    settings = current_app.extensions["egovnet"].get("push_settings") or PushSettings()
    info = ch.get_change(inv, change_id)
    with _LOCK:
        if running(change_id):
            return "running"
        if mode == "push" and (info.state not in (ch.APPROVED, ch.PUSHING, ch.FAILED)):
            return "state"
        if mode == "rollback" and info.state not in (
            ch.CONFIRMED,
            ch.FAILED,
            ch.PUSHING,
            ch.ROLLED_BACK,
        ):
            return "state"
        try:
            ch.authorize(inv, who, "change.push", [d.node for d in info.devices])
        except PermissionDenied:
            return "scope"
        func: Any = push_change if mode == "push" else rollback_change

        def work() -> None:
            try:
                result = func(inv, change_id, actor=who, settings=settings)
                log.info("change %d: %s ended %s", change_id, mode, result.state)
            except ch.ChangeError as exc:
                log.error("change %d: %s refused: %s", change_id, mode, exc)
            except Exception:
                log.exception("change %d: %s failed", change_id, mode)

        thread = threading.Thread(target=work, name=f"change-{mode}-{change_id}", daemon=True)
        _threads()[change_id] = thread
        thread.start()
    return None


def _back(change_id: int, error: str | None = None) -> Any:
    if error:
        return redirect(url_for("changes.change", change_id=change_id, error=error))
    return redirect(url_for("changes.change", change_id=change_id))


def _form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


# -- pages -----------------------------------------------------------------------------------
@bp.get("/changes")
@needs("config.read")
def changes() -> Any:
    state = request.args.get("state", "").strip()
    if state and state not in ch.CHANGE_STATES:
        abort(400)
    rows = []
    for listed in ch.list_changes(inventory(), state=state or None, limit=500):
        info = ch.get_change(inventory(), listed.id)
        if _subtree_nodes([d.node for d in info.devices]):
            rows.append({"change": info, "counts": counts(info)})
    return render_template("changes.html", rows=rows, chosen=state, states=ch.CHANGE_STATES)


@bp.get("/changes/<int:change_id>")
@needs("config.read")
def change(change_id: int) -> Any:
    info = load(change_id)
    verdict = info.meta.get("verdict") if isinstance(info.meta, dict) else None
    return render_template(
        "change.html",
        c=info,
        counts=counts(info),
        progress=progress_of(info),
        verdict=verdict,
        form=ActionForm(),
        error=ERRORS.get(request.args.get("error", "")),
        error_key=request.args.get("error", ""),
    )


@bp.get("/changes/<int:change_id>/progress")
@needs("config.read")
def progress(change_id: int) -> Any:
    return jsonify(progress_of(load(change_id)))


@bp.post("/changes/<int:change_id>/check")
@needs("change.create")
def check(change_id: int) -> Any:
    _form()
    load(change_id)
    _audit("check", change_id)
    try:
        ch.check_change(inventory(), change_id, actor=actor())
    except (ch.ChangeError, PermissionDenied) as exc:
        log.info("change %d: check refused: %s", change_id, exc)
        return _back(change_id, _refusal(exc))
    return _back(change_id)


@bp.post("/changes/<int:change_id>/approve")
@needs("change.approve")
def approve(change_id: int) -> Any:
    _form()
    info = load(change_id)
    _audit("approve", change_id)
    try:
        if info.state == ch.DRAFT and info.author != actor().name:
            ch.check_change(inventory(), change_id, actor=actor())
        ch.approve_change(inventory(), change_id, actor())
    except (ch.ChangeError, PermissionDenied) as exc:
        log.info("change %d: approval refused: %s", change_id, exc)
        return _back(change_id, _refusal(exc))
    return _back(change_id)


@bp.post("/changes/<int:change_id>/push")
@needs("change.push")
def push(change_id: int) -> Any:
    _form()
    load(change_id)
    _audit("push", change_id)
    return _back(change_id, start(change_id, "push"))


@bp.post("/changes/<int:change_id>/rollback")
@needs("change.push")
def rollback(change_id: int) -> Any:
    _form()
    load(change_id)
    _audit("rollback", change_id)
    return _back(change_id, start(change_id, "rollback"))


@bp.app_context_processor
def change_helpers() -> dict[str, Any]:
    return {
        "change_word": lambda value: WORDS.get(value, value),
        "change_kind": lambda value: KINDS.get(value, value),
    }
