"""What the admin pages show across sources: overviews, totals, chart data.

Composed from the run log (`oai.harvest.runlog.RunLog`), the record store and the
scheduler's job store; the harvest tables are read by the run log only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from oai.harvest.runlog import FINISHED, RunInfo, RunLog, SourceInfo
from oai.hub import Hub
from oai.scheduler.asked import runs_waiting
from oai.scheduler.jobs import next_runs
from records.store import Store
from records.times import format_datestamp

__all__ = [
    "ChartPoint",
    "SourceOverview",
    "chart_points",
    "failed_in_last_runs",
    "hub_totals",
    "record_counts",
    "records_of_run",
    "source_overviews",
]


@dataclass(frozen=True, slots=True)
class SourceOverview:
    """One line of the dashboard."""

    source: SourceInfo
    last_run: RunInfo | None
    running: RunInfo | None
    next_run: datetime | None
    records: int
    queued: int
    last_failed: RunInfo | None = None  # the newest failed run, for its error in words
    resumable: bool = False  # a failed run left a checkpoint that no later run completed

    @property
    def last_error(self) -> str | None:
        """The newest failure's message, while no later run has completed."""
        failed, last = self.last_failed, self.last_run
        if failed is None or (last is not None and last.id != failed.id):
            return None
        return failed.message

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
            "last_error": self.last_error,
            "resumable": self.resumable,
        }


@dataclass(frozen=True, slots=True)
class ChartPoint:
    run_id: int
    source_id: str
    started_at: datetime
    changed: int
    status: str


def _iso(value: datetime | None) -> str | None:
    return format_datestamp(value) if value else None


def record_counts(engine: Engine) -> dict[str, int]:
    """Live (not deleted) records per source id."""
    return Store(engine).live_counts_by_source()


def source_overviews(hub: Hub) -> list[SourceOverview]:
    """Every source with its last finished run, running run, next run, record count and
    the runs waiting in the queue."""
    engine = hub.engine
    log = RunLog(engine)
    counts, queued, upcoming = (record_counts(engine), runs_waiting(hub), next_runs(engine))
    out = []
    for source in log.sources.all():
        out.append(
            SourceOverview(
                source=source,
                last_run=log.runs.last(source.id, statuses=FINISHED),
                running=log.runs.running(source.id),
                next_run=upcoming.get(source.id),
                records=counts.get(source.id, 0),
                queued=queued.get(source.id, 0),
                last_failed=log.runs.last(source.id, statuses=("failed",)),
                resumable=log.runs.last_checkpoint(source.id) is not None,
            )
        )
    return out


def hub_totals(engine: Engine, store_stats: dict[str, int]) -> dict[str, int]:
    """The store's totals plus runs and sources."""
    log = RunLog(engine)
    return {
        **store_stats,
        "runs": log.runs.count(),
        "failed_runs": log.runs.count(status="failed"),
        "sources": log.sources.count_enabled(),
    }


def chart_points(
    engine: Engine, *, source_id: str | None = None, limit: int = 60
) -> list[ChartPoint]:
    """The newest finished runs, oldest first: records changed per run."""
    runs = RunLog(engine).runs.newest_finished(source_id=source_id, limit=limit)
    return [
        ChartPoint(r.id, r.source_id, r.started_at, r.counts.changed, r.status)
        for r in reversed(runs)
    ]


def records_of_run(engine: Engine, run_id: int, *, limit: int = 200) -> list[tuple[str, str]]:
    """(record id, reason) of the record versions a run wrote."""
    return Store(engine).versions_of_run(run_id, limit=limit)


def failed_in_last_runs(
    engine: Engine, source_id: str | None = None, *, limit: int = 1000
) -> list[tuple[str, str, int]]:
    """(source id, partner identifier, run id) of the records each source's last finished
    run rejected."""
    log = RunLog(engine)
    found: list[tuple[str, str, int]] = []
    for source in log.sources.all():
        if source_id and source.id != source_id:
            continue
        run = log.runs.last(source.id, statuses=FINISHED)
        if run is None:
            continue
        for event in log.events.of_run(run.id, level="error", kind="record", limit=limit):
            if event.identifier:
                found.append((source.id, event.identifier, run.id))
    return found[:limit]
