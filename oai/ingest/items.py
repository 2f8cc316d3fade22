"""What a partner kind produces and the ingest path takes: items, in batches.

A kind (OAI-PMH, ARON, files) and `oai records import` only cut what a partner sent into
`Item`s — the partner's identifier, the raw bytes or parsed JSON, how to read it, where it
came from — and hand them over in `Batch`es, each with the checkpoint that follows it.
Reading, identity, caps, reconciliation, rendering, the commit, its events and counts
happen after that, in one place (`oai.ingest`), the same for every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

__all__ = ["DEFAULT_BATCH", "READS", "Batch", "Item", "Note"]

# records committed together: a page or file of any size is read in batches of this many
DEFAULT_BATCH = 500

# How an item is read into record forms (see `oai.ingest.read`):
# - "xml": a metadata element in any inbound format (its root element says which);
# - "document": one whole document (a finding aid), read into all of its records;
# - "aron-entity": an entity of ARON's JSON API (with the batch's `context` labels);
# - "record-json": the record model's own JSON form (JSON Lines).
READS = ("xml", "document", "aron-entity", "record-json")


@dataclass(slots=True)
class Item:
    """One record (or one document of records) as a partner sent it."""

    # where it is, for every message about it: "page 3, record 17", "a.xml, record 4"
    where: str
    # the partner's identifier, when the envelope or the kind knows it (an OAI-PMH
    # header's, an ARON uuid); None: the format's own identifier, read from the record
    identifier: str | None = None
    read: str = "xml"
    raw: bytes = b""  # as received, kept when the item fails
    data: Any = None  # parsed JSON (an ARON entity, a JSON Lines form)
    element: etree._Element | None = None  # parsed already; not sent to a worker
    datestamp: str | None = None
    deleted: bool = False
    # what the partner's record is, stably: equal fingerprints mean an unchanged record
    # (the kind's own, e.g. ARON's content hash; otherwise made from `raw` or `data`)
    fingerprint: str | None = None
    error: str | None = None  # the kind knows already it cannot be read (and why)
    # the document it came from and its place there: the identity of a record whose
    # format carries no identifier ("exports/a.xml", "4")
    document: str | None = None
    position: str | None = None
    # the namespaces declared above it in its document (`raw` is parsed inside them)
    namespaces: tuple[tuple[bytes, bytes], ...] = ()
    sealed: bool = False  # `fingerprint` is final (see `oai.ingest.commit.Ingest.seal`)

    def __getstate__(self) -> dict[str, Any]:
        # a parsed element cannot be pickled: a worker process parses `raw` again
        state = {name: getattr(self, name) for name in self.__slots__}
        state["element"] = None
        return state

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


@dataclass(frozen=True, slots=True)
class Note:
    """Something a kind saw while cutting a batch (a repair of the partner's bytes), logged
    with the batch's commit."""

    level: str
    kind: str
    message: str
    detail: Mapping[str, Any] | None = None


@dataclass(slots=True)
class Batch:
    """Items committed together, and where the kind stands after them."""

    items: list[Item]
    label: str  # "(all) page 3", "exports/a.xml", "ARON batch 12"
    # the kind's state after this batch (saved with its commit; a killed run resumes
    # from it), or a function that makes it at the commit; None: unchanged
    checkpoint: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
    pages: int = 1  # how many partner pages (or files, or requests) it counts as
    notes: list[Note] = field(default_factory=list)
    # what every item's reader needs beside the item (ARON: the names of referenced
    # entities and the portal's address)
    context: Mapping[str, Any] = field(default_factory=dict)
    # partner identifiers the kind knows unchanged without reading them again (a file
    # whose hash did not change): seen and counted, nothing else
    unchanged: list[str] = field(default_factory=list)
    # partner identifiers gone from the partner (asked for again, and not found): no
    # longer failing; nothing else
    gone: list[str] = field(default_factory=list)
    # documents (files) read to their end with this batch: their records that did not
    # fail again are no longer failing
    finished: list[str] = field(default_factory=list)
    page: int | None = None  # the page number events name, when there is one

    def __len__(self) -> int:
        return len(self.items) + len(self.unchanged)
