"""The harvester: partners' records, fetched through the interface each has, into the store.

    result = run_harvest(hub, "partner", trigger="schedule")

A run belongs to one source; the source's kind (`kinds`: OAI-PMH, ARON, files) talks to
the partner and cuts what it sends into items, and the one ingest path (`oai.ingest`)
commits them. Modules:
    `harvester`  one run of one source: the run log's run, heartbeat, ingest, end, notices
    `kinds`      the partner kinds behind one small interface (and Test connection)
    `state`      what a run shares while it goes (`RunState`) and one stream's position
    `journal`    a run as the ingest path's journal: counters, events, checkpoints
    `stream`     Identify, and one ListRecords stream followed through its tokens
    `client`     the one network seam: a requests session with timeouts and retries
    `parse`      partner responses -> typed pages cut into records, repaired, safe
    `repair`     byte repairs of a partner's responses (invalid UTF-8, illegal chars)
    `single`     re-harvest one record, for every kind
    `runlog`     the run log: sources, runs, events, what a full harvest saw, the records
                 still failing, the queue, browser-managed sources
    `errors`     the harvester's exception tree
    `commands`   the CLI: `oai harvest`, `oai runs`, `oai records history`
"""

from __future__ import annotations

from oai.harvest.harvester import Progress, RunResult, run_harvest, sync_sources

__all__ = ["Progress", "RunResult", "run_harvest", "sync_sources"]
