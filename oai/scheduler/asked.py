"""Runs an admin asks for ("Harvest now", "Full harvest", "Resume"): one queue per database.

- On PostgreSQL with `scheduler.job_queue` (the default), the run is a job of the
  Procrastinate queue at once, as a cron fire is: any `oai worker` takes it, and the
  queue's lock per source keeps one job waiting per source. The web app defers it
  itself; nothing passes through the scheduler.
- Otherwise (SQLite, or `job_queue = false`) the run is a row of `harvest_requests`,
  which the scheduler process drains every `scheduler.poll_seconds` and harvests
  itself: SQLite has no queue server, and the scheduler is the one process that runs
  harvests there.
"""

from __future__ import annotations

from dataclasses import dataclass

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.scheduler.queue import Deferrer, ensure_queue_schema, queue_enabled, waiting_by_source

__all__ = ["Asked", "ask_for_run", "runs_waiting"]


@dataclass(frozen=True, slots=True)
class Asked:
    """What became of the request: queued (and as what), or one was waiting already."""

    queued: bool
    what: str  # "job 12" (the job queue) or "request 5" (harvest_requests)


def ask_for_run(hub: Hub, source_id: str, *, full: bool = False, by: str | None = None) -> Asked:
    """Queue one run of the source, unless one of the same kind is waiting already."""
    if queue_enabled(hub.settings):
        ensure_queue_schema(hub.engine)
        deferrer = Deferrer(hub.settings)
        try:
            job = deferrer.defer(source_id, trigger="manual", full=full)
        finally:
            deferrer.close()
        return Asked(job is not None, f"job {job}" if job is not None else "")
    log = RunLog(hub.engine)
    if any(r.full == full for r in log.queue.pending(source_id)):
        return Asked(False, "")
    return Asked(True, f"request {log.queue.add(source_id, full=full, by=by)}")


def runs_waiting(hub: Hub) -> dict[str, int]:
    """Source id -> runs asked for or fired and not started yet, in this database's queue."""
    if queue_enabled(hub.settings):
        return waiting_by_source(hub.engine)
    return RunLog(hub.engine).queue.pending_by_source()
