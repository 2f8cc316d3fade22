"""The harvest run log: sources, runs, their events and checkpoints, and the run queue.

Written by the harvester while it runs and read by `oai runs`, the scheduler and the
admin pages. Every method is one short transaction, so a reader always sees a run's
counts as of its last committed page.

One harvest per source at a time is the database's own guarantee: a partial unique
index on `harvest_runs(source_id) WHERE status = 'running'` (migration 0002) makes a
second `start_run` fail with `RunInProgress`, whichever process tries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Row,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from oai.harvest.errors import RunInProgress, RunLogError
from oai.harvest.runlog import tables as t
from records.db import insert_ignore

__all__ = [
    "COUNTERS",
    "Checkpoint",
    "Counts",
    "EventInfo",
    "HarvestRequest",
    "RunInfo",
    "RunLog",
    "SourceInfo",
    "SourceRow",
    "final_status",
]

Status = Literal["running", "ok", "partial", "failed"]
STATUSES: tuple[str, ...] = ("running", "ok", "partial", "failed")
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
# (id, name, base_url, metadata_prefix, settings as JSON text)
SourceRow = tuple[str, str, str, str, str]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    name: str | None
    base_url: str
    metadata_prefix: str
    settings: dict[str, Any]
    enabled: bool
    failing: bool
    consecutive_failures: int
    high_water: str | None
    granularity: str | None
    updated_at: datetime | None


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO 8601 UTC), as `oai runs --json` and /api give it."""
        data = asdict(self)
        for key in ("started_at", "finished_at", "heartbeat_at"):
            value = getattr(self, key)
            data[key] = value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
        return data


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    run_id: int
    at: datetime
    level: str
    kind: str
    message: str
    page: int | None
    identifier: str | None
    has_raw: bool
    detail: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where an unfinished run stopped: its window and per-stream state, to resume."""

    run_id: int
    full: bool
    window_from: str | None
    window_until: str | None
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HarvestRequest:
    id: int
    source_id: str
    full: bool
    requested_at: datetime
    requested_by: str | None
    taken_at: datetime | None
    run_id: int | None


def final_status(requested: str, counts: Counts) -> str:
    """The status a run ends with: failed records make "ok" partial, most failed: failed."""
    if requested != "ok" or counts.failed == 0:
        return requested
    return "failed" if counts.failed * 2 > counts.total else "partial"


def _json(value: str | None) -> dict[str, Any] | None:
    return None if value is None else dict(json.loads(value))


def _source(row: Row[Any]) -> SourceInfo:
    return SourceInfo(
        row.id,
        row.name,
        row.base_url,
        row.metadata_prefix,
        json.loads(row.settings or "{}"),
        bool(row.enabled),
        bool(row.failing),
        row.consecutive_failures,
        row.high_water,
        row.granularity,
        row.updated_at,
    )


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
        _json(row.checkpoint),
        row.message,
    )


_EVENT_COLUMNS = (
    t.harvest_events.c.id,
    t.harvest_events.c.run_id,
    t.harvest_events.c.at,
    t.harvest_events.c.level,
    t.harvest_events.c.kind,
    t.harvest_events.c.message,
    t.harvest_events.c.page,
    t.harvest_events.c.identifier,
    t.harvest_events.c.raw.is_not(None).label("has_raw"),
    t.harvest_events.c.detail,
)


def _request(row: Row[Any]) -> HarvestRequest:
    return HarvestRequest(
        row.id,
        row.source_id,
        bool(row.full),
        row.requested_at,
        row.requested_by,
        row.taken_at,
        row.run_id,
    )


class RunLog:
    """Reads and writes of the harvest log tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # write transactions take SQLite's write lock when they begin: one that read first
        # could not take it later while another connection commits (SQLITE_BUSY at once)
        self._writes = engine.execution_options(sqlite_begin_immediate=True)

    # -- sources ------------------------------------------------------------------------

    def sync_sources(self, rows: Iterable[SourceRow]) -> None:
        """Make the sources table match the configuration; sources no longer there are
        disabled (their runs and records stay)."""
        now = utcnow()
        rows = list(rows)
        with self._writes.begin() as conn:
            insert_ignore(
                conn,
                t.harvest_sources,
                [
                    {
                        "id": i,
                        "name": n,
                        "base_url": u,
                        "metadata_prefix": p,
                        "settings": s,
                        "enabled": True,
                        "failing": False,
                        "consecutive_failures": 0,
                        "updated_at": now,
                    }
                    for i, n, u, p, s in rows
                ],
            )
            for source_id, name, url, prefix, settings in rows:
                conn.execute(
                    update(t.harvest_sources)
                    .where(t.harvest_sources.c.id == source_id)
                    .values(
                        name=name,
                        base_url=url,
                        metadata_prefix=prefix,
                        settings=settings,
                        enabled=True,
                    )
                )
            ids = [row[0] for row in rows]
            stale = t.harvest_sources.c.id.not_in(ids) if ids else true()
            conn.execute(update(t.harvest_sources).where(stale).values(enabled=False))

    def source(self, source_id: str) -> SourceInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.harvest_sources).where(t.harvest_sources.c.id == source_id)
            ).first()
        return None if row is None else _source(row)

    def sources(self) -> list[SourceInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.harvest_sources).order_by(t.harvest_sources.c.id))
            return [_source(row) for row in rows]

    def set_high_water(self, source_id: str, until: str, granularity: str | None = None) -> None:
        """Move the source's high-water mark (the partner's responseDate of a complete run)."""
        values: dict[str, Any] = {"high_water": until, "updated_at": utcnow()}
        if granularity:
            values["granularity"] = granularity
        self._update_source(source_id, values)

    def record_failure(self, source_id: str, max_failures: int) -> SourceInfo:
        """Count one more failed run; at `max_failures` in a row the source is failing."""
        c = t.harvest_sources.c
        with self._writes.begin() as conn:
            conn.execute(
                update(t.harvest_sources)
                .where(c.id == source_id)
                .values(consecutive_failures=c.consecutive_failures + 1)
            )
            conn.execute(
                update(t.harvest_sources)
                .where(c.id == source_id, c.consecutive_failures >= max_failures)
                .values(failing=True)
            )
        return self._require_source(source_id)

    def record_success(self, source_id: str) -> None:
        self._update_source(source_id, {"consecutive_failures": 0, "failing": False})

    def _update_source(self, source_id: str, values: Mapping[str, Any]) -> None:
        with self._writes.begin() as conn:
            conn.execute(
                update(t.harvest_sources).where(t.harvest_sources.c.id == source_id).values(values)
            )

    def _require_source(self, source_id: str) -> SourceInfo:
        found = self.source(source_id)
        if found is None:
            raise RunLogError(f"unknown harvest source {source_id!r}")
        return found

    # -- runs ---------------------------------------------------------------------------

    def start_run(
        self,
        source_id: str,
        *,
        trigger: str = "cli",
        full: bool = False,
        window_from: str | None = None,
        pid: int | None = None,
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
            "window_from": window_from,
            **dict.fromkeys(COUNTERS, 0),
        }
        try:
            with self._writes.begin() as conn:
                key = conn.execute(insert(t.harvest_runs).values(values)).inserted_primary_key
        except IntegrityError:
            running = self.running_run(source_id)
            if running is None and self.source(source_id) is None:
                raise RunLogError(f"unknown harvest source {source_id!r}") from None
            raise RunInProgress(source_id, running.id if running else None) from None
        assert key is not None
        return int(key[0])

    def running_run(self, source_id: str) -> RunInfo | None:
        c = t.harvest_runs.c
        query = select(t.harvest_runs).where(c.source_id == source_id, c.status == "running")
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _run(row)

    def set_window(self, run_id: int, window_from: str | None, window_until: str | None) -> None:
        self._update_run(run_id, {"window_from": window_from, "window_until": window_until})

    def heartbeat(self, run_id: int) -> bool:
        """Prove the run alive; False when it is no longer running (e.g. marked stale)."""
        c = t.harvest_runs.c
        with self._writes.begin() as conn:
            result = conn.execute(
                update(t.harvest_runs)
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
        c = t.harvest_runs.c
        values = {name: c[name] + n for name, n in counts.items() if n}
        if values:
            self._update_run(run_id, values, conn)

    def checkpoint(
        self, run_id: int, state: Mapping[str, Any], conn: Connection | None = None
    ) -> None:
        """Save the run's resumable state (per stream: token, window)."""
        self._update_run(run_id, {"checkpoint": json.dumps(state, sort_keys=True)}, conn)

    def finish(self, run_id: int, status: str, message: str | None = None) -> RunInfo:
        """Close a running run; "ok" is downgraded when records failed (`final_status`)."""
        if status not in STATUSES[1:]:
            raise ValueError(f"a run finishes ok, partial or failed, not {status!r}")
        c = t.harvest_runs.c
        status = final_status(status, self._require_run(run_id).counts)
        with self._writes.begin() as conn:
            conn.execute(
                update(t.harvest_runs)
                .where(c.id == run_id, c.status == "running")
                .values(status=status, finished_at=utcnow(), message=message)
            )
        return self._require_run(run_id)

    def abandon(self, run_id: int, message: str) -> bool:
        """Mark one running run failed (its process is gone); False if it was not running."""
        c = t.harvest_runs.c
        with self._writes.begin() as conn:
            result = conn.execute(
                update(t.harvest_runs)
                .where(c.id == run_id, c.status == "running")
                .values(status="failed", finished_at=utcnow(), message=message)
            )
        return bool(result.rowcount)

    def mark_stale_runs(self, older_than: timedelta) -> list[int]:
        """Fail runs left `running` whose last heartbeat is older than `older_than`."""
        c = t.harvest_runs.c
        limit = utcnow() - older_than
        last_sign = func.coalesce(c.heartbeat_at, c.started_at)
        with self.engine.connect() as conn:
            query = select(c.id).where(c.status == "running", last_sign < limit)
            ids = list(conn.execute(query).scalars())
        seconds = int(older_than.total_seconds())
        return [i for i in ids if self.abandon(i, f"no heartbeat for over {seconds}s: stale")]

    def _update_run(
        self, run_id: int, values: Mapping[str, Any], conn: Connection | None = None
    ) -> None:
        self._execute(
            update(t.harvest_runs).where(t.harvest_runs.c.id == run_id).values(values), conn
        )

    def _execute(self, statement: Executable, conn: Connection | None) -> Any:
        if conn is not None:
            return conn.execute(statement)
        with self._writes.begin() as own:
            return own.execute(statement)

    def _require_run(self, run_id: int) -> RunInfo:
        found = self.run(run_id)
        if found is None:
            raise RunLogError(f"no harvest run {run_id}")
        return found

    def run(self, run_id: int) -> RunInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.harvest_runs).where(t.harvest_runs.c.id == run_id)).first()
        return None if row is None else _run(row)

    def runs(
        self,
        *,
        source_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[RunInfo]:
        """Runs newest first, keyset-paged on the id (pass the last id as `before_id`)."""
        c = t.harvest_runs.c
        query = select(t.harvest_runs).order_by(c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(c.source_id == source_id)
        if status is not None:
            query = query.where(c.status == status)
        if since is not None:
            query = query.where(c.started_at >= since)
        if before_id is not None:
            query = query.where(c.id < before_id)
        with self.engine.connect() as conn:
            return [_run(row) for row in conn.execute(query)]

    def last_run(
        self, source_id: str, *, statuses: Sequence[str] = ("ok", "partial")
    ) -> RunInfo | None:
        """The newest run of a source with one of `statuses`."""
        found = [r for s in statuses for r in self.runs(source_id=source_id, status=s, limit=1)]
        return max(found, key=lambda r: r.id) if found else None

    def last_checkpoint(self, source_id: str) -> Checkpoint | None:
        """The checkpoint of the newest failed run, if no run completed since: to resume."""
        c = t.harvest_runs.c
        done = (
            select(func.max(c.id))
            .where(c.source_id == source_id, c.status.in_(("ok", "partial")))
            .scalar_subquery()
        )
        query = (
            select(t.harvest_runs)
            .where(c.source_id == source_id, c.status == "failed", c.checkpoint.is_not(None))
            .where(or_(done.is_(None), c.id > done))
            .order_by(c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        state = _json(row.checkpoint) or {}
        return Checkpoint(row.id, bool(row.full), row.window_from, row.window_until, state)

    # -- what a full harvest saw -------------------------------------------------------

    def mark_seen(
        self, run_id: int, local_ids: Iterable[str], conn: Connection | None = None
    ) -> None:
        """Remember records a full run saw (in the caller's page transaction, with `conn`)."""
        rows = [{"run_id": run_id, "local_id": i} for i in sorted(set(local_ids))]
        if not rows:
            return
        if conn is not None:
            insert_ignore(conn, t.harvest_seen, rows)
            return
        with self._writes.begin() as own:
            insert_ignore(own, t.harvest_seen, rows)

    def seen(self, run_ids: Sequence[int]) -> set[str]:
        """Every record seen by these runs (a full harvest and the runs that resumed it)."""
        query = select(t.harvest_seen.c.local_id).where(t.harvest_seen.c.run_id.in_(run_ids))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def forget_seen(self, run_ids: Sequence[int]) -> None:
        with self._writes.begin() as conn:
            conn.execute(delete(t.harvest_seen).where(t.harvest_seen.c.run_id.in_(run_ids)))

    # -- events -------------------------------------------------------------------------

    def add_event(
        self,
        run_id: int,
        level: str,
        kind: str,
        message: str,
        *,
        page: int | None = None,
        identifier: str | None = None,
        raw: bytes | None = None,
        detail: Mapping[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Log one event of a run; `raw` keeps a rejected page or record for download."""
        values = {
            "run_id": run_id,
            "at": utcnow(),
            "level": level,
            "kind": kind,
            "message": message,
            "page": page,
            "identifier": identifier,
            "raw": raw,
            "detail": None if detail is None else json.dumps(detail, sort_keys=True),
        }
        key = self._execute(insert(t.harvest_events).values(values), conn).inserted_primary_key
        assert key is not None
        return int(key[0])

    def events(
        self,
        run_id: int,
        *,
        level: str | None = None,
        kind: str | None = None,
        after_id: int | None = None,
        limit: int = 500,
    ) -> list[EventInfo]:
        """A run's events oldest first, keyset-paged on the id (pass the last as `after_id`)."""
        e = t.harvest_events.c
        query = select(*_EVENT_COLUMNS).where(e.run_id == run_id).order_by(e.id).limit(limit)
        if level is not None:
            query = query.where(e.level == level)
        if kind is not None:
            query = query.where(e.kind == kind)
        if after_id is not None:
            query = query.where(e.id > after_id)
        with self.engine.connect() as conn:
            return [
                EventInfo(
                    r.id,
                    r.run_id,
                    r.at,
                    r.level,
                    r.kind,
                    r.message,
                    r.page,
                    r.identifier,
                    bool(r.has_raw),
                    _json(r.detail),
                )
                for r in conn.execute(query)
            ]

    def event_raw(self, event_id: int) -> bytes | None:
        """The raw page or record kept with an event."""
        query = select(t.harvest_events.c.raw).where(t.harvest_events.c.id == event_id)
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else bytes(value)

    # -- the queue of requested runs ---------------------------------------------------

    def request_run(self, source_id: str, *, full: bool = False, by: str | None = None) -> int:
        """Queue a run ("harvest now"); the scheduler process takes it."""
        values = {
            "source_id": source_id,
            "full": full,
            "requested_at": utcnow(),
            "requested_by": by,
        }
        with self._writes.begin() as conn:
            key = conn.execute(insert(t.harvest_requests).values(values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def take_request(self) -> HarvestRequest | None:
        """Claim the oldest untaken request (each is taken once, even by rival takers)."""
        q = t.harvest_requests.c
        while True:
            # read first, then claim with one conditional UPDATE: a write transaction
            # that starts with its write waits for SQLite's lock instead of failing
            with self.engine.connect() as conn:
                first = conn.execute(
                    select(q.id).where(q.taken_at.is_(None)).order_by(q.id).limit(1)
                ).scalar()
            if first is None:
                return None
            with self._writes.begin() as conn:
                claimed = conn.execute(
                    update(t.harvest_requests)
                    .where(and_(q.id == first, q.taken_at.is_(None)))
                    .values(taken_at=utcnow())
                ).rowcount
            if claimed:
                return self._request(first)

    def attach_request(self, request_id: int, run_id: int) -> None:
        """Note which run carried out a request."""
        with self._writes.begin() as conn:
            conn.execute(
                update(t.harvest_requests)
                .where(t.harvest_requests.c.id == request_id)
                .values(run_id=run_id)
            )

    def pending_requests(self, source_id: str | None = None) -> list[HarvestRequest]:
        q = t.harvest_requests.c
        query = select(t.harvest_requests).where(q.taken_at.is_(None)).order_by(q.id)
        if source_id is not None:
            query = query.where(q.source_id == source_id)
        with self.engine.connect() as conn:
            return [_request(row) for row in conn.execute(query)]

    def _request(self, request_id: int) -> HarvestRequest:
        query = select(t.harvest_requests).where(t.harvest_requests.c.id == request_id)
        with self.engine.connect() as conn:
            return _request(conn.execute(query).one())
