"""Read queries of the admin pages that the run log does not have: overviews, chart data.

Everything about one run (its counts, events, raw XML) comes from `oai.harvest.runlog.RunLog`;
this module only adds what a dashboard needs across sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, column, func, inspect, select, table

from oai.harvest.runlog import RunInfo, RunLog, SourceInfo
from oai.harvest.runlog import tables as h
from records import tables as t

__all__ = [
    "ChartPoint",
    "SourceOverview",
    "chart_points",
    "hub_totals",
    "next_runs",
    "record_counts",
    "records_of_run",
    "source_overviews",
]

# the job store table of APScheduler (oai.scheduler.JOBSTORE_TABLE), read-only here
_jobs = table("apscheduler_jobs", column("id"), column("next_run_time"))
_JOB_PREFIX = "harvest:"


@dataclass(frozen=True, slots=True)
class SourceOverview:
    """One line of the dashboard."""

    source: SourceInfo
    last_run: RunInfo | None
    running: RunInfo | None
    next_run: datetime | None
    records: int
    queued: int

    def to_dict(self) -> dict[str, Any]:
        s = self.source
        return {
            "id": s.id,
            "name": s.name,
            "base_url": s.base_url,
            "metadata_prefix": s.metadata_prefix,
            "enabled": s.enabled,
            "failing": s.failing,
            "consecutive_failures": s.consecutive_failures,
            "high_water": s.high_water,
            "schedule": s.settings.get("schedule") or None,
            "records": self.records,
            "queued": self.queued,
            "next_run": _iso(self.next_run),
            "last_run": self.last_run.to_dict() if self.last_run else None,
            "running": self.running.to_dict() if self.running else None,
        }


@dataclass(frozen=True, slots=True)
class ChartPoint:
    run_id: int
    source_id: str
    started_at: datetime
    changed: int
    status: str


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def next_runs(engine: Engine) -> dict[str, datetime | None]:
    """Source id -> the next fire time the scheduler stored (empty before it first ran)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("apscheduler_jobs"):
            return {}
        rows = conn.execute(select(_jobs.c.id, _jobs.c.next_run_time)).all()
    return {
        str(job)[len(_JOB_PREFIX) :]: (
            None if when is None else datetime.fromtimestamp(float(when), UTC)
        )
        for job, when in rows
        if str(job).startswith(_JOB_PREFIX)
    }


def record_counts(engine: Engine) -> dict[str, int]:
    """Live (not deleted) records per source id."""
    r = t.records.c
    query = (
        select(r.source_id, func.count())
        .where(r.source_id.is_not(None), r.deleted.is_(False))
        .group_by(r.source_id)
    )
    with engine.connect() as conn:
        return {str(source): int(n) for source, n in conn.execute(query)}


def _queued(engine: Engine) -> dict[str, int]:
    q = h.harvest_requests.c
    query = select(q.source_id, func.count()).where(q.taken_at.is_(None)).group_by(q.source_id)
    with engine.connect() as conn:
        return {str(source): int(n) for source, n in conn.execute(query)}


def source_overviews(engine: Engine) -> list[SourceOverview]:
    """Every source with its last finished run, running run, next run and record count."""
    log = RunLog(engine)
    counts, queued, upcoming = record_counts(engine), _queued(engine), next_runs(engine)
    out = []
    for source in log.sources():
        out.append(
            SourceOverview(
                source=source,
                last_run=log.last_run(source.id, statuses=("ok", "partial", "failed")),
                running=log.running_run(source.id),
                next_run=upcoming.get(source.id),
                records=counts.get(source.id, 0),
                queued=queued.get(source.id, 0),
            )
        )
    return out


def hub_totals(engine: Engine, store_stats: dict[str, int]) -> dict[str, int]:
    """The store's totals plus runs and sources."""
    with engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(h.harvest_runs)).scalar_one()
        failed = conn.execute(
            select(func.count()).where(h.harvest_runs.c.status == "failed")
        ).scalar_one()
        sources = conn.execute(
            select(func.count()).where(h.harvest_sources.c.enabled.is_(True))
        ).scalar_one()
    return {**store_stats, "runs": runs, "failed_runs": failed, "sources": sources}


def chart_points(
    engine: Engine, *, source_id: str | None = None, limit: int = 60
) -> list[ChartPoint]:
    """The newest finished runs, oldest first: records changed per run."""
    c = h.harvest_runs.c
    query = (
        select(c.id, c.source_id, c.started_at, c.added, c.updated, c.deleted, c.status)
        .where(c.status != "running")
        .order_by(c.id.desc())
        .limit(limit)
    )
    if source_id:
        query = query.where(c.source_id == source_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        ChartPoint(r.id, r.source_id, r.started_at, r.added + r.updated + r.deleted, r.status)
        for r in reversed(rows)
    ]


def records_of_run(engine: Engine, run_id: int, *, limit: int = 200) -> list[tuple[str, str]]:
    """(record id, reason) of the record versions a run wrote."""
    v, r = t.record_versions.c, t.records.c
    query = (
        select(r.local_id, v.reason)
        .join(t.records, r.pk == v.record_pk)
        .where(v.run_id == run_id)
        .order_by(v.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [(str(a), str(b)) for a, b in conn.execute(query)]
