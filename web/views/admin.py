"""Administration: users (add, disable, enable, unlock) and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from inventory.errors import NotFoundError, ValidationError

from ..security import actor, needs
from .common import inventory
from .forms import UserForm, UserStateForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@needs("users.read")
def users() -> Any:
    return _users_page(UserForm(), None, 200)


def _users_page(form: UserForm, error: str | None, status: int) -> Any:
    return (
        render_template(
            "users.html",
            users=inventory().accounts.list(),
            form=form,
            state_form=UserStateForm(),
            error=error,
        ),
        status,
    )


@bp.post("/users")
@needs("users.manage")
def add_user() -> Any:
    form = UserForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _users_page(form, _("Please correct the marked fields."), 422)
    try:
        made = inventory().accounts.add(
            form.name.data or "",
            form.role.data or "",
            form.password.data or "",
            scope=form.scope.data or None,
            expires_on=form.expires.data,
        )
    except ValidationError as exc:
        field = getattr(form, exc.field or "", None)
        messages = {
            "name": _(
                "Use 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter, not already taken."
            ),
            "role": _("Choose a role."),
            "scope": _("Only an engineer can be scoped, to an existing node code."),
            "password": _(
                "At least 12 characters, mixing two of: lower case, upper case, digits, symbols."
            ),
        }
        if field is not None:
            field.errors = [messages.get(exc.field or "", _("Not valid."))]
        return _users_page(form, _("Please correct the marked fields."), 422)
    inventory().audit.append(
        actor(),
        "users.add",
        made.name,
        {
            "role": made.role.value,
            "scope": made.scope,
            "expires": made.expires_on.isoformat() if made.expires_on else None,
        },
        source="web",
    )
    return redirect(url_for("admin.users"))


@bp.post("/users/<name>/<action>")
@needs("users.manage")
def user_state(name: str, action: str) -> Any:
    if action not in ("disable", "enable", "unlock"):
        abort(404)
    if not UserStateForm().validate_on_submit():
        abort(400)
    accounts = inventory().accounts
    try:
        if action == "unlock":
            accounts.unlock(name)
        else:
            accounts.set_disabled(name, action == "disable")
    except NotFoundError:
        abort(404)
    inventory().audit.append(actor(), f"users.{action}", name, source="web")
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@needs("audit.read")
def audit() -> Any:
    log = inventory().audit
    who = request.args.get("actor") or None
    contractor = request.args.get("contractor") == "1"
    rows = log.rows(limit=200, actor=who, contractor_only=contractor)
    verdict = log.verify()
    return render_template(
        "audit.html", rows=rows, verdict=verdict, who=who or "", contractor=contractor
    )
