"""The one ingest path: records a partner sent, or a file holds, into the store.

Every partner kind (`oai.harvest.kinds`: OAI-PMH, ARON, files) and `oai records import`
only *produce* items (`Item`: the partner's identifier, the raw bytes or JSON, how to
read it, where it came from) in batches (`Batch`, with the checkpoint that follows
each). Everything after that happens here, once, the same for every kind:

    produce (a kind)  ->  fingerprint (unchanged records are not read again)
                      ->  read: caps, crosswalk, devised titles, identity  (`prepare`,
                          in a worker process for large batches)
                      ->  reconcile (merge with local edits, link, delete, unlink)
                      ->  write with every format rendered, counts, events, failing
                          records and the checkpoint, in ONE transaction  (`commit`)
                      ->  at the end of a complete reading, the guarded sweep (`sweep`)

Modules: `items` (what kinds produce), `documents` (cutting OAI-PMH records, container
files, whole documents and JSON Lines into items), `caps`, `read`, `identity` (the
identity rules), `prepare`, `reconcile` (partner records) and `local` (the import's
local records), `journal` (where an ingest reports: a run, or an import summary),
`commit`, `driver` (read-ahead and ordered commits), `pool`, `prefetch`, `sweep`.
"""

from __future__ import annotations

from oai.ingest.caps import DEFAULT_LIMITS, Limits
from oai.ingest.commit import Ingest, fingerprint_of
from oai.ingest.documents import FileItems, Header, header_of, oai_items
from oai.ingest.driver import drive
from oai.ingest.identity import local_id_for
from oai.ingest.items import DEFAULT_BATCH, Batch, Item, Note
from oai.ingest.journal import Journal
from oai.ingest.local import LocalTarget
from oai.ingest.pool import WorkerPool, watch_parent
from oai.ingest.prepare import MATCH_KEYS, Failure, Preparer, Stamp
from oai.ingest.read import Reader
from oai.ingest.reconcile import Reconciler, merge_fields
from oai.ingest.sweep import SweepOutcome, sweep

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_LIMITS",
    "MATCH_KEYS",
    "Batch",
    "Failure",
    "FileItems",
    "Header",
    "Ingest",
    "Item",
    "Journal",
    "Limits",
    "LocalTarget",
    "Note",
    "Preparer",
    "Reader",
    "Reconciler",
    "Stamp",
    "SweepOutcome",
    "WorkerPool",
    "drive",
    "fingerprint_of",
    "header_of",
    "local_id_for",
    "merge_fields",
    "oai_items",
    "sweep",
    "watch_parent",
]
