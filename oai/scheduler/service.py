"""The scheduler: harvests every source on its cron, and runs what admins queue.

It runs as its own process (`oai scheduler`), never inside web workers, so a job fires
once however many workers serve the web app. Only one scheduler may work on a database
at a time (`oai.scheduler.lock`); a second one exits, or waits with `--standby`.

- APScheduler 3 with a SQLAlchemy job store in the hub's own database: one cron job
  per source (`harvest:<id>`), `max_instances=1`, `coalesce=True`, and the misfire grace
  time of `scheduler.misfire_grace_seconds`. Because the next fire times live in the
  database, fires missed while the scheduler was down run once (coalesced) at start.
- Configuration changes are applied at start and on SIGHUP (`oai scheduler --reload`):
  jobs of removed sources go, new ones come, changed schedules are rescheduled, and an
  unchanged job keeps its stored next fire time.
- Sources added, changed, enabled or disabled in the browser are picked up at the next
  tick (every change is audited; the newest audit id is their version), no restart.
- Every `scheduler.poll_seconds` the queue of requested runs ("harvest now" on the
  admin pages) is drained, and runs left `running` by a dead process (no heartbeat for
  `scheduler.stale_after_seconds`) are marked failed; the next run resumes their
  checkpoint.
- After `scheduler.max_failures` failed runs in a row the source is failing, and its
  next scheduled fires are skipped, twice as many after each further failure (at most
  a day or 64 fires); an event of the failed run says why and until when.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from oai.harvest import (
    RunInProgress,
    all_sources,
    notify_run,
    sync_if_changed,
    sync_sources,
    wait_for_deliveries,
)
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.scheduler.backoff import back_off, failing_message
from oai.scheduler.cron import cron_trigger
from oai.scheduler.jobs import JOB_PREFIX, JOBSTORE_TABLE, job_id
from oai.scheduler.lock import SchedulerLock
from oai.scheduler.runner import QUEUED, Runner, harvest_runner
from oai.settings import Settings, SourceSettings

__all__ = [
    "SchedulerService",
    "harvest_job",
    "trigger_of",
]

log = logging.getLogger(__name__)


# Stored jobs name their function by its import path and keep their arguments pickled
# in the database, so they cannot hold the live service; they find it here, by a key
# made from the database URL. One entry per running service in this process.
_SERVICES: dict[str, SchedulerService] = {}
_SERVICES_LOCK = threading.Lock()


def service_key(database_url: str) -> str:
    """A stable, password-free name of a database, stored in job arguments."""
    return hashlib.sha256(database_url.encode()).hexdigest()[:16]


def trigger_of(source: SourceSettings) -> BaseTrigger:
    """The trigger of a source's `schedule` (see `oai.scheduler.cron`)."""
    return cron_trigger(source.schedule, where=f"source {source.id!r}")


def harvest_job(key: str, source_id: str) -> None:
    """The function every stored cron job calls."""
    with _SERVICES_LOCK:
        service = _SERVICES.get(key)
    if service is None:
        log.warning("job for %s fired without a scheduler service", source_id)
        return
    service.run_source(source_id, trigger="schedule", wait=False)


