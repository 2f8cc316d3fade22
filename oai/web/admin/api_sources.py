"""The JSON API's writes to sources: add, change, remove, and ask for a run.

`POST /api/sources` (a JSON object of `[[sources]]` keys), `PATCH /api/sources/<id>`
(the keys to change), `DELETE /api/sources/<id>?records=tombstone|keep`,
`POST /api/sources/<id>/harvest` (`{"full": false}`). The rules are the admin pages'
and the CLI's (`oai.source_admin`); a script authenticates with its X-API-Token (no CSRF
token then), and the guard checks the token's role against the route's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from oai.harvest import SourceEntry, table_of
from oai.scheduler.asked import ask_for_run
from oai.source_admin import (
    AFTER_REMOVAL,
    SourceRefused,
    entry_of,
    records_of,
    remove_source,
    save_source,
    source_of_values,
)
from oai.web.admin.auth import who
from oai.web.context import current_hub

__all__ = ["register_source_writes"]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="the body must be a JSON object of source keys")
    return body


def _text(value: object) -> str:
    """A JSON value as the text the form and the CLI give (the one set of rules)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if not all(isinstance(v, str) and "," not in v for v in value):
            abort(400, description="a list holds strings without commas")
        return ",".join(value)
    if not isinstance(value, str | int | float):
        abort(400, description=f"not a value a source key takes: {type(value).__name__}")
    return str(value)


def _source_json(entry: SourceEntry) -> dict[str, Any]:
    return {**table_of(entry.settings), "origin": entry.origin}


def _saved(values: dict[str, str], *, adding: bool, status: int) -> Response:
    hub = current_hub()
    try:
        source = source_of_values(hub, values)
        save_source(hub, source, who=who(), adding=adding)
    except SourceRefused as exc:
        abort(409 if "already" in str(exc) else 400, description=str(exc))
    entry = entry_of(hub, source.id)
    assert entry is not None
    response = jsonify(_source_json(entry))
    response.status_code = status
    return response


def add_source() -> Response:
    values = {k: _text(v) for k, v in _body().items()}
    values.setdefault("enabled", "true")
    return _saved(values, adding=True, status=201)


def edit_source(source_id: str) -> Response:
    entry = _entry(source_id)
    current = {k: _text(v) for k, v in table_of(entry.settings).items()}
    changes = {k: _text(v) for k, v in _body().items()}
    if changes.get("id", source_id) != source_id:
        abort(400, description="the id never changes: runs and records name it")
    return _saved({**current, **changes, "id": source_id}, adding=False, status=200)


def delete_source(source_id: str) -> Response:
    _entry(source_id)
    choice = request.args.get("records", "")
    if choice not in AFTER_REMOVAL:
        count = records_of(current_hub(), source_id)
        abort(
            400,
            description=f"{source_id} has {count} live records: say what becomes of them"
            " with ?records=tombstone (served as deleted) or ?records=keep (local records)",
        )
    removed = remove_source(current_hub(), source_id, records=choice, who=who())  # type: ignore[arg-type]
    return jsonify(source=source_id, records=removed.records, kept=removed.kept)


def harvest_source(source_id: str) -> Response:
    _entry(source_id, editable_only=False)
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict) or not isinstance(body.get("full", False), bool):
        abort(400, description='the body is {"full": true|false} or empty')
    asked = ask_for_run(current_hub(), source_id, full=bool(body.get("full")), by=who())
    response = jsonify(source=source_id, queued=asked.queued, what=asked.what or None)
    response.status_code = 202 if asked.queued else 200
    return response


def _entry(source_id: str, *, editable_only: bool = True) -> SourceEntry:
    entry = entry_of(current_hub(), source_id)
    if entry is None:
        abort(404, description=f"no source {source_id!r}")
    if editable_only and not entry.editable:
        abort(403, description=f"{source_id} comes from the configuration file: change it there")
    return entry


def register_source_writes(bp: Blueprint) -> None:
    bp.add_url_rule("/sources", "source_add", add_source, methods=["POST"])
    bp.add_url_rule("/sources/<source_id>", "source_edit", edit_source, methods=["PATCH"])
    bp.add_url_rule("/sources/<source_id>", "source_delete", delete_source, methods=["DELETE"])
    bp.add_url_rule(
        "/sources/<source_id>/harvest", "source_harvest", harvest_source, methods=["POST"]
    )
