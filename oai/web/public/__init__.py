"""The public pages of the hub: a record's page at `/records/<id>` (no login)."""

from __future__ import annotations

from flask import Blueprint

from oai.web.public.pages import register_pages

__all__ = ["public_blueprint"]


def public_blueprint() -> Blueprint:
    """The public record pages (templates and CSS shipped in the package)."""
    blueprint = Blueprint(
        "public",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/public/static",
    )
    register_pages(blueprint)
    return blueprint
