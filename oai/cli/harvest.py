"""The harvester's commands: `oai harvest`, `oai runs`, `oai runs show`, `oai records history`.

Thin wrappers over library functions; each gets the hub from `oai.cli.context`.
"""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType
from typing import Any

import click

from oai.cli.context import Context, pass_context
from oai.errors import ConfigError
from oai.harvest import Progress, RunInProgress, find_source, run_harvest, sync_sources
from oai.harvest.runlog import FINISHED, STATUSES, RunInfo, RunLog
from oai.hub import Hub
from records.diff import field_diff
from records.errors import RecordNotFound
from records.times import format_datestamp

__all__ = ["harvest_command", "history_command", "runs_command"]


_SHOWN_INFO = frozenset({"identify", "resume", "sweep", "fallback"})


class _Display:
    """One status line on a terminal (pages, records, records/s); sparse lines otherwise.
    Either way the last state is shown at the end, and ends with a newline."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0
        self.open = False  # a terminal line written without its newline yet
        self.pending: str | None = None  # the newest line not printed (not a terminal)

    def __call__(self, progress: Progress) -> None:
        line = (
            f"pages {progress.pages}  records {progress.records}  "
            f"{progress.rate:,.0f} records/s  {progress.stream}".rstrip()
        )
        if self.tty:
            click.echo(f"\r{line}\033[K", nl=False, err=True)
            self.open = True
        elif progress.pages - self.last >= 50 or progress.pages == 1:
            self.last, self.pending = progress.pages, None
            click.echo(line, err=True)
        else:
            self.pending = line

    def note(self, level: str, kind: str, message: str) -> None:
        """An event worth seeing at once: retries, warnings, errors, the plan."""
        if level == "info" and kind not in _SHOWN_INFO:
            return
        if self.open:  # over the status line, which the next page redraws
            click.echo("\r\033[K", nl=False, err=True)
            self.open = False
        prefix = "" if level == "info" else f"{level}: "
        click.echo(f"{prefix}{message}", err=True)

    def close(self) -> None:
        if self.open:
            click.echo("", err=True)
            self.open = False
        elif self.pending is not None:
            click.echo(self.pending, err=True)
            self.pending = None


@click.command("harvest")
@click.argument("source_id")
@click.option("--full", is_flag=True, help="Harvest everything and sweep what is gone.")
@click.option("--from", "from_", metavar="DATE", help="Harvest from DATE (partner's granularity).")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the last failed or interrupted run from its checkpoint; an error if"
    " there is none (a run always resumes one when there is).",
)
@pass_context
def harvest_command(
    ctx: Context, source_id: str, full: bool, from_: str | None, resume: bool
) -> None:
    """Harvest one configured source now; exit 0 when ok or partial.

    Ctrl-C or SIGTERM ends the run `interrupted` with its checkpoint (exit 130)."""
    hub = ctx.hub()
    display = _Display()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        source = find_source(hub, source_id)
        if resume:
            _require_checkpoint(hub, source_id, full, from_)
        click.echo(f"{source.id}: harvesting {source.base_url} ({source.kind})", err=True)
        result = run_harvest(
            hub,
            source_id,
            trigger="cli",
            full=full,
            from_=from_,
            progress=display,
            say=display.note,
        )
    except (ConfigError, RunInProgress) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        display.close()
        click.echo(
            f"interrupted: the run stopped at its last committed page; `oai harvest"
            f" {source_id} --resume` (or any next run) continues from there",
            err=True,
        )
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
        display.close()
    run = RunLog(hub.engine).runs.get(result.run_id)
    assert run is not None
    click.echo(_summary(run))  # its errors were shown as they happened
    if not result.ok:
        sys.exit(1)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt("SIGTERM")


def _require_checkpoint(hub: Hub, source_id: str, full: bool, from_: str | None) -> None:
    """`--resume` without a checkpoint to resume is an error, with the reason."""
    if from_:
        raise click.ClickException("--resume continues a run's own window; --from starts a new")
    log = sync_sources(hub)
    saved = log.runs.last_checkpoint(source_id)
    if saved is not None and (saved.full or not full):
        return
    last = log.runs.last(source_id, statuses=FINISHED)
    if last is None:
        why = "it was never harvested"
    elif last.status in ("ok", "partial"):
        why = f"its last run ({last.id}) completed"
    elif saved is not None:
        why = f"run {saved.run_id} was incremental; --full starts a new full harvest"
    else:
        why = f"run {last.id} ({last.status}) left no page to continue from: {last.message}"
    raise click.ClickException(f"nothing to resume for {source_id}: {why}")


def _summary(run: RunInfo) -> str:
    counts = ", ".join(f"{v} {k}" for k, v in run.counts.to_dict().items())
    took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    window = _window(run)
    return (
        f"run {run.id} of {run.source_id}: {run.status} in {took:.0f}s ({counts}); "
        f"{run.pages} pages, {run.requests} requests, {run.bytes:,} bytes, "
        f"{run.retries} retries" + (f"; {window}" if window else "")
    )


def _window(run: RunInfo) -> str:
    """An OAI-PMH run's window ("" for the kinds that have none: ARON, files)."""
    if run.window_until is None and run.window_from is None:
        windowed = run.checkpoint is None or "streams" in run.checkpoint
        return "no window (the run stopped before planning one)" if windowed else ""
    return f"window {run.window_from or 'start'} .. {run.window_until or 'now'}"


