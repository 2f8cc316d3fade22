"""The one commit step: a batch's records, counts, events, checkpoint in one transaction.

The order of a batch's work is what makes an ingest safe to kill at any instant: the
batch is read (maybe in a worker), then its records, the counters, the events, the
records that failed and the checkpoint that follows the batch are committed in ONE
transaction. Killed before that commit, the batch is done again (its records are then
unchanged); killed after it, the next run goes on from the checkpoint. Nothing is lost
or written twice. Every kind and the import pass through here, so what a run counts
and says is the same whichever way the records came.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from oai.ingest.items import Batch, Item
from oai.ingest.journal import Journal
from oai.ingest.pool import MIN_ITEMS, WorkerPool
from oai.ingest.prepare import Failure, Incoming, Prepared, Preparer
from oai.ingest.reconcile import Outcome
from oai.rendering import RenderContext, RenderFailure
from records.harvested import RecordState
from records.store import Renderer, Store

__all__ = ["Ingest", "Target", "Work", "fingerprint_of"]

COUNTERS = ("added", "updated", "unchanged", "deleted", "failed")


class Target(Protocol):
    """Where a batch's records go: a source's records (`Reconciler`) or local ones."""

    def states(self, conn: Connection, remote_ids: Sequence[str]) -> Mapping[str, RecordState]:
        """The stored state of these partner identities (empty: nothing is skipped)."""

    def apply(self, conn: Connection, incoming: Sequence[Incoming], renderer: Renderer) -> Outcome:
        """Write the batch's records in the caller's transaction."""


def fingerprint_of(item: Item, version: str) -> str | None:
    """What the partner sent for an item, stably: the kind's own fingerprint, else a hash
    of its raw bytes (with the readers' `version`: a new mapping reads everything again)."""
    if item.deleted or item.error or item.read == "document":
        return None
    if item.fingerprint:
        base = item.fingerprint.encode()
    elif item.raw:
        base = item.raw
    elif item.data is not None:
        base = json.dumps(item.data, sort_keys=True, ensure_ascii=False).encode()
    else:
        return None
    return hashlib.sha256(version.encode() + b"\0" + base).hexdigest()


@dataclass
class Work:
    """A batch on its way to the store: read in place, or in a worker."""

    batch: Batch
    unchanged: frozenset[int]
    prepared: Prepared | Future[Prepared]


@dataclass
class Ingest:
    """One ingest (a harvest run, or an import): batches in, commits out, in order."""

    engine: Engine
    store: Store
    writer: Connection  # every batch is written on it (SQLite: its write lock first)
    journal: Journal
    preparer: Preparer
    target: Target
    render: RenderContext
    pool: WorkerPool | None = None
    full: bool = False  # a complete reading: what it saw is kept for the sweep
    version: str = ""  # of the readers: part of every fingerprint
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    pages: int = 0
    records: int = 0
    failures: list[Failure] = field(default_factory=list)  # the first ones, for a summary
    # document (file) -> the partner identities of its records committed so far
    identities: dict[str, list[str]] = field(default_factory=dict)
    _said: set[str] = field(default_factory=set)  # documents said to be read by position

    # -- reading ahead ------------------------------------------------------------------

    def seal(self, items: Sequence[Item]) -> None:
        """Make each item's fingerprint final: the kind's own (or a hash of what it
        sent) with the readers' version."""
        for item in items:
            if not item.sealed:
                item.fingerprint = fingerprint_of(item, self.version)
                item.sealed = True

    def unchanged(self, items: Sequence[Item]) -> frozenset[int]:
        """The places of the items whose fingerprint is the one stored with their live
        record: they need not be read or rendered (checked again at the commit)."""
        self.seal(items)
        wanted = {
            i: (item.identifier, item.fingerprint)
            for i, item in enumerate(items)
            if item.identifier and item.fingerprint
        }
        if not wanted:
            return frozenset()
        with self.engine.connect() as conn:
            stored = self.target.states(conn, sorted({r for r, _ in wanted.values()}))
        return frozenset(
            i
            for i, (remote, printed) in wanted.items()
            if remote in stored and _same(stored[remote], printed)
        )

    def prepare(self, batch: Batch) -> Work:
        """Fingerprint a batch, then read what changed: here, or (large batches, with
        workers) in the pool."""
        unchanged = self.unchanged(batch.items)
        changed = len(batch.items) - len(unchanged)
        if self.pool is not None and changed >= MIN_ITEMS:
            future = self.pool.submit(
                self.preparer, batch.items, batch.context, unchanged, self.render
            )
            return Work(batch, unchanged, future)
        return Work(batch, unchanged, self.preparer.prepare(batch.items, batch.context, unchanged))

    # -- the commit ---------------------------------------------------------------------

    def commit(self, work: Work) -> dict[str, int]:
        """Write one batch with its counts, events, failures and checkpoint; its counts."""
        batch = work.batch
        prepared = work.prepared if isinstance(work.prepared, Prepared) else work.prepared.result()
        conn = self.writer
        with conn.begin():
            incoming = self._checked(conn, batch, prepared)
            renderer = prepared.renderer(self.render)
            outcome = self.target.apply(conn, incoming, renderer)
            failures = prepared.failures + self._refused()
            counts = {**outcome.counts, "failed": len(failures), "pages": batch.pages}
            seen = list(outcome.seen)
            if batch.unchanged:
                seen += self._unchanged(conn, batch, counts)
            self.journal.counts(conn, counts)
            self._events(conn, batch, prepared, failures, renderer.failures, outcome, counts)
            if self.full:
                self.journal.seen(conn, seen)
            self._identities(batch, incoming)
            self.journal.failing(conn, failures, [*outcome.stored, *batch.gone])
            for document in batch.finished:
                self.journal.finished(conn, document)
            checkpoint = batch.checkpoint() if callable(batch.checkpoint) else batch.checkpoint
            if checkpoint is not None:
                self.journal.checkpoint(conn, checkpoint)
        for key in COUNTERS:
            self.counts[key] += counts.get(key, 0)
        self.pages += batch.pages
        self.records += len(batch)
        self.failures += failures[: max(0, 100 - len(self.failures))]
        return counts

    def _identities(self, batch: Batch, incoming: Sequence[Incoming]) -> None:
        """Keep which partner identities each document (file) gave, in order."""
        for record in incoming:
            document = batch.items[record.item].document if record.item < len(batch.items) else None
            if document is not None:
                self.identities.setdefault(document, []).append(record.remote_id)

    def _checked(self, conn: Connection, batch: Batch, prepared: Prepared) -> list[Incoming]:
        """The batch's records, with those skipped by their fingerprint checked against
        the store as it is now (an earlier batch of this run may have changed them):
        read now the ones that are no longer as stored."""
        skipped = [i for i in prepared.incoming if i.unchanged]
        if not skipped:
            return prepared.incoming
        stored = self.target.states(conn, [i.remote_id for i in skipped])
        stale = {
            i.item
            for i in skipped
            if i.remote_id not in stored or not _same(stored[i.remote_id], i.fingerprint)
        }
        if not stale:
            return prepared.incoming
        again = self.preparer.prepare([batch.items[i] for i in sorted(stale)], batch.context)
        places = sorted(stale)
        prepared.failures += again.failures
        prepared.positional += again.positional
        kept = [i for i in prepared.incoming if not (i.unchanged and i.item in stale)]
        return kept + [_placed(i, places) for i in again.incoming]

    def _refused(self) -> list[Failure]:
        refused: list[tuple[Incoming, str]] = getattr(self.target, "refused", [])
        found = [Failure(i.remote_id, f"record {i.remote_id}", why) for i, why in refused]
        refused.clear()
        return found

    def _unchanged(self, conn: Connection, batch: Batch, counts: dict[str, int]) -> list[str]:
        """Partner identities the kind knows unchanged: seen, counted, nothing else."""
        stored = self.target.states(conn, batch.unchanged)
        counts["unchanged"] += len(batch.unchanged)
        return [s.local_id for s in stored.values() if not s.deleted]

    def _events(
        self,
        conn: Connection,
        batch: Batch,
        prepared: Prepared,
        failures: list[Failure],
        unrendered: list[RenderFailure],
        outcome: Outcome,
        counts: dict[str, int],
    ) -> None:
        say, page = self.journal.event, batch.page
        for note in batch.notes:
            say(conn, note.level, note.kind, note.message, page=page, detail=note.detail)
        for document in dict.fromkeys(prepared.positional):
            if document not in self._said:
                self._said.add(document)
                say(
                    conn,
                    "info",
                    "identity",
                    f"{document}: records without an identifier of their own are"
                    " identified by their place in the file",
                    page=page,
                )
        for failure in failures:
            say(
                conn,
                "error",
                "record",
                f"record rejected: {failure.describe()}",
                page=page,
                identifier=failure.identifier,
                raw=failure.raw or None,
                detail={"error": failure.message, "where": failure.where},
            )
        for failed in unrendered:  # the record is stored, in every format but this one
            say(
                conn,
                "warning",
                "render",
                f"{failed.record_id}: stored without {failed.prefix}: {failed.reason}",
                page=page,
                identifier=failed.identifier,
                detail={
                    "local_id": failed.record_id,
                    "format": failed.prefix,
                    "error": failed.reason,
                },
            )
        _outcome_events(say, conn, page, outcome)
        if batch.items or batch.unchanged or batch.pages:
            summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v and k != "pages")
            say(
                conn,
                "info",
                "page",
                f"{batch.label}: {summary or 'empty'}",
                page=page,
                detail=counts,
            )


