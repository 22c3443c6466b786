"""The changes part of the JSON API: list, one change with its devices and history, and the
actions approve, push and rollback.

Same rules as :mod:`web.api`: marshmallow schemas validate the requests and generate the
OpenAPI document; a body that fails validation gets 422 with the fields named; writes need
``Authorization: Bearer <token>``. The author approving their own change answers 403 (four
eyes), as does a device outside the account's scope; a change whose state does not allow the
action answers 409, and so does a gate refusal (with the violations). Push and rollback start
in a thread of the console (202, like the page's button) and the change's state tells the
outcome; ``"wait": true`` answers when they have ended, with the result per device.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from inventory.accounts import PermissionDenied
from provisioning import changes as ch

from .api import _writes_need_a_token
from .security import actor, needs
from .views.changes import _audit, _subtree_nodes, load, progress_of, running, start
from .views.common import inventory

blp = Blueprint("api_changes", __name__, url_prefix="/api/v1", description="Changes")


class ChangeDeviceSchema(Schema):
    node = fields.String(required=True)
    platform = fields.String()
    source = fields.String()
    state = fields.String(required=True)
    error = fields.String(allow_none=True)
    diff = fields.List(fields.String())
    commands = fields.List(fields.String())
    rollback = fields.List(fields.String())
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class ChangeEventSchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    node = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True, data_key="from")
    to_state = fields.String(data_key="to")
    detail = fields.String(allow_none=True)


class ChangeSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String()
    author = fields.String()
    created = fields.DateTime()
    state = fields.String(required=True)
    approver = fields.String(allow_none=True)
    devices_by_state = fields.Dict(keys=fields.String(), values=fields.Integer())


class ChangeDetailSchema(ChangeSchema):
    meta = fields.Dict()
    running = fields.Boolean()
    devices = fields.List(fields.Nested(ChangeDeviceSchema))
    events = fields.List(fields.Nested(ChangeEventSchema))


class ChangeQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(ch.CHANGE_STATES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ActionSchema(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class PushSchema(Schema):
    wait = fields.Boolean(load_default=False)


class ProgressDeviceSchema(Schema):
    node = fields.String()
    state = fields.String()
    state_label = fields.String()
    error = fields.String(allow_none=True)


class ProgressSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    state_label = fields.String()
    running = fields.Boolean()
    total = fields.Integer()
    done = fields.Integer()
    devices = fields.List(fields.Nested(ProgressDeviceSchema))


def _json(info: ch.ChangeInfo, *, detail: bool) -> dict[str, Any]:
    by_state: dict[str, int] = {}
    for d in info.devices:
        by_state[d.state] = by_state.get(d.state, 0) + 1
    out: dict[str, Any] = {
        "id": info.id,
        "title": info.title,
        "kind": info.kind,
        "author": info.author,
        "created": info.created,
        "state": info.state,
        "approver": info.approver,
        "devices_by_state": by_state,
    }
    if detail:
        out["meta"] = info.meta
        out["running"] = running(info.id)
        out["devices"] = list(info.devices)
        out["events"] = list(info.events)
    return out


@blp.route("/changes")
@blp.arguments(ChangeQuerySchema, location="query")
@blp.response(200, ChangeSchema(many=True))
@needs("config.read")
def list_changes(args: dict[str, Any]) -> Any:
    """Changes, newest first (a scoped account sees those touching its subtree)."""
    out = []
    for listed in ch.list_changes(inventory(), state=args.get("state"), limit=args["limit"]):
        info = ch.get_change(inventory(), listed.id)
        if _subtree_nodes([d.node for d in info.devices]):
            out.append(_json(info, detail=False))
    return out


def _load(change_id: int) -> ch.ChangeInfo:
    from werkzeug.exceptions import NotFound

    try:
        return load(change_id)
    except NotFound:
        abort(404, message=f"no change {change_id}")
        raise AssertionError from None  # abort raised


@blp.route("/changes/<int:change_id>")
@blp.response(200, ChangeDetailSchema)
@needs("config.read")
def get_change(change_id: int) -> Any:
    """One change with its devices (diff, commands, state, error) and its history."""
    return _json(_load(change_id), detail=True)


@blp.route("/changes/<int:change_id>/progress")
@blp.response(200, ProgressSchema)
@needs("config.read")
def change_progress(change_id: int) -> Any:
    """The change's state and each device's, and how many are done (polled while pushing)."""
    return progress_of(_load(change_id))


def _refuse(change_id: int, exc: Exception) -> None:
    if isinstance(exc, ch.FourEyesError | PermissionDenied):
        abort(403, message=str(exc))
    if isinstance(exc, ch.GateRefused):
        abort(
            409,
            message=str(exc),
            errors={"introduced": [v.to_dict() for v in exc.verdict.introduced]},
        )
    if isinstance(exc, ch.UnknownChangeError):
        abort(404, message=str(exc))
    abort(409, message=str(exc))


@blp.route("/changes/<int:change_id>/approve", methods=["POST"])
@blp.arguments(ActionSchema)
@blp.response(200, ChangeDetailSchema)
@needs("change.approve")
def approve_change(args: dict[str, Any], change_id: int) -> Any:
    """Approve a change (a draft is checked by the policy gate first); the author is refused
    with 403 (four eyes; token only)."""
    _writes_need_a_token()
    info = _load(change_id)
    who = actor()
    _audit("approve", change_id, via="api", comment=args.get("comment"))
    try:
        if info.state == ch.DRAFT and info.author != who.name:
            ch.check_change(inventory(), change_id, actor=who)
        ch.approve_change(inventory(), change_id, who)
    except (ch.ChangeError, PermissionDenied) as exc:
        _refuse(change_id, exc)
    return _json(_load(change_id), detail=True)


def _run(change_id: int, mode: str, args: dict[str, Any]) -> Any:
    _writes_need_a_token()
    _load(change_id)
    _audit(mode, change_id, via="api")
    why = start(change_id, mode)
    if why == "scope":
        abort(403, message=f"a device of change {change_id} lies outside your scope")
    if why is not None:
        state = ch.get_change(inventory(), change_id).state
        abort(409, message=f"change {change_id} is {state}: {mode} refused ({why})")
    if args.get("wait"):
        from flask import current_app

        thread = current_app.extensions["egovnet.change_threads"].get(change_id)
        if thread is not None:
            thread.join()
        return _json(_load(change_id), detail=True), 200
    return _json(_load(change_id), detail=True), 202


@blp.route("/changes/<int:change_id>/push", methods=["POST"])
@blp.arguments(PushSchema)
@blp.response(202, ChangeDetailSchema)
@blp.alt_response(200, schema=ChangeDetailSchema, description="with wait: the push has ended")
@needs("change.push")
def push_change(args: dict[str, Any], change_id: int) -> Any:
    """Push an approved change in the background (202); ``wait`` answers at the end (token
    only)."""
    return _run(change_id, "push", args)


@blp.route("/changes/<int:change_id>/rollback", methods=["POST"])
@blp.arguments(PushSchema)
@blp.response(202, ChangeDetailSchema)
@blp.alt_response(200, schema=ChangeDetailSchema, description="with wait: the rollback has ended")
@needs("change.push")
def rollback_change(args: dict[str, Any], change_id: int) -> Any:
    """Undo a pushed change on its confirmed devices, in the background (token only)."""
    return _run(change_id, "rollback", args)