def _row(run: RunInfo) -> str:
    finished = run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "-"
    c = run.counts
    return (
        f"{run.id:>6}  {run.source_id:<16} {run.status:<8} {run.trigger:<8} "
        f"{run.started_at:%Y-%m-%d %H:%M:%S}  {finished:<19}  "
        f"+{c.added} ~{c.updated} ={c.unchanged} -{c.deleted} !{c.failed}"
    )


@click.group("runs", invoke_without_command=True)
@click.option("--source", "source_id", help="Only runs of this source.")
@click.option("--status", type=click.Choice(list(STATUSES)))
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@pass_context
def runs_command(
    ctx: Context, source_id: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """List harvest runs, newest first (`oai runs show ID` for one run)."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    hub = ctx.hub()
    sync_sources(hub)
    log = RunLog(hub.engine)
    if source_id is not None and log.sources.get(source_id) is None:
        known = ", ".join(s.id for s in log.sources.all()) or "none"
        raise click.ClickException(
            f"no such source {source_id!r} (sources with runs or configured: {known}; "
            f"configuration: {hub.settings.config_path or 'none'})"
        )
    runs = log.runs.newest(source_id=source_id, status=status, limit=limit)
    if as_json:
        click.echo(json.dumps([_json_run(r) for r in runs], indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{'id':>6}  {'source':<16} {'status':<8} {'trigger':<8} {'started':<19}  "
        f"{'finished':<19}  +added ~updated =unchanged -deleted !failed"
    )
    for run in runs:
        click.echo(_row(run))


def _json_run(run: RunInfo) -> dict[str, Any]:
    data = run.to_dict()
    data["source"] = data.pop("source_id")
    data["started"], data["finished"] = data.pop("started_at"), data.pop("finished_at")
    return data


@runs_command.command("show")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--raw", "raw_event", type=int, metavar="EVENT", help="Print the raw XML an event kept."
)
@pass_context
def runs_show(ctx: Context, run_id: int, as_json: bool, raw_event: int | None) -> None:
    """One run: its counts, window, and every event and error (--raw EVENT: its XML)."""
    log = RunLog(ctx.hub().engine)
    run = log.runs.get(run_id)
    if run is None:
        raise click.ClickException(f"no harvest run {run_id}")
    if raw_event is not None:
        _print_raw(log, run_id, raw_event)
        return
    events = log.events.of_run(run_id, limit=100_000)
    if as_json:
        data = _json_run(run)
        data["events"] = [
            {
                "id": e.id,
                "at": format_datestamp(e.at),
                "level": e.level,
                "kind": e.kind,
                "message": e.message,
                "page": e.page,
                "identifier": e.identifier,
                "has_raw": e.has_raw,
                "detail": e.detail,
            }
            for e in events
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(_summary(run))
    if run.message:
        click.echo(f"message: {run.message}")
    saved = log.runs.last_checkpoint(run.source_id)
    if saved is not None and saved.run_id == run.id:
        click.echo(f"resumable: `oai harvest {run.source_id} --resume` continues this run")
    for e in events:
        where = f" [{e.identifier}]" if e.identifier else ""
        raw = f" (raw kept: event {e.id})" if e.has_raw else ""
        click.echo(f"{e.at:%H:%M:%S} {e.level:<7} {e.kind:<9} {e.message}{where}{raw}")


def _print_raw(log: RunLog, run_id: int, event_id: int) -> None:
    """The raw document an event of this run kept, as bytes on stdout."""
    mine = log.events.of_run(run_id, after_id=event_id - 1, limit=1)
    if not mine or mine[0].id != event_id:
        raise click.ClickException(f"run {run_id} has no event {event_id}")
    raw = log.events.raw(event_id)
    if raw is None:
        with_raw = [e.id for e in log.events.of_run(run_id, limit=100_000) if e.has_raw]
        listed = ", ".join(map(str, with_raw[:20])) or "none"
        raise click.ClickException(
            f"event {event_id} kept no raw document (events of run {run_id} with one: {listed})"
        )
    # bytes as they came (click writes bytes to the binary stream), ending with a newline
    click.echo(raw if raw.endswith(b"\n") else raw + b"\n", nl=False)


@click.command("history")
@click.argument("record_id")
@pass_context
def history_command(ctx: Context, record_id: str) -> None:
    """The versions of a record, each with its field-level changes and the run that made it."""
    hub = ctx.hub()
    try:
        versions = hub.store.versions(record_id)
    except RecordNotFound:
        raise click.ClickException(f"no record with id {record_id!r}") from None
    previous: dict[str, Any] | None = None
    for version in versions:
        by = f" run {version.run_id}" if version.run_id is not None else ""
        actor = f" by {version.actor}" if version.actor else ""
        state = " (deleted)" if version.deleted else ""
        click.echo(
            f"version {version.version}  {version.created_at:%Y-%m-%d %H:%M:%S}  "
            f"{version.reason}{by}{actor}{state}"
        )
        for change in field_diff(previous, version.content):
            click.echo(
                f"  {change.kind:<8} {change.field}: {_short(change.old)} -> {_short(change.new)}"
            )
        previous = version.content


def _short(value: Any, width: int = 70) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
