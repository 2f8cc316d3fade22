"""The Flask application factory: one app per process, no module-level state."""

from __future__ import annotations

from flask import Flask, redirect, url_for
from werkzeug.wrappers import Response

from oai.hub import Hub
from oai.settings import Settings, load_settings
from oai.web.admin import admin_blueprint, api_blueprint
from oai.web.context import attach_hub, hub_of
from oai.web.oai_endpoint import create_oai_blueprint
from oai.web.public import public_blueprint
from oai.web.schemas import schemas_blueprint
from oai.web.security import install_security

__all__ = ["create_app", "hub_of"]


def create_app(settings: Settings | None = None, hub: Hub | None = None) -> Flask:
    """Build the web app: the OAI-PMH endpoint, the admin pages and the JSON API."""
    if hub is None:
        hub = Hub.from_settings(settings or load_settings())
    app = Flask(__name__)
    # a key of its own, derived from the secret: see oai.keys
    app.config["SECRET_KEY"] = hub.keys.admin_sessions
    attach_hub(app, hub)
    install_security(app, hub.settings)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Each part of the service adds its blueprint here, one line each.
    app.add_url_rule("/", "index", _index)

    app.register_blueprint(create_oai_blueprint())

    app.register_blueprint(admin_blueprint())
    app.register_blueprint(api_blueprint())
    app.register_blueprint(public_blueprint())
    app.register_blueprint(schemas_blueprint())


def _index() -> Response:
    """The root leads people to the admin pages (which ask them to log in)."""
    return redirect(url_for("admin.dashboard"))