class SchedulerService:
    """The cron jobs, the request queue and the stale-run watch of one database."""

    def __init__(self, hub: Hub, *, runner: Runner = harvest_runner, workers: int = 4) -> None:
        self.hub = hub
        self.runner = runner
        self.runlog = RunLog(hub.engine)
        self.lock = SchedulerLock(hub.engine)
        self.key = service_key(hub.settings.database_url)
        self.scheduler: BackgroundScheduler | None = None
        self._busy: dict[str, threading.Lock] = {}
        self._busy_guard = threading.Lock()
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harvest")
        self._futures: list[Future[str | None]] = []
        self._futures_guard = threading.Lock()
        self._managed_version = -1  # of the sources added in the browser, as last applied
        # sources whose harvest a worker will run (QUEUED), and since when: their
        # failures are counted for backing off when their run ends (see `tick`)
        self._queued: dict[str, datetime] = {}
        self._queued_guard = threading.Lock()

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> bool:
        """Take the database's scheduler lock and start; False when another one holds it."""
        if not self.lock.acquire():
            return False
        with _SERVICES_LOCK:
            _SERVICES[self.key] = self
        sync_sources(self.hub)
        self._managed_version = self.runlog.managed.version()
        self.scheduler = self._build_scheduler()
        # start paused: jobs are brought in line with the config before any may fire
        self.scheduler.start(paused=True)
        self.sync_jobs()
        self.scheduler.resume()
        self.tick()
        return True

    def _build_scheduler(self) -> BackgroundScheduler:
        store = SQLAlchemyJobStore(engine=self.hub.engine, tablename=JOBSTORE_TABLE)
        defaults = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": self.hub.settings.scheduler.misfire_grace_seconds,
        }
        return BackgroundScheduler(
            jobstores={"default": store}, job_defaults=defaults, timezone=UTC
        )

    def stop(self, *, wait: bool = True) -> None:
        """Stop firing jobs, stop running harvests at their next page (`interrupted`, with
        their checkpoints; waited for when `wait`), release the lock."""
        self.hub.stopping.set()
        try:
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=wait)
            self._pool.shutdown(wait=wait, cancel_futures=True)
        finally:
            self.hub.stopping.clear()  # the hub may go on serving (tests, `oai run`)
        if wait:  # notifications of the last runs go out before the database closes
            wait_for_deliveries()
        with _SERVICES_LOCK:
            if _SERVICES.get(self.key) is self:
                del _SERVICES[self.key]
        self.lock.release()

    def reload(self, settings: Settings) -> None:
        """Apply a new configuration: sources table and jobs."""
        self.hub = replace(self.hub, settings=settings)
        sync_sources(self.hub)
        self.sync_jobs()
        log.info("configuration reloaded: %d sources", len(settings.sources))

    def sync_jobs(self) -> None:
        """One job per enabled, scheduled source; unchanged jobs keep their next fire."""
        assert self.scheduler is not None
        wanted = {
            job_id(s.id): (s, trigger_of(s))
            for s in all_sources(self.hub)
            if s.enabled and s.schedule
        }
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        existing = {job.id: job for job in self.scheduler.get_jobs()}
        for jid, (source, trigger) in wanted.items():
            job = existing.get(jid)
            args = [self.key, source.id]
            if job is None or list(job.args) != args:
                self.scheduler.add_job(
                    harvest_job,
                    trigger,
                    args=args,
                    id=jid,
                    name=f"harvest {source.id}",
                    replace_existing=True,
                )
            elif str(job.trigger) != str(trigger):
                self.scheduler.reschedule_job(jid, trigger=trigger)

    def next_run_times(self) -> dict[str, datetime | None]:
        """Source id -> next fire time, as the live scheduler sees it."""
        if self.scheduler is None:
            return {}
        return {
            job.id[len(JOB_PREFIX) :]: job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith(JOB_PREFIX)
        }

    # -- the periodic tick: stale runs and the queue -------------------------------------

    def tick(self) -> None:
        """Pick up sources changed in the browser, fail stale runs, start queued requests."""
        self.pick_up_source_changes()
        self._check_queued()
        stale_after = timedelta(seconds=self.hub.settings.scheduler.stale_after_seconds)
        for run_id in self.runlog.runs.mark_stale(stale_after):
            self._stale(run_id, stale_after)
        # a request is claimed only when a worker is free to run it: the rest stay
        # queued in the database, where a stop or a crash cannot lose them
        while self._free_slots() > 0 and (request := self.runlog.queue.take()) is not None:
            self._submit(
                self.run_source,
                request.source_id,
                trigger="manual",
                full=request.full,
                wait=True,
                request_id=request.id,
            )

    def _check_queued(self) -> None:
        """Back off from a source whose harvest, run by a worker, failed."""
        with self._queued_guard:
            queued = dict(self._queued)
        for source_id, since in queued.items():
            newest = self.runlog.runs.newest(source_id=source_id, limit=1)
            if not newest or newest[0].started_at < since - timedelta(seconds=1):
                continue  # not started yet
            run = newest[0]
            if run.status == "running":
                continue
            with self._queued_guard:
                self._queued.pop(source_id, None)
            if run.status == "failed":
                self._after_failure(source_id, run.id, counted=True)

    def pick_up_source_changes(self) -> bool:
        """Re-read the sources when the configuration file's changed (no --reload
        needed for sources) or any added in the browser changed (every change is
        audited, and the newest audit id is their version); True when jobs were synced."""
        if self.scheduler is None:
            return False
        if sync_if_changed(self.hub):  # the configuration file's sources changed
            self.sync_jobs()
            log.info("sources of %s changed: picked up", self.hub.settings.config_path)
            return True
        version = self.runlog.managed.version()
        if version == self._managed_version:
            return False
        self._managed_version = version
        sync_sources(self.hub)
        self.sync_jobs()
        log.info("sources changed in the browser picked up (change %d)", version)
        return True

    def _free_slots(self) -> int:
        with self._futures_guard:
            self._futures = [f for f in self._futures if not f.done()]
            return self._workers - len(self._futures)

    def _submit(self, *args: Any, **kwargs: Any) -> None:
        with self._futures_guard:
            self._futures.append(self._pool.submit(*args, **kwargs))

    def _stale(self, run_id: int, stale_after: timedelta) -> None:
        run = self.runlog.runs.get(run_id)
        seconds = int(stale_after.total_seconds())
        self.runlog.events.add(
            run_id,
            "error",
            "stale",
            f"no heartbeat for over {seconds}s: its process is gone; marked failed by the "
            "scheduler, the next run resumes from its checkpoint",
        )
        if run is not None:
            before = self.runlog.sources.get(run.source_id)
            self._after_failure(run.source_id, run_id, counted=False)
            after = self.runlog.sources.get(run.source_id)
            notify_run(  # a killed run fails like any other: the admins hear of it
                self.hub,
                self.runlog.runs.require(run_id),
                was_failing=bool(before and before.failing),
                now_failing=bool(after and after.failing),
                previous=None,
            )

    def harvest_all_now(self) -> None:
        """Start a (scheduled) run of every enabled source now, as if its cron fired."""
        for source in all_sources(self.hub):
            if source.enabled:
                self._submit(self.run_source, source.id, trigger="schedule")

    def wait_idle(self, timeout: float | None = None) -> None:
        """Wait for the queued runs started so far (tests and shutdown)."""
        with self._futures_guard:
            futures = list(self._futures)
        for future in futures:
            future.result(timeout=timeout)

    # -- running one harvest -------------------------------------------------------------

    def _source_lock(self, source_id: str) -> threading.Lock:
        with self._busy_guard:
            return self._busy.setdefault(source_id, threading.Lock())

    def run_source(
        self,
        source_id: str,
        *,
        trigger: str,
        full: bool = False,
        wait: bool = True,
        request_id: int | None = None,
    ) -> str | None:
        """Harvest one source now; a cron fire is skipped while the source is busy,
        a queued request waits its turn. Returns the run's status (None: not run)."""
        lock = self._source_lock(source_id)
        if not lock.acquire(blocking=wait):
            log.info("%s: a run is in progress; the %s fire is skipped", source_id, trigger)
            return None
        try:
            return self._run_locked(source_id, trigger, full, request_id)
        finally:
            lock.release()

    def _run_locked(
        self, source_id: str, trigger: str, full: bool, request_id: int | None
    ) -> str | None:
        try:
            outcome = self.runner(self.hub, source_id, trigger, full)
        except RunInProgress:
            log.warning("%s: another process is harvesting it; %s run skipped", source_id, trigger)
            return None
        except Exception:
            # a harvest must never take the scheduler down; the harvester logs its own
            # failures in the run, this is for failures before a run was opened
            log.exception("%s: harvest raised", source_id)
            latest = self.runlog.runs.newest(source_id=source_id, limit=1)
            failed = latest[0].id if latest and latest[0].status == "failed" else None
            self._after_failure(source_id, failed, counted=True)
            return "failed"
        if outcome.status == QUEUED:
            with self._queued_guard:
                self._queued.setdefault(source_id, datetime.now(UTC))
        if request_id is not None and outcome.run_id is not None:
            self.runlog.queue.attach_run(request_id, outcome.run_id)
        if outcome.status == "failed":
            self._after_failure(source_id, outcome.run_id, counted=True)
        return outcome.status

    # -- failures and backoff ------------------------------------------------------------

    def _after_failure(self, source_id: str, run_id: int | None, *, counted: bool) -> None:
        """Count the failure unless the runner did; when the source is failing, back off."""
        max_failures = self.hub.settings.scheduler.max_failures
        if counted:
            found = self.runlog.sources.get(source_id)
            if found is None:
                return
            info = found
        else:
            info = self.runlog.sources.record_failure(source_id, max_failures)
        if not info.failing:
            return
        until = self._back_off(source_id, info.consecutive_failures - max_failures)
        if run_id is None:
            return
        message, detail = failing_message(info.consecutive_failures, max_failures, until)
        self.runlog.events.add(run_id, "error", "backoff", message, detail=detail)

    def _back_off(self, source_id: str, extra_failures: int) -> datetime | None:
        """Skip 2**extra_failures cron fires (capped); the new next fire time."""
        if self.scheduler is None:
            return None
        return back_off(self.scheduler.get_job(job_id(source_id)), extra_failures)
