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
    `sources`    the sources of a hub: the configuration's and the browser's, as one list
    `notify`     failure notifications (e-mail, webhooks)
    `wording`    errors in plain words for the admin pages
The commands (`oai harvest`, `oai runs`, `oai records history`) are in `oai.cli.harvest`.
"""

from __future__ import annotations

from oai.harvest.addresses import resolves_to_private
from oai.harvest.client import Client, ClientConfig, check_url
from oai.harvest.errors import HarvestError, RunInProgress, UnsafeURL
from oai.harvest.harvester import Progress, RunResult, run_harvest, sync_if_changed, sync_sources
from oai.harvest.kinds import KINDS, Probe, kind_of
from oai.harvest.kinds.files import outside_roots
from oai.harvest.notify import notify_run, wait_for_deliveries
from oai.harvest.single import reharvest_record
from oai.harvest.sources import (
    SourceEntry,
    address_policy,
    all_sources,
    find_source,
    source_entries,
    source_from_table,
    table_of,
)
from oai.harvest.wording import in_words

# What the rest of oaihub (the scheduler, the web app, the CLI) may use; every other
# module of the package is its own business. The run log has a face of its own,
# `oai.harvest.runlog`. An import-linter contract keeps others to these two.
__all__ = [
    "KINDS",
    "Client",
    "ClientConfig",
    "HarvestError",
    "Probe",
    "Progress",
    "RunInProgress",
    "RunResult",
    "SourceEntry",
    "UnsafeURL",
    "address_policy",
    "all_sources",
    "check_url",
    "find_source",
    "in_words",
    "kind_of",
    "notify_run",
    "outside_roots",
    "reharvest_record",
    "resolves_to_private",
    "run_harvest",
    "source_entries",
    "source_from_table",
    "sync_if_changed",
    "sync_sources",
    "table_of",
    "wait_for_deliveries",
]
