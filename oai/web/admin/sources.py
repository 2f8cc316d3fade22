"""The sources pages: one page per source, and adding, editing, enabling and disabling
sources in the browser, with Test connection.

Sources of the configuration file are read-only here (marked so); sources added here
are stored in the database (`RunLog.managed`), every change audited, and the scheduler
picks them up at its next tick.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from oai.harvest import SourceEntry, in_words, source_entries, table_of
from oai.harvest.runlog import FINISHED, RunInfo, RunLog
from oai.scheduler.jobs import next_runs
from oai.source_admin import (
    AFTER_REMOVAL,
    SourceRefused,
    records_of,
    remove_source,
    save_source,
    set_enabled,
    source_of_values,
    test_connection,
)
from oai.web.admin.auth import who
from oai.web.admin.chart import source_chart
from oai.web.admin.sourceforms import form_fields, form_values
from oai.web.context import current_hub

__all__ = ["register_sources"]


def _entry(source_id: str) -> SourceEntry | None:
    return next((e for e in source_entries(current_hub()) if e.settings.id == source_id), None)


def sources_page() -> str:
    log = RunLog(current_hub().engine)
    known = {s.id: s for s in log.sources.all()}
    return render_template(
        "admin/sources.html",
        entries=source_entries(current_hub()),
        known=known,
        changes=log.managed.changes(limit=20),
    )


def source_page(source_id: str) -> str:
    log = RunLog(current_hub().engine)
    entry, info = _entry(source_id), log.sources.get(source_id)
    if entry is None and info is None:
        abort(404)
    running = log.runs.running(source_id)
    last = log.runs.last(source_id, statuses=FINISHED)
    failed = log.runs.last(source_id, statuses=("failed",))
    enabled = bool(entry and entry.settings.enabled and info and info.enabled)
    state = (
        "running"
        if running
        else "disabled"
        if not enabled
        else "failing"
        if info and info.failing
        else "ok"
    )
    finished = log.runs.newest_finished(source_id=source_id, limit=60)
    points = [(r.id, r.started_at, r.status, r.counts.to_dict()) for r in reversed(finished)]
    svg = source_chart(points, lambda run_id: url_for("admin.run_page", run_id=run_id))
    counts = current_hub().store.counts_of_source(source_id)
    counts["failed"] = last.counts.failed if last else 0
    return render_template(
        "admin/source.html",
        source_id=source_id,
        entry=entry,
        info=info,
        table=table_of(entry.settings) if entry else None,
        state=state,
        running=running,
        last=last,
        failed=failed,
        error_words=in_words(failed.message) if failed else None,
        recovered=bool(failed and last and last.id != failed.id),
        next_run=next_runs(current_hub().engine).get(source_id),
        counts=counts,
        chart=Markup(svg.decode("utf-8")),  # noqa: S704 - lxml escaped every text
        runs=log.runs.newest(source_id=source_id, limit=50),
        changes=log.managed.changes(source_id, limit=50),
        resumable=log.runs.last_checkpoint(source_id) is not None,
        failing=log.failing.of_source(source_id, limit=200),
        test=None,
        speaks=_speaks(log, running or last),
    )


def _speaks(log: RunLog, run: RunInfo | None) -> str | None:
    """Which of its APIs the partner spoke in a run, when the kind said so (an `api`
    event: ARON's old API or ARON 2.0's)."""
    said = log.events.of_run(run.id, kind="api") if run is not None else []
    return said[0].message if said else None


def source_form(source_id: str | None = None) -> Any:
    """GET: the form (new or edit); POST: save it, or test its connection first."""
    entry = _entry(source_id) if source_id else None
    if source_id is not None and entry is None:
        abort(404)
    if entry is not None and not entry.editable:
        abort(403, description=f"{source_id} comes from the configuration file: edit it there")
    editing = entry is not None
    if request.method != "POST":  # GET and HEAD: the form; only POST saves
        values = form_values(entry.settings if entry else None)
        return _form(values, editing, source_id)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if editing:
        assert source_id is not None
        values["id"] = source_id  # the id never changes: runs and records name it
    try:
        source = source_of_values(current_hub(), values)
    except SourceRefused as exc:
        return _form(values, editing, source_id, error=str(exc)), 400
    if request.form.get("action") == "test":
        return _form(values, editing, source_id, test=test_connection(current_hub(), source))
    try:
        change = save_source(current_hub(), source, who=who(), adding=not editing)
    except SourceRefused as exc:
        return _form(values, editing, source_id, error=str(exc)), 400
    flash(
        f"Source {source.id} saved; the scheduler picks it up within seconds."
        if change
        else "Nothing changed."
    )
    return redirect(url_for("admin.source_page", source_id=source.id))


def _form(
    values: dict[str, str],
    editing: bool,
    source_id: str | None,
    *,
    error: str | None = None,
    test: Any = None,
) -> str:
    return render_template(
        "admin/source_form.html",
        fields=form_fields(values, editing=editing),
        editing=editing,
        source_id=source_id,
        error=error,
        test=test,
    )


def source_enabled(source_id: str) -> Any:
    """POST enabled=on|off: enable or disable a source added in the browser."""
    entry = _entry(source_id)
    if entry is None:
        abort(404)
    if not entry.editable:
        abort(403, description=f"{source_id} comes from the configuration file: edit it there")
    enabled = request.form.get("enabled") == "on"
    set_enabled(current_hub(), source_id, enabled, who=who())
    flash(f"Source {source_id} {'enabled' if enabled else 'disabled'}.")
    return redirect(url_for("admin.source_page", source_id=source_id))


def source_remove(source_id: str) -> Any:
    """GET: what removing the source would do (how many records, and a choice of what
    becomes of them); POST records=tombstone|keep: remove it (admins only), audited."""
    entry = _entry(source_id)
    if entry is None:
        abort(404)
    if not entry.editable:
        abort(403, description=f"{source_id} comes from the configuration file: edit it there")
    if request.method != "POST":
        count = records_of(current_hub(), source_id)
        return render_template("admin/source_remove.html", source_id=source_id, records=count)
    choice = request.form.get("records", "")
    if choice not in AFTER_REMOVAL:
        abort(400, description=f"records: one of {', '.join(AFTER_REMOVAL)}")
    removed = remove_source(current_hub(), source_id, records=choice, who=who())  # type: ignore[arg-type]
    fate = "kept as local records" if removed.kept else "served as deleted"
    flash(f"Source {source_id} removed; its {removed.records} records are {fate}.")
    return redirect(url_for("admin.sources_page"))


def source_test(source_id: str) -> Any:
    """POST: Identify at the source's base URL; the answer is shown on its page."""
    entry = _entry(source_id)
    if entry is None:
        abort(404)
    result = test_connection(current_hub(), entry.settings)
    flash(("Test connection: " if result.ok else "Test connection failed: ") + result.summary)
    for key, value in result.details.items():
        flash(f"{key}: {value}")
    return redirect(url_for("admin.source_page", source_id=source_id))


def register_sources(bp: Blueprint) -> None:
    bp.add_url_rule("/sources", "sources_page", sources_page)
    bp.add_url_rule("/sources/new", "source_new", source_form, methods=["GET", "POST"])
    bp.add_url_rule("/sources/<source_id>", "source_page", source_page)
    bp.add_url_rule(
        "/sources/<source_id>/edit", "source_edit", source_form, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/sources/<source_id>/enabled", "source_enabled", source_enabled, methods=["POST"]
    )
    bp.add_url_rule("/sources/<source_id>/test", "source_test", source_test, methods=["POST"])
    bp.add_url_rule(
        "/sources/<source_id>/remove", "source_remove", source_remove, methods=["GET", "POST"]
    )
