"""Harvest runs: their counters, window, checkpoint and heartbeat, and runs gone stale.

One harvest per source at a time is the database's own guarantee: a partial unique
index on `harvest_runs(source_id) WHERE status = 'running'` (migration 0002) makes a
second `start` fail with `RunInProgress`, whichever process tries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from oai.harvest.errors import RunInProgress, RunLogError
from oai.harvest.runlog.database import Database, load_json, utcnow
from oai.harvest.runlog.sources import Sources
from oai.harvest.runlog.tables import harvest_runs
from records.times import format_datestamp

__all__ = [
    "COUNTERS",
    "FINISHED",
    "STATUSES",
    "Checkpoint",
    "Counts",
    "RunInfo",
    "Runs",
    "final_status",
]

STATUSES: tuple[str, ...] = ("running", "ok", "partial", "failed", "interrupted")
FINISHED = STATUSES[1:]  # the statuses a run ends with
# the runs whose checkpoint the next run continues from, if no run completed since
RESUMABLE = ("failed", "interrupted")
COUNTERS: tuple[str, ...] = (
    "pages",
    "bytes",
    "requests",
    "retries",
    "added",
    "updated",
    "unchanged",
    "deleted",
    "failed",
)


@dataclass(frozen=True, slots=True)
class Counts:
    """What a run did to records."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted

    @property
    def total(self) -> int:
        return self.changed + self.unchanged + self.failed

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    source_id: str
    trigger: str
    full: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    pid: int | None
    window_from: str | None
    window_until: str | None
    pages: int
    bytes: int
    requests: int
    retries: int
    counts: Counts
    checkpoint: dict[str, Any] | None
    message: str | None
    # which process ran it: "host:pid", or the name of the `oai worker` that took its job
    worker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO 8601 UTC), as `oai runs --json` and /api give it."""
        data = asdict(self)
        for key in ("started_at", "finished_at", "heartbeat_at"):
            value = getattr(self, key)
            data[key] = format_datestamp(value) if value else None
        return data


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where an unfinished run stopped: its window and per-stream state, to resume."""

    run_id: int
    full: bool
    window_from: str | None
    window_until: str | None
    state: dict[str, Any]


def final_status(requested: str, counts: Counts) -> str:
    """The status a run ends with: failed records make "ok" partial, most failed: failed."""
    if requested != "ok" or counts.failed == 0:
        return requested
    return "failed" if counts.failed * 2 > counts.total else "partial"


def _run(row: Row[Any]) -> RunInfo:
    counts = Counts(row.added, row.updated, row.unchanged, row.deleted, row.failed)
    return RunInfo(
        row.id,
        row.source_id,
        row.trigger,
        bool(row.full),
        row.status,
        row.started_at,
        row.finished_at,
        row.heartbeat_at,
        row.pid,
        row.window_from,
        row.window_until,
        row.pages,
        row.bytes,
        row.requests,
        row.retries,
        counts,
        load_json(row.checkpoint),
        row.message,
        row.worker,
    )


