"""The admin pages: login, dashboard, runs, a run, a record, and the harvest actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.routing import BuildError

from oai.errors import ConfigError
from oai.harvest import RunInProgress, find_source, in_words, reharvest_record
from oai.harvest.runlog import STATUSES, RunLog
from oai.readiness import RecordReadiness, record_readiness, source_report
from oai.scheduler.asked import ask_for_run
from oai.scheduler.lock import scheduler_running
from oai.scheduler.queue import workers_overview
from oai.web.admin import auth
from oai.web.admin.chart import changes_chart
from oai.web.admin.inputs import int_arg
from oai.web.admin.queries import chart_points, hub_totals, records_of_run, source_overviews
from oai.web.admin.record_fields import readable_fields
from oai.web.admin.recordlist import records_page
from oai.web.admin.records import RecordView, record_view
from oai.web.admin.report import report_response
from oai.web.context import current_hub

__all__ = ["ACTIONS", "queue_workers", "register_views"]

# action -> (label, needs confirmation, full harvest)
ACTIONS: dict[str, tuple[str, bool, bool]] = {
    "now": ("Harvest now", False, False),
    "full": ("Full harvest", True, True),
    "resume": ("Resume", False, False),
}
PAGE = 50


def runlog() -> RunLog:
    return RunLog(current_hub().engine)


def oai_base() -> str:
    """The OAI-PMH endpoint's path, where the provider's blueprint put it."""
    try:
        return url_for("oai.endpoint")
    except BuildError:
        return "/oai"


def _safe_next(target: str | None) -> str:
    """Only a path on this site may be a post-login target: one leading slash, no
    scheme or host, no backslash, no control character or space (browsers and
    werkzeug's redirect fold "////evil.example" and "/\\evil.example" into a host)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
        and not urlsplit(target).scheme
        and not any(c == "\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return target
    return url_for("admin.dashboard")


def login() -> Any:
    state = auth.admin_state()
    client = request.remote_addr or "unknown"
    configured = auth.logins_possible()
    if request.method != "POST":  # GET and HEAD: the form, nothing counted
        return render_template("admin/login.html", configured=configured)
    name = (request.form.get("name") or "").strip()[:100] or auth.ACCOUNT
    # the address past its limit, or the account within its pause after a failure: an
    # answer at once (never a sleep in a worker), the account slowed, never locked
    wait = state.throttle.blocked_for(client) or state.throttle.account_wait(name)
    if wait:
        body = render_template("admin/login.html", configured=True, blocked=wait)
        return Response(body, status=429, headers={"Retry-After": str(wait)})
    account = state.accounts.check(name, request.form.get("password", ""))
    if account is None:
        state.throttle.failed(client, name)
        error = "Wrong password."
        body = render_template("admin/login.html", configured=configured, error=error)
        return Response(body, status=401)
    state.throttle.succeeded(client)
    auth.log_in(account)
    return redirect(_safe_next(request.args.get("next")))


def logout() -> Any:
    auth.log_out_everywhere()
    flash("Logged out.")
    return redirect(url_for("admin.login"))


def dashboard() -> str:
    engine = current_hub().engine
    overviews = source_overviews(current_hub())
    busy = any(o.running or o.queued for o in overviews)
    return render_template(
        "admin/dashboard.html",
        overviews=overviews,
        totals=hub_totals(engine, current_hub().store.stats()),
        chart=_chart_markup(None),
        refresh=busy,
        scheduler_running=scheduler_running(engine),
        workers=queue_workers(engine),
    )


def queue_workers(engine: Any) -> list[Any]:
    """The `oai worker` processes on the job queue (PostgreSQL), none elsewhere."""
    if engine.dialect.name != "postgresql":
        return []
    return workers_overview(engine)


def _chart_markup(source_id: str | None) -> Markup:
    svg = changes_chart(
        chart_points(current_hub().engine, source_id=source_id),
        lambda run_id: url_for("admin.run_page", run_id=run_id),
    )
    # lxml serialised it, escaping every text and attribute: safe to embed as is
    return Markup(svg.decode("utf-8"))  # noqa: S704


def chart_svg() -> Response:
    svg = changes_chart(
        chart_points(current_hub().engine, source_id=request.args.get("source") or None),
        lambda run_id: url_for("admin.run_page", run_id=run_id),
    )
    return Response(svg, mimetype="image/svg+xml")


def run_filters() -> dict[str, Any]:
    """The runs-list filters from the query string; a bad value is a 400."""
    source = request.args.get("source") or None
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, description=f"status must be one of {', '.join(STATUSES)}")
    since = _date_arg("since")
    before = int_arg("before")
    return {"source_id": source, "status": status, "since": since, "before_id": before}


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name) or None
    if raw is None:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        abort(400, description=f"{name} must be a date YYYY-MM-DD")


