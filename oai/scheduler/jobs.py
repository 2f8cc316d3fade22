"""The scheduler's job store as others read it: its table, job ids, next fire times.

APScheduler keeps one job per source (`harvest:<id>`) in the table `apscheduler_jobs`
of the hub's own database. The admin pages and `oai scheduler --list` read the next
fire times from there, without starting a scheduler.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, column, inspect, select, table

__all__ = ["JOBSTORE_TABLE", "JOB_PREFIX", "job_id", "next_runs"]

JOBSTORE_TABLE = "apscheduler_jobs"
JOB_PREFIX = "harvest:"

_jobs = table(JOBSTORE_TABLE, column("id"), column("next_run_time"))


def job_id(source_id: str) -> str:
    """The job of one source."""
    return f"{JOB_PREFIX}{source_id}"


def next_runs(engine: Engine) -> dict[str, datetime | None]:
    """Source id -> the next fire time the scheduler stored (empty before it first ran)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(JOBSTORE_TABLE):
            return {}
        rows = conn.execute(select(_jobs.c.id, _jobs.c.next_run_time)).all()
    return {
        str(job)[len(JOB_PREFIX) :]: (
            None if when is None else datetime.fromtimestamp(float(when), UTC)
        )
        for job, when in rows
        if str(job).startswith(JOB_PREFIX)
    }
