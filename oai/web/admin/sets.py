"""The admin's sets page: sets defined from a source or a search, added and removed here.

`GET /admin/sets` lists them with a form to add one; `POST /admin/sets` adds,
`POST /admin/sets/<spec>/remove` removes (both with the session's CSRF token).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from oai.harvest.runlog import RunLog
from oai.web.context import current_hub
from records.admin_sets import AdminSetError, AdminSets

__all__ = ["register_sets"]


def sets_page() -> str:
    hub = current_hub()
    return render_template(
        "admin/sets.html",
        sets=AdminSets(hub.store).all(),
        # every source the hub knows: configured, added in the browser, or gone but with
        # records still stored
        sources=sorted(s.id for s in RunLog(hub.engine).sources.all()),
    )


def _field(name: str, limit: int) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value[:limit] or None


def add_set() -> Any:
    kind = request.form.get("kind", "source")
    source_id = _field("source", 100) if kind == "source" else None
    query = _field("query", 600) if kind == "query" else None
    try:
        made = AdminSets(current_hub().store).add(
            _field("spec", 200) or "",
            _field("name", 300) or "",
            description=_field("description", 3000),
            source_id=source_id,
            query=query,
        )
    except AdminSetError as exc:
        abort(400, description=str(exc))
    flash(f"Set {made.spec} added: {made.size} records.")
    return redirect(url_for("admin.sets_page"))


def remove_set(spec: str) -> Any:
    try:
        AdminSets(current_hub().store).remove(spec)
    except AdminSetError as exc:
        abort(404, description=str(exc))
    flash(f"Set {spec} removed (its records stay).")
    return redirect(url_for("admin.sets_page"))


def register_sets(bp: Blueprint) -> None:
    bp.add_url_rule("/sets", "sets_page", sets_page)
    bp.add_url_rule("/sets", "add_set", add_set, methods=["POST"])
    bp.add_url_rule("/sets/<spec>/remove", "remove_set", remove_set, methods=["POST"])