def runs_page() -> str:
    filters = run_filters()
    runs = runlog().runs.newest(limit=PAGE, **filters)
    more = None
    if len(runs) == PAGE:
        args = {k: v for k, v in request.args.items() if k != "before" and v}
        more = url_for("admin.runs_page") + "?" + urlencode({**args, "before": runs[-1].id})
    return render_template(
        "admin/runs.html",
        runs=runs,
        more=more,
        sources=[s.id for s in runlog().sources.all()],
        statuses=STATUSES,
        args=request.args,
        chart=_chart_markup(filters["source_id"]),
    )


def run_page(run_id: int) -> str:
    log = runlog()
    run = log.runs.get(run_id)
    if run is None:
        abort(404)
    after = int_arg("after")
    events = log.events.of_run(run_id, after_id=after, limit=PAGE * 4)
    return render_template(
        "admin/run.html",
        run=run,
        events=events,
        more_events=events[-1].id if len(events) == PAGE * 4 else None,
        records=_with_titles(records_of_run(current_hub().engine, run_id)),
        resumable=_resumes(log, run.source_id, run_id),
        error_words=in_words(run.message) if run.status == "failed" else None,
    )


def _resumes(log: RunLog, source_id: str, run_id: int) -> bool:
    """Whether a Resume would continue from this run's checkpoint."""
    checkpoint = log.runs.last_checkpoint(source_id)
    return checkpoint is not None and checkpoint.run_id == run_id


