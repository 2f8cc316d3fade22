"""The harvester: pulls partners' records over OAI-PMH and reconciles them with ours.

    result = run_harvest(hub, "partner", trigger="schedule")

Modules:
    `harvester`  one run of one source: window, streams, checkpoints, sweep, high water
    `pipeline`   a set stream's pages, from the partner to committed store writes
    `state`      what a run shares while it goes (`RunState`) and one stream's position
    `stream`     Identify, and one ListRecords stream followed through its tokens
    `client`     the one network seam: a requests session with timeouts and retries
    `parse`      partner responses -> typed pages, repaired and parsed safely
    `prepare`    partner records -> record model, outside any transaction
    `pool`       crosswalking and rendering pages ahead in worker processes
    `prefetch`   an iterator run ahead in a thread (fetch page N+1 while writing N)
    `reconcile`  partner records -> the store, merged field by field
    `runlog`     the run log: sources, runs, events, what a full harvest saw, the queue
    `errors`     the harvester's exception tree
    `commands`   the CLI: `oai harvest`, `oai runs`, `oai records history`
"""

from __future__ import annotations

from oai.harvest.harvester import Progress, RunResult, run_harvest, sync_sources

__all__ = ["Progress", "RunResult", "run_harvest", "sync_sources"]
