"""The admin pages (`/admin`) and their JSON API (`/api`), closed to anyone not logged in.

`oai.app` registers both: `app.register_blueprint(admin_blueprint())` and
`app.register_blueprint(api_blueprint())`.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

__all__ = ["admin_blueprint", "api_blueprint"]


def _setup(state: BlueprintSetupState) -> None:
    from oai.web.admin.auth import admin_state, csrf_token, guard_request

    app = state.app
    assert isinstance(app, Flask)
    if "oaihub.admin.guard" in app.extensions:
        return  # the other blueprint installed it already
    app.extensions["oaihub.admin.guard"] = True
    admin_state(app)
    # the session cookie: not readable by scripts, not sent on cross-site POSTs
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.before_request(guard_request)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters["utc"] = _utc


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "—"


def admin_blueprint() -> Blueprint:
    """The admin pages under /admin (templates and CSS shipped in the package)."""
    from oai.web.admin.views import register_views

    bp = Blueprint(
        "admin",
        __name__,
        url_prefix="/admin",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    bp.record_once(_setup)
    register_views(bp)
    return bp


def api_blueprint() -> Blueprint:
    """The JSON API under /api, with its OpenAPI document at /api/openapi.json."""
    from oai.web.admin.api import register_api

    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.record_once(_setup)
    register_api(bp)
    return bp
