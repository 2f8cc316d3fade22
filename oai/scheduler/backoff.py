"""Backing off from a failing source: its next cron fires are skipped, more each time.

After `scheduler.max_failures` failed runs in a row a source is failing; each further
failure skips twice as many of its scheduled fires (1, 2, 4, ... at most 64, and never
past a day from now). A successful run, or an admin's Resume, clears the count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from records.times import format_datestamp

__all__ = ["MAX_BACKOFF", "MAX_BACKOFF_FIRES", "back_off", "failing_message"]

MAX_BACKOFF_FIRES = 64
MAX_BACKOFF = timedelta(days=1)


def back_off(job: Any, extra_failures: int) -> datetime | None:
    """Move an APScheduler job's next fire 2**extra_failures fires on (capped); the new
    next fire time, or None for a job without one."""
    if job is None or job.next_run_time is None:
        return None
    fires = min(2 ** max(extra_failures, 0), MAX_BACKOFF_FIRES)
    limit = datetime.now(UTC) + MAX_BACKOFF
    when: datetime = job.next_run_time
    for _ in range(fires):
        following = job.trigger.get_next_fire_time(when, when + timedelta(seconds=1))
        if following is None or following > limit:
            break
        when = following
    job.modify(next_run_time=when)
    return when.astimezone(UTC)


def failing_message(
    consecutive: int, max_failures: int, until: datetime | None
) -> tuple[str, dict[str, Any]]:
    """The run event saying a source is failing and until when its runs back off."""
    when = format_datestamp(until) if until else "its next scheduled time"
    message = (
        f"{consecutive} failed runs in a row (limit scheduler.max_failures = {max_failures}):"
        f" the source is failing; scheduled runs back off until {when}. A successful run or"
        " 'resume' clears this."
    )
    return message, {"consecutive_failures": consecutive, "next_run": when}
