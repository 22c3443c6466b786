"""The console's page blueprints: auth, dashboard, inventory, monitoring, admin, security, provisioning."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _

from . import admin, auth, dashboard, inventory, monitoring, provisioning
from . import security as security_pages


def register(app: Flask) -> None:
    for module in (auth, dashboard, inventory, monitoring, admin, security_pages, provisioning):
        app.register_blueprint(module.bp)
    from . import changes as change_pages

    app.register_blueprint(change_pages.bp)

    @app.context_processor
    def chrome() -> dict[str, Any]:
        from flask import request

        from ..security import current
        from .forms import LogoutForm

        account = current()
        return {
            "account": account,
            "logout_form": LogoutForm() if account is not None else None,
            "other_lang": "en" if _locale() == "zh_CN" else "zh_CN",
            "lang": _locale(),
            "endpoint": request.endpoint or "",
        }

    for code, title in ((403, "forbidden"), (404, "not_found"), (400, "bad_request")):
        _error_page(app, code, title)


def _locale() -> str:
    from ..app import language

    return language()


def _error_page(app: Flask, code: int, key: str) -> None:
    def handler(_exc: Any) -> Any:
        from flask import jsonify, request

        if request.path.startswith("/api/"):
            return jsonify(code=code, status=key), code
        messages = {
            "forbidden": _("You do not have the right to see or do this."),
            "not_found": _("There is no such page."),
            "bad_request": _("The request was not valid (the form may have expired)."),
        }
        return render_template("error.html", code=code, message=messages[key]), code

    app.register_error_handler(code, handler)
