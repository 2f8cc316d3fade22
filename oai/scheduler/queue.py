"""Harvests as jobs of a PostgreSQL task queue (Procrastinate), run by `oai worker`.

On PostgreSQL (and `scheduler.job_queue`, the default) the scheduler does not harvest:
when a source's cron fires, or an admin asks for a run, it defers a job, and `oai
worker` processes on any number of machines pointed at the same database take the jobs
and harvest. The queue lives in the hub's own database, so there is no broker to run.

- One source never runs twice at once and has at most one waiting job: every job of a
  source carries the Procrastinate `lock` and `queueing_lock` "source:<id>". A second
  defer while one waits is refused (`AlreadyEnqueued`) and logged, not queued.
- A worker killed mid-run stops sending heartbeats; after
  `scheduler.worker_stalled_seconds` any other worker puts its job back in the queue,
  and the harvest resumes from the run's checkpoint (the harvester fails the dead run
  first: by its heartbeat, or on the same host by its process id).
- The run log names the worker that ran each run (`harvest_runs.worker`).

On SQLite everything stays in the scheduler process, as before.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from oai.harvest import RunInProgress, run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.scheduler.runner import QUEUED, RunOutcome
from oai.settings import Settings

__all__ = [
    "QUEUE",
    "TASK",
    "Deferrer",
    "WorkerInfo",
    "ensure_queue_schema",
    "make_queue_app",
    "queue_enabled",
    "retry_stalled_jobs",
    "waiting_by_source",
    "worker_name",
    "workers_overview",
]

log = logging.getLogger(__name__)

QUEUE = "harvest"
TASK = "oaihub.harvest"
_SCHEMA_LOCK = 0x0A1_4B0B  # pg_advisory_xact_lock key: one schema install at a time


def queue_enabled(settings: Settings) -> bool:
    """Whether harvests go through the job queue: PostgreSQL and `scheduler.job_queue`."""
    url = make_url(settings.database_url)
    return url.get_backend_name() == "postgresql" and settings.scheduler.job_queue


def conninfo(database_url: str) -> str:
    """The libpq URI of an SQLAlchemy URL (its options, e.g. a search_path, kept)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def lock_of(source_id: str) -> str:
    return f"source:{source_id}"


def make_queue_app(settings: Settings) -> App:
    """The Procrastinate app of a hub, with its one task (harvest a source)."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(settings.database_url)))
    app.task(name=TASK, queue=QUEUE, pass_context=True)(harvest_task)
    return app


def harvest_task(context: JobContext, source_id: str, trigger: str, full: bool) -> str:
    """In a worker: harvest the source; the run's status (or "busy")."""
    hub: Hub = context.additional_context["hub"]
    name: str = context.additional_context["worker_name"]
    try:
        result = run_harvest(hub, source_id, trigger=trigger, full=full, worker=name)
    except RunInProgress:
        # a run outside the queue (`oai harvest` on the command line) holds the source
        log.warning("%s: being harvested elsewhere; %s job dropped", source_id, trigger)
        return "busy"
    return result.status


def ensure_queue_schema(engine: Engine) -> bool:
    """Install Procrastinate's tables in the hub's database if they are missing (under
    an advisory lock: workers starting together install them once). True if installed."""
    from procrastinate.schema import SchemaManager

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
            return False
        # the schema's own SQL, run as one script (no parameters, so no placeholders)
        raw: Any = conn.connection.dbapi_connection
        raw.execute(SchemaManager.get_schema())
    log.info("job queue tables installed")
    return True


class Deferrer:
    """Defers harvest jobs from the scheduler (an open app, one per scheduler)."""

    def __init__(self, settings: Settings) -> None:
        self.app = make_queue_app(settings)
        self.app.open()

    def defer(self, source_id: str, *, trigger: str, full: bool = False) -> int | None:
        """Queue a harvest of the source; None when one is already waiting."""
        lock = lock_of(source_id)
        job = self.app.configure_task(TASK, lock=lock, queueing_lock=lock)
        try:
            job_id = job.defer(source_id=source_id, trigger=trigger, full=full)
        except AlreadyEnqueued:
            log.info("%s: a harvest job is already waiting; %s not queued", source_id, trigger)
            return None
        log.info("%s: harvest job %d queued (%s)", source_id, job_id, trigger)
        return job_id

    def runner(self, hub: Hub, source_id: str, trigger: str, full: bool) -> RunOutcome:
        """The scheduler's runner: defer, and say so (a worker runs it later)."""
        job = self.defer(source_id, trigger=trigger, full=full)
        return RunOutcome(None, QUEUED if job is not None else "skipped")

    def close(self) -> None:
        self.app.close()


async def retry_stalled_jobs(app: App, stalled_seconds: float) -> list[int]:
    """Put back in the queue the jobs of workers silent for `stalled_seconds` (killed,
    or cut off): another worker takes them and resumes from the run's checkpoint."""
    ids = []
    for job in await app.job_manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=stalled_seconds
    ):
        await app.job_manager.retry_job(job)
        assert job.id is not None
        ids.append(job.id)
        log.warning("job %d (%s) of a silent worker is queued again", job.id, job.task_kwargs)
    return ids


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A live `oai worker` (as Procrastinate knows it) and the harvest it runs."""

    id: int
    last_heartbeat: datetime
    source_id: str | None
    job_id: int | None
    run_worker: str | None  # the name the run log gives it, when it runs a harvest


def workers_overview(engine: Engine) -> list[WorkerInfo]:
    """Every worker with a heartbeat, and the job each is doing (empty without a queue)."""
    with engine.connect() as conn:
        if not conn.execute(text("SELECT to_regclass('procrastinate_workers')")).scalar():
            return []
        rows = conn.execute(
            text(
                "SELECT w.id, w.last_heartbeat, j.id AS job_id, j.args->>'source_id' AS source"
                " FROM procrastinate_workers w"
                " LEFT JOIN procrastinate_jobs j ON j.worker_id = w.id AND j.status = 'doing'"
                " ORDER BY w.id"
            )
        ).all()
    runlog = RunLog(engine)
    out = []
    for row in rows:
        run = runlog.runs.running(row.source) if row.source else None
        out.append(
            WorkerInfo(
                row.id, row.last_heartbeat, row.source, row.job_id, run.worker if run else None
            )
        )
    return out


def waiting_by_source(engine: Engine) -> dict[str, int]:
    """Source id -> its harvest jobs not taken by a worker yet (none without a queue)."""
    with engine.connect() as conn:
        if not conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
            return {}
        rows = conn.execute(
            text(
                "SELECT args->>'source_id' AS source, count(*) AS n FROM procrastinate_jobs"
                " WHERE status = 'todo' AND queue_name = :queue GROUP BY 1"
            ),
            {"queue": QUEUE},
        ).all()
    return {str(row.source): int(row.n) for row in rows if row.source}


def worker_name() -> str:
    """The default name of a worker: its host."""
    return socket.gethostname()