class Runs:
    """Reads and writes of `harvest_runs`."""

    def __init__(self, db: Database, sources: Sources) -> None:
        self._db = db
        self._sources = sources

    # -- a run's life -------------------------------------------------------------------

    def start(
        self,
        source_id: str,
        *,
        trigger: str = "cli",
        full: bool = False,
        window_from: str | None = None,
        pid: int | None = None,
        worker: str | None = None,
    ) -> int:
        """Open a `running` run; `RunInProgress` if the source already has one."""
        now = utcnow()
        values = {
            "source_id": source_id,
            "trigger": trigger,
            "full": full,
            "status": "running",
            "started_at": now,
            "heartbeat_at": now,
            "pid": pid,
            "worker": worker,
            "window_from": window_from,
            **dict.fromkeys(COUNTERS, 0),
        }
        try:
            with self._db.writes.begin() as conn:
                key = conn.execute(insert(harvest_runs).values(values)).inserted_primary_key
        except IntegrityError:
            running = self.running(source_id)
            if running is None and self._sources.get(source_id) is None:
                raise RunLogError(f"unknown harvest source {source_id!r}") from None
            raise RunInProgress(source_id, running.id if running else None) from None
        assert key is not None
        return int(key[0])

    def set_window(self, run_id: int, window_from: str | None, window_until: str | None) -> None:
        """Note the run's `from`/`until` window."""
        self._update(run_id, {"window_from": window_from, "window_until": window_until})

    def heartbeat(self, run_id: int) -> bool:
        """Prove the run alive; False when it is no longer running (e.g. marked stale)."""
        c = harvest_runs.c
        result = self._db.execute(
            update(harvest_runs)
            .where(c.id == run_id, c.status == "running")
            .values(heartbeat_at=utcnow())
        )
        return bool(result.rowcount)

    def bump(self, run_id: int, **counts: int) -> None:
        """Add to a run's counters (pages, bytes, requests, retries, added, ... failed)."""
        self.add_counts(run_id, counts)

    def add_counts(
        self, run_id: int, counts: Mapping[str, int], conn: Connection | None = None
    ) -> None:
        """`bump` with a mapping; with `conn`, in the caller's transaction (a page's)."""
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown run counter {sorted(unknown)[0]!r}")
        c = harvest_runs.c
        values = {name: c[name] + n for name, n in counts.items() if n}
        if values:
            self._update(run_id, values, conn)

    def checkpoint(
        self, run_id: int, state: Mapping[str, Any], conn: Connection | None = None
    ) -> None:
        """Save the run's resumable state (per stream: token, window)."""
        self._update(run_id, {"checkpoint": json.dumps(state, sort_keys=True)}, conn)

    def drop_checkpoint(self, run_id: int) -> None:
        """Make a run not resumable (a configuration error: resuming would fail again)."""
        self._update(run_id, {"checkpoint": None})

    def finish(self, run_id: int, status: str, message: str | None = None) -> RunInfo:
        """Close a running run; "ok" is downgraded when records failed (`final_status`)."""
        if status not in FINISHED:
            raise ValueError(f"a run finishes {', '.join(FINISHED)}, not {status!r}")
        c = harvest_runs.c
        status = final_status(status, self.require(run_id).counts)
        self._db.execute(
            update(harvest_runs)
            .where(c.id == run_id, c.status == "running")
            .values(status=status, finished_at=utcnow(), message=message)
        )
        return self.require(run_id)

    def abandon(self, run_id: int, message: str) -> bool:
        """Mark one running run failed (its process is gone); False if it was not running."""
        c = harvest_runs.c
        result = self._db.execute(
            update(harvest_runs)
            .where(c.id == run_id, c.status == "running")
            .values(status="failed", finished_at=utcnow(), message=message)
        )
        return bool(result.rowcount)

    def mark_stale(self, older_than: timedelta) -> list[int]:
        """Fail runs left `running` whose last heartbeat is older than `older_than`."""
        c = harvest_runs.c
        limit = utcnow() - older_than
        last_sign = func.coalesce(c.heartbeat_at, c.started_at)
        with self._db.engine.connect() as conn:
            query = select(c.id).where(c.status == "running", last_sign < limit)
            ids = list(conn.execute(query).scalars())
        seconds = int(older_than.total_seconds())
        return [i for i in ids if self.abandon(i, f"no heartbeat for over {seconds}s: stale")]

    def _update(
        self, run_id: int, values: Mapping[str, Any], conn: Connection | None = None
    ) -> None:
        self._db.execute(
            update(harvest_runs).where(harvest_runs.c.id == run_id).values(values), conn
        )

    # -- reading runs -------------------------------------------------------------------

    def get(self, run_id: int) -> RunInfo | None:
        """One run, or None."""
        with self._db.engine.connect() as conn:
            row = conn.execute(select(harvest_runs).where(harvest_runs.c.id == run_id)).first()
        return None if row is None else _run(row)

    def require(self, run_id: int) -> RunInfo:
        """One run; `RunLogError` if there is none of that id."""
        found = self.get(run_id)
        if found is None:
            raise RunLogError(f"no harvest run {run_id}")
        return found

    def running(self, source_id: str) -> RunInfo | None:
        """The source's run in progress, if any."""
        c = harvest_runs.c
        query = select(harvest_runs).where(c.source_id == source_id, c.status == "running")
        with self._db.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _run(row)

    def newest(
        self,
        *,
        source_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[RunInfo]:
        """Runs newest first, keyset-paged on the id (pass the last id as `before_id`)."""
        c = harvest_runs.c
        query = select(harvest_runs).order_by(c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(c.source_id == source_id)
        if status is not None:
            query = query.where(c.status == status)
        if since is not None:
            query = query.where(c.started_at >= since)
        if before_id is not None:
            query = query.where(c.id < before_id)
        with self._db.engine.connect() as conn:
            return [_run(row) for row in conn.execute(query)]

    def newest_finished(self, *, source_id: str | None = None, limit: int = 60) -> list[RunInfo]:
        """The newest runs that are no longer running, newest first."""
        c = harvest_runs.c
        query = select(harvest_runs).where(c.status != "running").order_by(c.id.desc())
        if source_id:
            query = query.where(c.source_id == source_id)
        with self._db.engine.connect() as conn:
            return [_run(row) for row in conn.execute(query.limit(limit))]

    def last(
        self, source_id: str, *, statuses: Sequence[str] = ("ok", "partial")
    ) -> RunInfo | None:
        """The newest harvest of a source with one of `statuses` (a run that fetched
        records again, trigger "record", read too little to count)."""
        found = [
            r
            for s in statuses
            for r in self.newest(source_id=source_id, status=s, limit=20)
            if r.trigger != "record"
        ]
        return max(found, key=lambda r: r.id) if found else None

    def last_checkpoint(self, source_id: str) -> Checkpoint | None:
        """The checkpoint of the newest failed or interrupted run that got somewhere (at
        least one page committed), if no run completed since: to resume."""
        c = harvest_runs.c
        done = (
            select(func.max(c.id))
            # a one-record re-harvest (trigger "record") completes nothing of the stream
            .where(
                c.source_id == source_id,
                c.status.in_(("ok", "partial")),
                c.trigger != "record",
            )
            .scalar_subquery()
        )
        query = (
            select(harvest_runs)
            .where(c.source_id == source_id, c.status.in_(RESUMABLE), c.checkpoint.is_not(None))
            .where(c.pages > 0)
            .where(or_(done.is_(None), c.id > done))
            .order_by(c.id.desc())
            .limit(1)
        )
        with self._db.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        state = load_json(row.checkpoint) or {}
        return Checkpoint(row.id, bool(row.full), row.window_from, row.window_until, state)

    def count(self, *, status: str | None = None) -> int:
        """How many runs there are (of one status)."""
        query = select(func.count()).select_from(harvest_runs)
        if status is not None:
            query = query.where(harvest_runs.c.status == status)
        with self._db.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
