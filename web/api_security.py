"""The security part of the JSON API: findings (list, one, lifecycle), campaigns, policy.

Same rules as :mod:`web.api`: marshmallow schemas validate the requests and
generate the OpenAPI document; a body or query that fails validation gets 422
with the fields named; writes need ``Authorization: Bearer <token>``. A
lifecycle command the finding's state does not allow answers 409; a false
positive without a reason answers 422 naming ``reason``. The findings store
audits every transition in its own transaction (source ``api``).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from security.errors import SecurityError
from security.findings import TRANSITIONS, FindingError
from security.models import SEVERITIES, STATES

from .api import _writes_need_a_token
from .security import actor, needs
from .views.security import _subtree, _visible, component, intent

blp = Blueprint(
    "api_security", __name__, url_prefix="/api/v1", description="Findings, campaigns, policy"
)
_TEXT = validate.Length(max=100)


class FindingSchema(Schema):
    id = fields.Integer(required=True)
    check = fields.String(required=True)
    severity = fields.String(required=True)
    state = fields.String(required=True)
    node = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    key = fields.String()
    title = fields.String()
    evidence = fields.Raw(allow_none=True)
    fix = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    source = fields.String()
    seen_count = fields.Integer()
    reopened = fields.Integer()
    first_seen = fields.DateTime()
    last_seen = fields.DateTime()
    updated_at = fields.DateTime()
    changed_by = fields.String(allow_none=True)


class FindingQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    county = fields.String(validate=_TEXT)
    node = fields.String(validate=_TEXT)
    department = fields.String(validate=_TEXT)
    check = fields.String(validate=_TEXT)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))


class LifecycleSchema(Schema):
    reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=2000)
    )


class RunSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    trigger = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    resumed = fields.Integer()
    targets = fields.Integer(attribute="total")
    done = fields.Integer()
    errors = fields.Integer()
    found = fields.Integer()


class CampaignSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    checks = fields.List(fields.String())
    scope = fields.String()
    cron = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    last_run = fields.Nested(RunSchema, allow_none=True)


class CampaignDetailSchema(CampaignSchema):
    runs = fields.List(fields.Nested(RunSchema))


def _check_names() -> list[str]:
    from security.checks import CHECKS

    return sorted(CHECKS)


class CampaignCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    checks = fields.List(
        fields.String(validate=validate.OneOf(_check_names())),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    scope = fields.String(load_default="all", validate=validate.Length(min=1, max=500))
    cron = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class EvidenceLineSchema(Schema):
    file = fields.String()
    line = fields.Integer()
    text = fields.String()


class ViolationSchema(Schema):
    invariant = fields.String()
    device = fields.String(allow_none=True)
    why = fields.String()
    lines = fields.List(fields.Nested(EvidenceLineSchema))
    observations = fields.List(fields.String())


class InvariantSchema(Schema):
    invariant = fields.String()
    description = fields.String()
    ok = fields.Boolean()
    violations = fields.List(fields.Nested(ViolationSchema))


class DeviceErrorSchema(Schema):
    device = fields.String()
    error = fields.String()


class PolicySchema(Schema):
    checked_at = fields.DateTime()
    devices = fields.Integer()
    ok = fields.Boolean()
    invariants = fields.List(fields.Nested(InvariantSchema))
    errors = fields.List(fields.Nested(DeviceErrorSchema))


# -- findings -------------------------------------------------------------------------------
@blp.route("/findings")
@blp.arguments(FindingQuerySchema, location="query")
@blp.response(200, FindingSchema(many=True))
@needs("findings.read")
def list_findings(args: dict[str, Any]) -> Any:
    """Findings, newest change first (a scoped account sees its subtree only)."""
    return component().findings.list(
        state=args.get("state"),
        severity=args.get("severity"),
        county=args.get("county"),
        node=args.get("node"),
        department=args.get("department"),
        check=args.get("check"),
        nodes=_subtree(),
        newest_first=True,
        limit=args["limit"],
    )


def _finding(finding_id: int, permission: str) -> Any:
    try:
        found = component().findings.get(finding_id)
    except FindingError:
        abort(404, message=f"no finding {finding_id}")
        raise AssertionError from None  # abort raised
    _visible(found, permission)
    return found


@blp.route("/findings/<int:finding_id>")
@blp.response(200, FindingSchema)
@needs("findings.read")
def get_finding(finding_id: int) -> Any:
    """One finding with its evidence and fix."""
    return _finding(finding_id, "findings.read")


def _transition(finding_id: int, command: str, args: dict[str, Any]) -> Any:
    _writes_need_a_token()
    found = _finding(finding_id, "findings.manage")
    reason = (args.get("reason") or "").strip() or None
    if command == "false-positive" and reason is None:
        abort(422, errors={"json": {"reason": ["a false positive needs a reason"]}})
    starts, _target = TRANSITIONS[command]
    if found.state not in starts:
        abort(
            409,
            message=f"finding {finding_id} is {found.state}: {command} needs "
            + " or ".join(starts),
        )
    try:
        return component().findings.transition(
            finding_id, command, actor(), reason=reason, source="api"
        )
    except FindingError as exc:  # changed in between
        abort(409, message=str(exc))


@blp.route("/findings/<int:finding_id>/ack", methods=["POST"])
@blp.arguments(LifecycleSchema)
@blp.response(200, FindingSchema)
@needs("findings.manage")
def ack_finding(args: dict[str, Any], finding_id: int) -> Any:
    """Acknowledge an open finding (token only)."""
    return _transition(finding_id, "ack", args)


@blp.route("/findings/<int:finding_id>/fix", methods=["POST"])
@blp.arguments(LifecycleSchema)
@blp.response(200, FindingSchema)
@needs("findings.manage")
def fix_finding(args: dict[str, Any], finding_id: int) -> Any:
    """Mark a finding fixed (a re-check verifies it; token only)."""
    return _transition(finding_id, "fix", args)


@blp.route("/findings/<int:finding_id>/false-positive", methods=["POST"])
@blp.arguments(LifecycleSchema)
@blp.response(200, FindingSchema)
@needs("findings.manage")
def false_positive_finding(args: dict[str, Any], finding_id: int) -> Any:
    """Mark a finding a false positive; ``reason`` is required (token only)."""
    return _transition(finding_id, "false-positive", args)


# -- campaigns ------------------------------------------------------------------------------
def _campaign_json(view: Any, runs: list[Any], *, detail: bool) -> dict[str, Any]:
    out = {
        "id": view.id,
        "name": view.name,
        "checks": list(view.checks),
        "scope": view.scope,
        "cron": view.cron,
        "created_by": view.created_by,
        "created_at": view.created_at,
        "last_run": runs[-1] if runs else None,
    }
    if detail:
        out["runs"] = runs
    return out


@blp.route("/campaigns")
@blp.response(200, CampaignSchema(many=True))
@needs("campaigns.read")
def list_campaigns() -> Any:
    """Every campaign with its last run."""
    service = component().campaigns
    return [_campaign_json(c, service.runs(c.id), detail=False) for c in service.all()]


@blp.route("/campaigns", methods=["POST"])
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignDetailSchema)
@needs("campaigns.manage")
def create_campaign(args: dict[str, Any]) -> Any:
    """Create a campaign: checks x scope x schedule (``cron`` null: once; token only)."""
    _writes_need_a_token()
    service = component().campaigns
    try:
        made = service.create(
            args["name"],
            ",".join(args["checks"]),
            args["scope"],
            args["cron"],
            actor(),
            source="api",
        )
    except SecurityError as exc:
        text = str(exc)
        field = "cron" if "--cron" in text else "scope" if "scope" in text else "name"
        if "--checks" in text:
            field = "checks"
        abort(422, errors={"json": {field: [text]}})
        raise AssertionError from None  # abort raised
    return _campaign_json(made, [], detail=True)


@blp.route("/campaigns/<int:campaign_id>")
@blp.response(200, CampaignDetailSchema)
@needs("campaigns.read")
def get_campaign(campaign_id: int) -> Any:
    """One campaign and its runs (progress: done of targets)."""
    service = component().campaigns
    try:
        found = service.get(campaign_id)
    except SecurityError:
        abort(404, message=f"no campaign {campaign_id}")
        raise AssertionError from None  # abort raised
    return _campaign_json(found, service.runs(campaign_id), detail=True)


# -- policy ---------------------------------------------------------------------------------
@blp.route("/policy")
@blp.response(200, PolicySchema)
@needs("policy.read")
def policy() -> Any:
    """The four invariants on intent (cached until the inventory changes)."""
    verdict = intent().verdict()
    return {**verdict.to_json(), "checked_at": verdict.checked_at}