def _outcome_events(say: Any, conn: Connection, page: int | None, outcome: Outcome) -> None:
    for remote_id, local_id, fields in outcome.conflicts:
        say(
            conn,
            "warning",
            "conflict",
            f"{local_id}: local edits kept in {', '.join(fields)}",
            page=page,
            identifier=remote_id,
            detail={"fields": fields, "local_id": local_id},
        )
    for remote_id, local_id in outcome.linked:
        say(
            conn,
            "info",
            "link",
            f"{remote_id} linked to local {local_id}",
            page=page,
            identifier=remote_id,
        )
    for remote_id, local_id in outcome.unlinked:
        say(
            conn,
            "warning",
            "unlink",
            f"{remote_id} was deleted by the partner: the local record {local_id} it kept up"
            " to date is unlinked, not deleted",
            page=page,
            identifier=remote_id,
            detail={"local_id": local_id},
        )
    for remote_id, local_id in outcome.renamed:
        say(
            conn,
            "info",
            "identity",
            f"{remote_id} is stored as {local_id}: its first choice of id is another"
            " partner identifier's",
            page=page,
            identifier=remote_id,
        )
    for local_id in outcome.withheld:
        say(
            conn,
            "warning",
            "withdrawn",
            f"{local_id} is withdrawn from publication: this version was not published;"
            " the withdrawal holds until the record is reinstated",
            page=page,
            detail={"local_id": local_id},
        )
    if outcome.orphaned:
        say(
            conn,
            "info",
            "orphans",
            f"page {page}: {len(outcome.orphaned)} component record(s) tombstoned: their "
            "finding aid was deleted or no longer has them",
            page=page,
            detail={"local_ids": outcome.orphaned[:100]},
        )


def _same(state: RecordState, printed: str | None) -> bool:
    return bool(printed) and not state.deleted and state.fingerprint == printed


def _placed(item: Incoming, places: list[int]) -> Incoming:
    """A record read again from the sub-batch `places`, back at its place in the batch."""
    return replace(item, item=places[item.item])
