"""The harvester: pulls partners' records over OAI-PMH and reconciles them with ours.

    result = run_harvest(hub, "partner", trigger="schedule")

Modules: `client` (the one network seam), `parse` (responses -> pages), `iterator`
(Identify and resumption tokens), `reconcile` (partner records -> store), `harvester`
(one run: window, streams, checkpoints, sweep), `commands` (the CLI).
"""

from __future__ import annotations

from oai.harvest.harvester import Progress, RunResult, run_harvest, sync_sources

__all__ = ["Progress", "RunResult", "run_harvest", "sync_sources"]
