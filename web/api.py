"""The JSON API under ``/api/v1`` (flask-smorest + marshmallow; OpenAPI at ``/api/v1/openapi.json``).

The schemas that validate the requests generate the OpenAPI document. Errors
are JSON; a request that fails validation gets 422 with the offending fields
named (``{"errors": {"json": {"role": [...]}}}``). Reads accept the console's
session cookie or ``Authorization: Bearer <token>``; writes need a token (the
API is exempt from the forms' CSRF tokens, so a cookie alone never writes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, g, request
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import or_, select

from inventory.accounts import Role
from inventory.errors import NotFoundError, ValidationError
from inventory.models import Node
from monitoring import lookup
from monitoring.errors import MonitoringError

from .security import actor, check_node, needs
from .views.common import inventory, monitoring

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="egovnet JSON API")


class NodeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    platform = fields.String(allow_none=True)
    #: 等保 (MLPS) level 2 or 3; null: unset, inherited (docs/SECURITY.md)
    mlps_level = fields.Integer(allow_none=True)


class NodeQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    level = fields.String(validate=validate.OneOf(["city", "county", "township", "village"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class NodeDetailSchema(NodeSchema):
    parents = fields.List(fields.String())
    departments = fields.List(fields.String())
    links = fields.List(fields.String())
    prefixes = fields.List(fields.String())
    mgmt_address = fields.String(allow_none=True)


class DepartmentSchema(Schema):
    code = fields.String(required=True, attribute="department")
    name = fields.String(required=True)
    level = fields.String(required=True)
    node = fields.String(required=True)
    site = fields.String(allow_none=True)
    #: 等保 (MLPS) level 2 or 3; null: unset, inherited (docs/SECURITY.md)
    mlps_level = fields.Integer(allow_none=True)
    prefixes = fields.List(fields.String())
    vlans = fields.List(fields.Integer())


class AlarmSchema(Schema):
    id = fields.Integer(required=True)
    rule = fields.String(required=True)
    severity = fields.String(required=True)
    node = fields.String(required=True)
    object = fields.String(attribute="object_key")
    message = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    open = fields.Boolean()
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)


class AlarmQuerySchema(Schema):
    state = fields.String(
        load_default="active", validate=validate.OneOf(["active", "history", "all"])
    )
    node = fields.String()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))


class HealthSchema(Schema):
    node = fields.String(required=True)
    up = fields.Boolean(allow_none=True)
    last_poll = fields.DateTime(allow_none=True)
    availability_24h_pct = fields.Float(allow_none=True)
    monitored_24h_pct = fields.Float(allow_none=True)
    open_alarms = fields.Integer()


class UserSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    scope = fields.String(allow_none=True)
    expires = fields.Date(allow_none=True, attribute="expires_on")
    contractor = fields.Boolean(dump_only=True)
    disabled = fields.Boolean(dump_only=True)


class UserCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=64))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    expires = fields.Date(load_default=None, allow_none=True)
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=12, max=256)
    )
    language = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["zh_CN", "en"])
    )


def _writes_need_a_token() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS") and not g.get("via_token"):
        abort(401, message="writes through the API need 'Authorization: Bearer <token>'")


@blp.route("/nodes")
@blp.arguments(NodeQuerySchema, location="query")
@blp.response(200, NodeSchema(many=True))
@needs("inventory.read")
def list_nodes(args: dict[str, Any]) -> Any:
    """Nodes whose code starts with ``q`` or whose name contains it."""
    stmt = select(Node).order_by(Node.code).limit(args["limit"])
    if args["q"]:
        stmt = stmt.where(or_(Node.code.startswith(args["q"]), Node.name.contains(args["q"])))
    if args.get("level"):
        stmt = stmt.where(Node.level == args["level"])
    with inventory().sessions() as session:
        return list(session.execute(stmt).scalars())


@blp.route("/nodes/<code>")
@blp.response(200, NodeDetailSchema)
@needs("inventory.read")
def get_node(code: str) -> Any:
    """One node: place, departments, links, addresses."""
    try:
        shown = inventory().show(code)
    except NotFoundError:
        abort(404, message=f"no node {code!r}")
    if "node" not in shown:
        abort(404, message=f"{code!r} is a department, not a node")
    check_node(code, "inventory.read")
    return {**shown, "code": shown["node"]}


@blp.route("/departments/<code>")
@blp.response(200, DepartmentSchema)
@needs("inventory.read")
def get_department(code: str) -> Any:
    """One department: its node, site, 等保 level, prefixes and VLANs."""
    try:
        shown = inventory().show(code)
    except NotFoundError:
        abort(404, message=f"no department {code!r}")
    # the scope first: outside it, whether a code is a node or a department stays unsaid
    check_node(shown["node"] if "department" in shown else code, "inventory.read")
    if "department" not in shown:
        abort(404, message=f"{code!r} is a node, not a department")
    return shown


@blp.route("/alarms")
@blp.arguments(AlarmQuerySchema, location="query")
@blp.response(200, AlarmSchema(many=True))
@needs("monitoring.read")
def list_alarms(args: dict[str, Any]) -> Any:
    """Alarms, newest first."""
    state = args["state"]
    return (
        monitoring()
        .alarm_store()
        .alarms(
            open_only=state == "active",
            closed_only=state == "history",
            node=args.get("node"),
            limit=args["limit"],
        )
    )


@blp.route("/alarms/<int:alarm_id>/ack", methods=["POST"])
@blp.response(200, AlarmSchema)
@needs("alarms.ack")
def ack_alarm(alarm_id: int) -> Any:
    """Acknowledge an alarm (token only)."""
    _writes_need_a_token()
    store = monitoring().alarm_store()
    alarm = store.get(alarm_id)
    if alarm is None:
        abort(404, message=f"no alarm {alarm_id}")
        raise AssertionError  # abort raised
    check_node(alarm.node, "alarms.ack")
    who = actor()
    done = store.acknowledge(alarm_id, who.name, datetime.now(UTC))
    inventory().audit.append(
        who, "alarms.ack", f"alarm {alarm_id}", {"rule": alarm.rule}, source="api"
    )
    return done


@blp.route("/health/<code>")
@blp.response(200, HealthSchema)
@needs("monitoring.read")
def node_health(code: str) -> Any:
    """Newest poll and 24-hour availability of a node."""
    mon = monitoring()
    nodes = lookup.nodes(mon.inventory, intervals=mon.intervals)
    node = nodes.get(code)
    if node is None:
        abort(404, message=f"no node {code!r}")
        raise AssertionError  # abort raised
    check_node(code, "monitoring.read")
    try:
        reader = mon.health()
        now = datetime.now(UTC)
        status = reader.node_status(code, now, timedelta(seconds=max(3 * node.interval_s, 300.0)))
        day = reader.node_availability(code, now - timedelta(hours=24), now, node.interval_s)
    except (MonitoringError, OSError) as exc:
        abort(503, message=f"the monitoring database cannot be reached: {type(exc).__name__}")
    return {
        "node": code,
        "up": None if status is None else status.up,
        "last_poll": None if status is None else status.time,
        "availability_24h_pct": day.pct,
        "monitored_24h_pct": day.monitored_pct,
        "open_alarms": len(mon.alarm_store().alarms(open_only=True, node=code)),
    }


@blp.route("/users")
@blp.response(200, UserSchema(many=True))
@needs("users.read")
def list_users() -> Any:
    """Every account (no secrets)."""
    return inventory().accounts.list()


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@needs("users.manage")
def create_user(args: dict[str, Any]) -> Any:
    """Create an account (token only)."""
    _writes_need_a_token()
    try:
        made = inventory().accounts.add(
            args["name"],
            args["role"],
            args["password"],
            scope=args["scope"],
            expires_on=args["expires"],
            language=args["language"],
        )
    except ValidationError as exc:
        abort(422, errors={"json": {exc.field or "_schema": [str(exc)]}})
    inventory().audit.append(
        actor(),
        "users.add",
        made.name,
        {"role": made.role.value, "scope": made.scope},
        source="api",
    )
    return made


def register_api(app: Flask) -> None:
    api = Api(app, spec_kwargs={"info": {"description": "egovnet control plane"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    from .app import RowId

    api.register_converter(
        RowId, lambda _c: {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    )
    api.register_blueprint(blp)
    from .api_security import blp as security_blp

    api.register_blueprint(security_blp)
    from .api_changes import blp as changes_blp

    api.register_blueprint(changes_blp)
    csrf = app.extensions["csrf"]
    csrf.exempt(blp)
    csrf.exempt(security_blp)
    csrf.exempt(changes_blp)
    # the OpenAPI document is public (it holds no data); smorest adds its view itself
    public = app.extensions["egovnet.public"]
    public.update(e for e in app.view_functions if e.startswith("api-docs."))