def event_raw(run_id: int, event_id: int) -> Response:
    log = runlog()
    if not any(e.id == event_id for e in log.events.of_run(run_id, after_id=event_id - 1, limit=1)):
        abort(404)
    raw = log.events.raw(event_id)
    if raw is None:
        abort(404)
    # a download, never rendered by the browser: hostile XML stays inert
    return Response(
        raw,
        mimetype="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename=run{run_id}-event{event_id}.xml",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _with_titles(changed: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(record id, reason, title) of what a run wrote: ids alone say little to a person."""
    titles = current_hub().store.titles_of([rid for rid, _ in changed])
    return [(rid, reason, titles.get(rid, "")) for rid, reason in changed]


def record_page(record_id: str) -> str:
    view = record_view(current_hub(), record_id, oai_base())
    if view is None:
        abort(404)
    return render_template(
        "admin/record.html",
        view=view,
        fields=readable_fields(view.record),
        reharvestable=_reharvestable(view),
        readiness=_readiness(view),
    )


def _readiness(view: RecordView) -> RecordReadiness | None:
    """A live record's readiness for Europeana (a tombstone has none)."""
    header = view.record.header
    if header is not None and header.deleted:
        return None
    return record_readiness(current_hub(), view.record)


def source_readiness_csv(source_id: str) -> Response:
    """The readiness report of a source's records, as CSV for the partner."""
    report = source_report(current_hub(), source_id)
    return Response(
        report.to_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=readiness-{source_id}.csv"},
    )


def _reharvestable(view: RecordView) -> bool:
    """A harvested record of a source the hub still knows (every kind can fetch one
    record again)."""
    origin = view.record.origin
    if not view.harvested or not origin.source_id:
        return False
    try:
        find_source(current_hub(), origin.source_id)
    except ConfigError:
        return False
    return True


def reharvest(record_id: str) -> Any:
    """POST: fetch a harvested record from its partner again (a small run of its own)."""
    view = record_view(current_hub(), record_id, oai_base())
    if view is None:
        abort(404)
    origin = view.record.origin
    if not view.harvested or not origin.remote_identifier or not origin.source_id:
        abort(400, description=f"{record_id} is a local record: there is nothing to re-harvest")
    try:
        source = find_source(current_hub(), origin.source_id)
    except ConfigError as exc:
        abort(400, description=str(exc))
    try:
        account = auth.current_account()
        by = account.name if account else "admin"
        result = reharvest_record(current_hub(), source, origin.remote_identifier, by=by)
    except RunInProgress as exc:
        flash(f"Re-harvest of {record_id} not started: {exc}")
        return redirect(url_for("admin.record_page", record_id=record_id))
    flash(f"Re-harvest of {record_id}: run {result.run_id} {result.status}: {result.message}")
    return redirect(url_for("admin.record_page", record_id=record_id))


def harvest_action(source_id: str) -> Any:
    """GET: the confirmation page; POST: queue the run for the scheduler."""
    action = request.values.get("action", "now")
    if action not in ACTIONS:
        abort(400, description=f"unknown action {action!r}")
    log = runlog()
    source = log.sources.get(source_id)
    if source is None:
        abort(404)
    if not source.enabled:
        abort(400, description=f"{source_id} is no longer in the configuration")
    label, confirm, full = ACTIONS[action]
    if action == "resume" and log.runs.last_checkpoint(source_id) is None:
        # no failed or interrupted run with a committed page since the last complete one
        abort(400, description=f"{source_id} has no interrupted or failed run to resume")
    if request.method != "POST" or (confirm and request.form.get("confirmed") != "yes"):
        return render_template(
            "admin/confirm.html", source=source, action=action, label=label, full=full
        )
    if action == "resume":
        # clear the failing mark and its backoff: the admin vouches for the partner
        log.sources.record_success(source_id)
    account = auth.current_account()
    asked = ask_for_run(
        current_hub(), source_id, full=full, by=account.name if account else "admin"
    )
    if not asked.queued:
        # a second click before the first run started: one run is enough
        flash(f"{label}: a run of {source_id} is already queued.")
    else:
        runs = url_for("admin.runs_page", source=source_id)
        flash(
            Markup('{}: run of {} queued ({}); it starts within seconds: <a id="asked-run" '
                   'href="{}">its runs</a> list it at the top.').format(
                label, source_id, asked.what, runs
            )
        )  # fmt: skip
    return redirect(url_for("admin.dashboard"))


def _report_csv(run_id: int) -> Response:
    return report_response(run_id, "csv")


def _report_json(run_id: int) -> Response:
    return report_response(run_id, "json")


def register_views(bp: Blueprint) -> None:
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/", "dashboard", dashboard)
    bp.add_url_rule("/chart.svg", "chart_svg", chart_svg)
    bp.add_url_rule("/runs", "runs_page", runs_page)
    bp.add_url_rule("/runs/<id:run_id>", "run_page", run_page)
    bp.add_url_rule("/runs/<id:run_id>/events/<id:event_id>/raw", "event_raw", event_raw)
    bp.add_url_rule("/runs/<id:run_id>/report.csv", "report_csv", _report_csv)
    bp.add_url_rule("/runs/<id:run_id>/report.json", "report_json", _report_json)
    bp.add_url_rule("/records", "records_page", records_page)
    bp.add_url_rule("/records/<path:record_id>", "record_page", record_page)
    bp.add_url_rule(
        "/sources/<source_id>/readiness.csv", "source_readiness_csv", source_readiness_csv
    )
    bp.add_url_rule("/records/<path:record_id>/reharvest", "reharvest", reharvest, methods=["POST"])
    bp.add_url_rule(
        "/sources/<source_id>/harvest", "harvest_action", harvest_action, methods=["GET", "POST"]
    )
