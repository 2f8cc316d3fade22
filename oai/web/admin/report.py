"""A run's validation report: the records it rejected, with identifiers, reasons and raw
XML, as CSV or JSON (the run page's downloads and `GET /api/runs/<id>/report`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Response, abort, request

from oai.harvest.runlog import RunLog
from oai.web.context import current_hub
from records.times import format_datestamp

__all__ = ["report_response", "report_rows", "spreadsheet_safe"]

MAX_ROWS = 10_000
FIELDS = ("identifier", "reason", "page", "at", "event", "raw_xml")
# what a spreadsheet reads as the start of a formula (OWASP "CSV injection"), with the
# full-width forms some of them fold into the ASCII ones
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a text starting (after blanks) with a
    formula character gets a leading apostrophe. The JSON report keeps the raw value."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS or value.lstrip(" \n")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def report_rows(log: RunLog, run_id: int) -> list[dict[str, Any]]:
    """One row per rejected record: identifier, reason, page, when, event id, raw XML."""
    rows = []
    for event, raw in log.events.rejected(run_id, limit=MAX_ROWS):
        reason = (event.detail or {}).get("error") or event.message
        rows.append(
            {
                "identifier": event.identifier,
                "reason": reason,
                "page": event.page,
                "at": format_datestamp(event.at),
                "event": event.id,
                "raw_xml": raw.decode("utf-8", errors="replace"),
            }
        )
    return rows


def report_response(run_id: int, fmt: str | None = None) -> Response:
    """The report of a run as a download, CSV or JSON (`format` argument, default JSON)."""
    log = RunLog(current_hub().engine)
    run = log.runs.get(run_id)
    if run is None:
        abort(404, description=f"no run {run_id}")
    fmt = fmt or request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        abort(400, description="format must be json or csv")
    rows = report_rows(log, run_id)
    name = f"run{run_id}-report.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
        return Response(out.getvalue(), mimetype="text/csv", headers=headers)
    body = {
        "run": run.id,
        "source": run.source_id,
        "status": run.status,
        "rejected": len(rows),
        "truncated": len(rows) == MAX_ROWS,
        "records": rows,
    }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json", headers=headers
    )
