"""The harvest run log: sources, runs, their events and checkpoints, and the run queue.

Modules: `tables` (the five `harvest_*` tables), `database` (reads, IMMEDIATE write
transactions, the clock), `sources` (partners, high-water marks, failure counts),
`runs` (runs, counters, checkpoints, heartbeats, stale runs), `events` (what happened
in a run, raw XML kept), `seen` (what a full harvest saw), `requested` (runs asked for
on the admin pages, SQLite's queue: see `oai.scheduler.asked`), `validators`
(ETag/Last-Modified of records a partner serves conditionally), `log` (`RunLog`, which
holds one of each).
"""

from __future__ import annotations

from oai.harvest.runlog.database import utcnow
from oai.harvest.runlog.events import EventInfo, Events
from oai.harvest.runlog.failing import Failed, Failing, FailingRecord
from oai.harvest.runlog.log import RunLog
from oai.harvest.runlog.managed import ManagedSources, SourceChange
from oai.harvest.runlog.requested import HarvestRequest, Queue
from oai.harvest.runlog.runs import (
    COUNTERS,
    FINISHED,
    STATUSES,
    Checkpoint,
    Counts,
    RunInfo,
    Runs,
    final_status,
)
from oai.harvest.runlog.seen import Seen
from oai.harvest.runlog.sources import SourceInfo, SourceRow, Sources
from oai.harvest.runlog.validators import Validator, Validators

__all__ = [
    "COUNTERS",
    "FINISHED",
    "STATUSES",
    "Checkpoint",
    "Counts",
    "EventInfo",
    "Events",
    "Failed",
    "Failing",
    "FailingRecord",
    "HarvestRequest",
    "ManagedSources",
    "Queue",
    "RunInfo",
    "RunLog",
    "Runs",
    "Seen",
    "SourceChange",
    "SourceInfo",
    "SourceRow",
    "Sources",
    "Validator",
    "Validators",
    "final_status",
    "utcnow",
]
