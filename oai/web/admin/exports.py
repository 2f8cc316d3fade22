"""Downloading a source's records from its admin page: a ListRecords dump or JSON Lines.

`GET /admin/sources/<id>/export.xml?prefix=oai_dc` and `.../export.jsonl`: the response
is streamed a batch of records at a time (`oai.exports.Export`), never held whole.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, stream_with_context

from oai.errors import ExportError, UnknownExportSource
from oai.exports import Export
from oai.web.context import current_hub

__all__ = ["register_exports"]

_KINDS = {
    "xml": ("listrecords", "application/xml; charset=utf-8"),
    "jsonl": ("jsonl", "application/x-ndjson; charset=utf-8"),
}


def export_download(source_id: str, suffix: str) -> Response:
    """The source's records as a file to save (streamed)."""
    if suffix not in _KINDS:
        abort(404)
    fmt, mimetype = _KINDS[suffix]
    prefix = request.args.get("prefix", "oai_dc")[:50]
    try:
        export = Export(current_hub(), source_id, fmt, prefix)
    except UnknownExportSource as exc:
        abort(404, description=str(exc))
    except ExportError as exc:
        abort(400, description=str(exc))
    name = f"{source_id}-{prefix}.xml" if fmt == "listrecords" else f"{source_id}.jsonl"
    response = Response(stream_with_context(export.chunks()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe(name)}"'
    return response


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def register_exports(bp: Blueprint) -> None:
    rule = "/sources/<source_id>/export.<suffix>"
    bp.add_url_rule(rule, "source_export", export_download)
