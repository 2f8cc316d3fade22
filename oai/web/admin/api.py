"""The JSON API: the admin pages' data for scripts (`/api/...`, documented in openapi.json).

Same login as the pages (the session cookie), or an `X-API-Token` header; see `auth`.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from oai.readiness import source_report
from oai.scheduler.lock import scheduler_running
from oai.web.admin.inputs import int_arg
from oai.web.admin.queries import hub_totals, records_of_run, source_overviews
from oai.web.admin.records import record_view
from oai.web.admin.report import report_response
from oai.web.admin.views import PAGE, event_raw, oai_base, queue_workers, run_filters, runlog
from oai.web.context import current_hub
from records.times import format_datestamp

__all__ = ["openapi_document", "register_api"]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description shipped with the package."""
    text = resources.files("oai.web.admin").joinpath("openapi.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def openapi() -> Response:
    return jsonify(openapi_document())


def sources() -> Response:
    engine = current_hub().engine
    return jsonify(
        sources=[o.to_dict() for o in source_overviews(current_hub())],
        totals=hub_totals(engine, current_hub().store.stats()),
        scheduler_running=scheduler_running(engine),
    )


def workers() -> Response:
    """The `oai worker` processes alive on this database and the harvest each runs."""
    found = queue_workers(current_hub().engine)  # none on SQLite: no job queue there
    return jsonify(
        workers=[
            {
                "id": w.id,
                "last_heartbeat": w.last_heartbeat.isoformat(),
                "source_id": w.source_id,
                "job_id": w.job_id,
                "run_worker": w.run_worker,
            }
            for w in found
        ]
    )


def runs() -> Response:
    filters = run_filters()
    limit = int_arg("limit", PAGE, low=1, high=500) or PAGE
    found = runlog().runs.newest(limit=limit, **filters)
    following = None
    if len(found) == limit:
        args = {k: v for k, v in request.args.items() if k != "before" and v}
        following = url_for("api.runs") + "?" + urlencode({**args, "before": found[-1].id})
    return jsonify(runs=[r.to_dict() for r in found], next=following)


def run(run_id: int) -> Response:
    log = runlog()
    found = log.runs.get(run_id)
    if found is None:
        abort(404, description=f"no run {run_id}")
    events = [
        {
            "id": e.id,
            "at": format_datestamp(e.at),
            "level": e.level,
            "kind": e.kind,
            "message": e.message,
            "page": e.page,
            "identifier": e.identifier,
            "detail": e.detail,
            "raw_url": url_for("api.event_raw", run_id=run_id, event_id=e.id)
            if e.has_raw
            else None,
        }
        for e in log.events.of_run(run_id, limit=1000)
    ]
    changed = [{"id": i, "reason": r} for i, r in records_of_run(current_hub().engine, run_id)]
    return jsonify(run=found.to_dict(), events=events, records=changed)


def failing(source_id: str) -> Response:
    """The source's records that failed and are asked for again until stored or gone."""
    log = runlog()
    if log.sources.get(source_id) is None:
        abort(404, description=f"no source {source_id}")
    found = log.failing.of_source(source_id, limit=10_000)
    return jsonify(
        source=source_id,
        failing=[
            {
                "identifier": f.identifier,
                "where": f.place,
                "message": f.message,
                "attempts": f.attempts,
                "first_failed_at": format_datestamp(f.first_failed_at),
                "last_failed_at": format_datestamp(f.last_failed_at),
                "run_id": f.run_id,
            }
            for f in found
        ],
    )


def record(record_id: str) -> Response:
    view = record_view(current_hub(), record_id, oai_base())
    if view is None:
        abort(404, description=f"no record {record_id}")
    return jsonify(view.to_dict())


def report(run_id: int) -> Response:
    return report_response(run_id)


def source_readiness(source_id: str) -> Response:
    """The readiness report of a source's records (`local`: the hub's own), as JSON."""
    return jsonify(source_report(current_hub(), source_id).to_dict())


def _json_error(error: HTTPException) -> Response:
    response = jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
    response.status_code = error.code or 500
    return response


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/openapi.json", "openapi", openapi)
    bp.add_url_rule("/sources", "sources", sources)
    bp.add_url_rule("/runs", "runs", runs)
    bp.add_url_rule("/workers", "workers", workers)
    bp.add_url_rule("/runs/<id:run_id>", "run", run)
    bp.add_url_rule("/runs/<id:run_id>/events/<id:event_id>/raw", "event_raw", event_raw)
    bp.add_url_rule("/runs/<id:run_id>/report", "report", report)
    bp.add_url_rule("/sources/<source_id>/failing", "failing", failing)
    bp.add_url_rule("/sources/<source_id>/readiness", "source_readiness", source_readiness)
    bp.add_url_rule("/records/<path:record_id>", "record", record)
    bp.register_error_handler(HTTPException, _json_error)
