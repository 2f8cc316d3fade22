"""The two blueprints of the admin: its pages (`/admin`) and the JSON API (`/api`).

Both share one setup (the login guard, the session cookie, template filters) and one
error page; each lists its routes in a `register_*` function of its own module.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

from oai.harvest import in_words, sync_if_changed
from oai.scheduler.words import schedule_in_words
from oai.web.admin.api import register_api
from oai.web.admin.api_sources import register_source_writes
from oai.web.admin.auth import admin_state, csrf_token, current_account, guard_request, may
from oai.web.admin.exports import register_exports
from oai.web.admin.inputs import RowIdConverter
from oai.web.admin.people import register_people
from oai.web.admin.sets import register_sets
from oai.web.admin.sources import register_sources
from oai.web.admin.views import register_views
from oai.web.admin.withdrawals import register_withdrawals, register_withdrawals_api
from oai.web.context import current_hub
from oai.web.security import secure_cookie

__all__ = ["admin_blueprint", "api_blueprint", "human_time"]


def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    assert isinstance(app, Flask)
    if "oaihub.admin.guard" in app.extensions:
        return  # the other blueprint installed it already
    app.extensions["oaihub.admin.guard"] = True
    app.url_map.converters["id"] = RowIdConverter
    admin_state(app)
    # the session cookie: not readable by scripts, not sent on cross-site POSTs
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SECURE"] = secure_cookie(app.extensions["oaihub"].settings)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.before_request(guard_request)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_account"] = current_account
    app.jinja_env.globals["may"] = may
    app.jinja_env.globals["configuration_notice"] = _configuration_notice
    app.before_request(_configuration_check)
    app.jinja_env.filters["utc"] = _utc
    app.jinja_env.filters["human"] = human_time
    app.jinja_env.filters["in_words"] = in_words
    app.register_error_handler(403, _admin_error)
    app.jinja_env.filters["schedule_words"] = schedule_in_words
    app.register_error_handler(404, _admin_error)
    app.register_error_handler(500, _admin_error)


def _configuration_check() -> None:
    """The configuration file's sources as it says now, written to the run log when it
    changed (a stat per admin or API request), so pages and the scheduler agree."""
    if request.path.startswith(("/admin", "/api")):
        sync_if_changed(current_hub())


def _configuration_notice() -> str | None:
    """What the admin pages say when the configuration file changed after start."""
    watched = current_hub().config_file
    if watched.error:
        return (
            f"The configuration file changed but cannot be used ({watched.error}); the "
            "sources read before stay until it is mended."
        )
    if watched.version:
        return (
            "The configuration file changed since this web app started: its sources are "
            "shown as it says now; any other setting changed there applies after a restart "
            "of the web app (and `oai scheduler --reload` for the scheduler)."
        )
    return None


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "—"


def human_time(value: datetime | None, now: datetime | None = None) -> str:
    """A time as people read it: "3 Dec 2026, 17:05 UTC (2 hours ago)"."""
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    now = now or datetime.now(UTC)
    seconds = int((now - value).total_seconds())
    ago = _ago(abs(seconds))
    when = f"{value.day} {value:%b %Y, %H:%M} UTC"
    return f"{when} ({ago} ago)" if seconds >= 0 else f"{when} (in {ago})"


def _ago(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "moments" if seconds < 10 else f"{seconds} seconds"


def _admin_error(error: Exception) -> ResponseReturnValue:
    """The admin's own 403, 404 and 500 pages under /admin; elsewhere Flask's answer stands."""
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if request.path.startswith("/api"):  # the API answers in JSON, as its own handler does
        http = error if isinstance(error, HTTPException) else InternalServerError()
        response = jsonify(error=http.name.lower().replace(" ", "_"), message=http.description)
        response.status_code = code
        return response
    if not request.path.startswith("/admin"):
        if isinstance(error, HTTPException):
            return error
        return InternalServerError()
    if code == 404:
        title, text = "Not found", "There is no such page, record or run here."
    elif code == 403:
        title, text = "Not allowed", "Your account's role does not allow this."
    else:
        title, text = "Something went wrong", "The server failed to answer; it is logged."
    description = getattr(error, "description", None) if code in (403, 404) else None
    body = render_template(
        "admin/error.html", code=code, title=title, text=text, description=description
    )
    return body, code


def admin_blueprint() -> Blueprint:
    """The admin pages under /admin (templates and CSS shipped in the package)."""

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
    register_sources(bp)
    register_people(bp)
    register_withdrawals(bp)
    register_exports(bp)
    register_sets(bp)
    return bp


def api_blueprint() -> Blueprint:
    """The JSON API under /api, with its OpenAPI document at /api/openapi.json."""

    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.record_once(_setup)
    register_withdrawals_api(bp)
    register_api(bp)
    register_source_writes(bp)
    return bp
