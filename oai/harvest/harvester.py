"""One harvest run of one source: the run log's run, its heartbeat, its ingest, its end.

`run_harvest` opens the run, wires the ingest path (`oai.ingest`: the one path from a
partner's items to committed records, with the run as its journal) and hands the run to
the source's kind (`oai.harvest.kinds`), which produces batches and says how the run
ended. The run is then finished, the source's failure count kept, and whoever should be
told of a failure is told (`notify`). What makes a run safe to kill at any instant is
the ingest's commit: a batch, its counters and its checkpoint in ONE transaction.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection

from oai.errors import ConfigError
from oai.harvest.client import Client, ClientConfig, Retry
from oai.harvest.errors import RunInterrupted
from oai.harvest.journal import RunJournal
from oai.harvest.kinds import kind_of
from oai.harvest.kinds.oai_pmh import window_for
from oai.harvest.notify import notify_run
from oai.harvest.runlog import Counts, RunInfo, RunLog, utcnow
from oai.harvest.sources import address_policy, all_sources, find_source
from oai.harvest.state import Progress, ProgressCallback, RunState, Say
from oai.hub import Hub
from oai.ingest import Ingest, Limits, Preparer, Reader, Reconciler, Stamp, WorkerPool
from oai.settings import SourceSettings
from records.db import writer_connection
from records.store import PARTNER_SETS

__all__ = ["Progress", "RunResult", "run_harvest", "sync_sources", "window_for"]


@dataclass(frozen=True, slots=True)
class RunResult:
    run_id: int
    status: str
    counts: Counts
    message: str | None
    pages: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "partial")

    @classmethod
    def of(cls, info: RunInfo) -> RunResult:
        """The result of a finished run, from its row in the run log."""
        return cls(info.id, info.status, info.counts, info.message, info.pages)


def sync_sources(hub: Hub) -> RunLog:
    """Write the configured sources into the database (the scheduler and admin read them)."""
    log = RunLog(hub.engine)
    sources = [s for s in all_sources(hub) if s.enabled]  # configured and added in the browser
    # a disabled source is kept, marked disabled, like a removed one
    log.sources.sync(
        (s.id, s.name or s.id, s.base_url, s.metadata_prefix, _source_json(s)) for s in sources
    )
    for source in sources:  # the partner's set is named after the source, not its spec
        name = source.name or source.id
        hub.store.name_set(
            f"{PARTNER_SETS}:{source.id}",
            name,
            f"Records harvested from {name} ({source.base_url})",
        )
    return log


def sync_if_changed(hub: Hub) -> bool:
    """`sync_sources` when the configuration file's sources changed since this process
    last wrote them (the admin pages and the scheduler call it; a stat when nothing did)."""
    watched = hub.config_file
    watched.sources()
    if watched.version == watched.synced:
        return False
    version = watched.version
    sync_sources(hub)
    watched.synced = version
    return True


def _source_json(source: SourceSettings) -> str:
    return json.dumps(
        {
            "kind": source.kind,
            "sets": list(source.sets),
            "schedule": source.schedule,
            "match": list(source.match),
            "enabled": source.enabled,
        },
        sort_keys=True,
    )


class _Heartbeat:
    """A thread that proves the run alive every `interval` seconds while it runs."""

    def __init__(self, log: RunLog, run_id: int, interval: float) -> None:
        self.log, self.run_id, self.interval = log, run_id, interval
        self.lost = False
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{run_id}")

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.log.runs.heartbeat(self.run_id):
                    self.lost = True  # marked stale by someone else: stop working
            except Exception as exc:  # a busy database must not stop the run
                self.error = f"{type(exc).__name__}: {exc}"

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _clear_dead_run(log: RunLog, source_id: str, stale_after: int) -> None:
    """Fail a `running` run of this source whose process is gone or whose heart stopped."""
    running = log.runs.running(source_id)
    if running is None:
        return
    silent = utcnow() - (running.heartbeat_at or running.started_at)
    if silent > timedelta(seconds=stale_after):
        log.runs.abandon(running.id, f"no heartbeat for {int(silent.total_seconds())}s: stale")
    elif (
        running.pid is not None
        and running.pid != os.getpid()
        and _on_this_host(running.worker)
        and not _alive(running.pid)
    ):
        log.runs.abandon(running.id, f"its process {running.pid} is gone")


def this_worker(name: str | None = None) -> str:
    """What a run records of the process that runs it: "host:pid", or "name@host:pid"
    for a named `oai worker`."""
    where = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}@{where}" if name else where


def _on_this_host(worker: str | None) -> bool:
    """Whether a run's process is on this machine (a process id means nothing on
    another: there only the heartbeat tells). Runs from before 0009 name no worker."""
    if worker is None:
        return True
    return worker.rpartition("@")[2].rpartition(":")[0] == socket.gethostname()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_harvest(
    hub: Hub,
    source_id: str,
    *,
    trigger: str = "cli",
    full: bool = False,
    from_: str | None = None,
    progress: ProgressCallback | None = None,
    worker: str | None = None,
    say: Say | None = None,
    refetch: list[str] | None = None,
    why: str | None = None,
) -> RunResult:
    """Harvest one source now; `RunInProgress` if it is already being harvested.

    `worker` names the `oai worker` that runs it, for the run log (which also records
    this process: "name@host:pid"); `say` sees every event of the run as it is logged.
    With `refetch`, the run only fetches those records again (partner identifiers):
    an admin's re-harvest of a record (trigger "record"), which neither counts as a
    failure of the source nor notifies anyone. `why` is the run's first event."""
    source = find_source(hub, source_id)
    if not source.enabled:
        raise ConfigError(f"source {source_id!r} is disabled")
    log = sync_sources(hub)
    _clear_dead_run(log, source_id, hub.settings.scheduler.stale_after_seconds)
    before = log.sources.get(source_id)
    was_failing = bool(before and before.failing)
    previous = log.runs.last(source_id, statuses=("ok", "partial", "failed"))
    run_id = log.runs.start(
        source_id,
        trigger=trigger,
        full=full,
        window_from=from_,
        pid=os.getpid(),
        worker=this_worker(worker),
    )
    if why:
        log.events.add(run_id, "info", trigger, why)
    config = ClientConfig.from_settings(hub.settings.harvest)
    client = Client(config, home=source.base_url, policy=address_policy(hub, source))
    run = RunState(hub, source, log, run_id, full, progress, client, say=say)
    client.on_retry = lambda retry: _on_retry(run, retry)
    workers = hub.settings.harvest.workers
    pool = WorkerPool(workers) if workers > 0 else None
    interval = float(hub.settings.scheduler.heartbeat_seconds)
    try:
        with (
            _Heartbeat(log, run_id, interval) as heartbeat,
            writer_connection(hub.engine) as writer,
        ):
            run.lost = lambda: heartbeat.lost
            run.ingest = ingest_of(run, writer, pool)
            if refetch is not None:
                status, message = kind_of(source).refetch(run, refetch)
            else:
                status, message = _harvest(run, from_)
            run.ingest.journal.counts(None, {})  # the last requests and bytes
    except (KeyboardInterrupt, RunInterrupted) as exc:
        # Ctrl-C, SIGTERM, a scheduler or worker shutting down: not the partner's fault
        why = str(exc) or "interrupted (Ctrl-C or SIGTERM)"
        log.events.add(run_id, "warning", "interrupt", f"{why}; the checkpoint is kept")
        info = log.runs.finish(run_id, "interrupted", why)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return RunResult.of(info)
    except BaseException as exc:
        log.events.add(run_id, "error", "crash", f"{type(exc).__name__}: {exc}")
        crashed = log.runs.finish(run_id, "failed", f"crashed: {type(exc).__name__}: {exc}")
        if refetch is not None:
            raise
        after = log.sources.record_failure(source_id, hub.settings.scheduler.max_failures)
        notify_run(
            hub, crashed, was_failing=was_failing, now_failing=after.failing, previous=previous
        )
        raise
    finally:
        client.close()
        if pool is not None:
            pool.close()
        _flush_finding_aids(hub, run_id)
    if run.unresumable:
        log.runs.drop_checkpoint(run_id)
        log.events.add(
            run_id, "info", "resume", f"not resumable: {run.unresumable}; the next run starts anew"
        )
    info = log.runs.finish(run_id, status, message)
    if refetch is not None:
        return RunResult.of(info)
    now_failing = False
    if info.status == "failed":
        now_failing = log.sources.record_failure(
            source_id, hub.settings.scheduler.max_failures
        ).failing
    else:
        log.sources.record_success(source_id)
    notify_run(hub, info, was_failing=was_failing, now_failing=now_failing, previous=previous)
    return RunResult.of(info)


