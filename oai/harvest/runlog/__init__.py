"""The harvest run log: sources, runs, their events and checkpoints, and the run queue."""

from __future__ import annotations

from oai.harvest.runlog.log import (
    COUNTERS,
    STATUSES,
    Checkpoint,
    Counts,
    EventInfo,
    HarvestRequest,
    RunInfo,
    RunLog,
    SourceInfo,
    SourceRow,
    final_status,
    utcnow,
)

__all__ = [
    "COUNTERS",
    "STATUSES",
    "Checkpoint",
    "Counts",
    "EventInfo",
    "HarvestRequest",
    "RunInfo",
    "RunLog",
    "SourceInfo",
    "SourceRow",
    "final_status",
    "utcnow",
]
