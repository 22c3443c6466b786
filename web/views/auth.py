"""Login and logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from inventory.accounts import AuthError
from inventory.audit import Actor

from ..security import current, needs, public
from .forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)


def _safe(target: str | None) -> str:
    """Only same-site paths (no open redirect)."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if current() is not None and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        egov = current_app.extensions["egovnet"]
        inventory = egov["inventory"]
        try:
            account = inventory.accounts.authenticate(form.name.data, form.password.data)
        except AuthError as exc:
            text = str(exc)
            if "locked" in text:
                error = _("The account is locked after 5 failed logins; try again in 30 minutes.")
            elif "expired" in text:
                error = _("The account has expired.")
            elif "disabled" in text:
                error = _("The account is disabled.")
            else:
                error = _("Wrong user name or password.")
            inventory.audit.append(
                Actor(str(form.name.data)[:64], "-"),
                "auth.login_failed",
                str(form.name.data)[:64],
                {"address": request.remote_addr},
                source="web",
            )
        else:
            lang = session.get("lang")
            session.clear()
            session.rotate = True  # type: ignore[attr-defined]
            session["user_id"] = account.id
            if lang:
                session["lang"] = lang
            inventory.audit.append(
                Actor(account.name, account.role.value, account.contractor),
                "auth.login",
                account.name,
                {"address": request.remote_addr},
                source="web",
            )
            return redirect(_safe(request.args.get("next")))
    elif request.method == "POST":
        error = _("Wrong user name or password.") if form.errors.keys() - {"csrf_token"} else None
        if "csrf_token" in form.errors:
            error = _("The form has expired; please try again.")
    status = 200 if error is None else 401
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
@needs("inventory.read")
def logout() -> Any:
    form = LogoutForm()
    if form.validate_on_submit():
        session.clear()
    return redirect(url_for("auth.login"))
