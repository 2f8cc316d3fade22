"""The records page: search every descriptive field, filters, sort, keyset pages.

The store's search (`records.search`) runs the SQL; this module turns the query string
into a `SearchQuery` and the run log's rejected records into the "failed in the last
run" filter.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, url_for

from oai.harvest.runlog import RunLog
from oai.web.admin.inputs import int_arg
from oai.web.admin.queries import failed_in_last_runs
from oai.web.context import current_hub
from records.search import SORTS, RecordSearch, SearchQuery

__all__ = ["records_page", "search_query"]

PAGE = 50
MAX_QUERY = 200
KINDS = ("local", "harvested")
STATES = ("live", "deleted")


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        abort(400, description=f"{name} must be one of {', '.join(allowed)}")
    return value


def search_query(failed: list[tuple[str, str, int]] | None) -> SearchQuery:
    """The page's query from the query string; a bad value is a 400."""
    text = (request.args.get("q") or "").strip()
    if len(text) > MAX_QUERY:
        abort(400, description=f"a search is at most {MAX_QUERY} characters")
    prefix = current_hub().store.identifier_prefix
    if text.startswith(prefix):  # an OAI identifier of ours: its local id
        text = text[len(prefix) :]
    kind = _choice("kind", KINDS)
    state = _choice("state", STATES)
    # a search is ranked best first unless another order is asked for
    sort = _choice("sort", SORTS) or ("relevance" if text else "datestamp")
    after = int_arg("after")
    return SearchQuery(
        text=text,
        source_id=request.args.get("source") or None,
        set_spec=request.args.get("set") or None,
        kind=_literal_kind(kind),
        deleted=None if state is None else state == "deleted",
        origins=None if failed is None else tuple((s, i) for s, i, _ in failed),
        sort=_literal_sort(sort),
        after=after,
        limit=PAGE,
    )


def _literal_sort(sort: str) -> Literal["datestamp", "title", "relevance"]:
    if sort == "title":
        return "title"
    if sort == "relevance":
        return "relevance"
    return "datestamp"


def _literal_kind(kind: str | None) -> Literal["local", "harvested"] | None:
    if kind == "local":
        return "local"
    if kind == "harvested":
        return "harvested"
    return None


def records_page() -> Any:
    if request.args.get("id"):  # the header's "open record" box: straight to the record
        record_id = request.args["id"].strip()
        prefix = current_hub().store.identifier_prefix
        if record_id.startswith(prefix):
            record_id = record_id[len(prefix) :]
        return redirect(url_for("admin.record_page", record_id=record_id))
    hub = current_hub()
    failed = None
    if request.args.get("failed"):
        failed = failed_in_last_runs(hub.engine, request.args.get("source") or None)
    query = search_query(failed)
    page = RecordSearch(hub.engine).page(query)
    stored = {(r.source_id, r.remote_identifier) for r in page.rows}
    missing = [f for f in failed or [] if (f[0], f[1]) not in stored] if not query.after else []
    more = None
    if page.next_after is not None:
        args = {k: v for k, v in request.args.items() if k != "after" and v}
        more = url_for("admin.records_page") + "?" + urlencode({**args, "after": page.next_after})
    first = None
    if query.after is not None:
        args = {k: v for k, v in request.args.items() if k != "after" and v}
        first = url_for("admin.records_page") + ("?" + urlencode(args) if args else "")
    return render_template(
        "admin/records.html",
        page=page,
        query=query,
        args=request.args,
        sources=[s.id for s in _runlog_sources(hub)],
        sets=[s.spec for s in hub.store.sets(limit=500)],
        missing=missing,
        more=more,
        first=first,
    )


def _runlog_sources(hub: Any) -> list[Any]:
    return RunLog(hub.engine).sources.all()