def _flush_finding_aids(hub: Hub, run_id: int) -> None:
    """The finding aids the run's batches marked, assembled once each; a failure here is
    an event of the run, never its end (`oai serve`'s refresh assembles them later)."""
    try:
        hub.flush_finding_aids()
    except Exception as exc:
        RunLog(hub.engine).events.add(
            run_id, "warning", "finding-aids", f"finding aids not assembled yet: {exc}"
        )


def ingest_of(run: RunState, writer: Connection, pool: WorkerPool | None) -> Ingest:
    """The ingest path of a run: its source's records, the run log as its journal."""
    hub, source = run.hub, run.source
    stamp = Stamp(source.id, source.base_url, utcnow(), tuple(source.match))
    limits = Limits.from_settings(hub.settings.harvest)
    reader = Reader(hub.registry, limits, source.metadata_prefix)
    journal = RunJournal(run.log, source.id, run.run_id, run.transport, run.say)
    return Ingest(
        hub.engine,
        hub.store,
        writer,
        journal,
        Preparer(stamp, reader),
        Reconciler(hub.store, stamp, run.run_id),
        hub.render_context,
        pool,
        version=reader.version,
    )


def _on_retry(run: RunState, retry: Retry) -> None:
    """One short event per retry: "connection refused; retry 2 of 5 in 8.0s"."""
    detail = {"attempt": retry.attempt, "wait": round(retry.wait, 3), "url": retry.url}
    if retry.retry_after is not None:
        detail["retry_after"] = round(retry.retry_after, 3)
    run.event(
        "warning",
        "retry",
        f"{retry.reason}; retry {retry.attempt} of {retry.retries} in {retry.wait:.1f}s",
        detail=detail,
    )


def _harvest(run: RunState, from_: str | None) -> tuple[str, str]:
    """The body of a run, by the source's kind (see `oai.harvest.kinds`)."""
    return kind_of(run.source).harvest(run, from_)
