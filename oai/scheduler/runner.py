"""How the scheduler has a harvest run: the `Runner` contract and the in-process runner.

A runner takes (hub, source id, trigger, full) and answers a `RunOutcome`. The
in-process `harvest_runner` calls the harvester; on PostgreSQL with the job queue,
`oai.scheduler.queue` defers a job for the `oai worker` processes instead and answers
`QUEUED`. Like `run_harvest`, a runner keeps the source's failure count itself
(`RunLog.sources`: record_failure and record_success); the scheduler reads it to decide
on backing off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oai.harvest import run_harvest
from oai.hub import Hub

__all__ = ["QUEUED", "RunOutcome", "Runner", "harvest_runner"]

QUEUED = "queued"  # a runner's status when a worker will run the harvest later


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What the scheduler needs to know of a finished harvest."""

    run_id: int | None
    status: str


Runner = Callable[[Hub, str, str, bool], RunOutcome]


def harvest_runner(hub: Hub, source_id: str, trigger: str, full: bool) -> RunOutcome:
    """Run one harvest with the harvester."""
    result = run_harvest(hub, source_id, trigger=trigger, full=full)
    return RunOutcome(result.run_id, result.status)
