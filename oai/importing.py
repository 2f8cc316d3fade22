"""`oai records import`: files of records (JSON Lines of the record model, or XML in any
inbound format) into local records, through the one ingest path.

A file is cut into items as a files source's are (`oai.ingest.FileItems`: a container
record by record, a finding aid whole), and the items go the same way as a partner's:
identity (rules of `oai.ingest.identity`: an OAI-PMH record by its header identifier,
the hub's own OAI identifiers giving back their local ids), caps, crosswalk, devised
titles, every format rendered, one transaction per batch. What differs is only where the
records go (`LocalTarget`: written by id, local) and where the ingest reports (the
`ImportSummary`, printed by the command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from oai.hub import Hub
from oai.ingest import (
    Batch,
    Failure,
    FileItems,
    Ingest,
    Item,
    Limits,
    LocalTarget,
    Preparer,
    Reader,
    Stamp,
    WorkerPool,
    drive,
)
from records.db import writer_connection
from records.jsonl import MAX_DOCUMENT_BYTES
from records.model import Record
from records.times import utcnow

__all__ = ["ImportSummary", "import_paths", "import_records"]


@dataclass
class ImportSummary:
    """What an import did; `errors` name file, line and field, or record and format."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    # (record, format) pairs stored without that format's rendering
    unrendered: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failed += 1
        self.errors.append(message)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.failed

    def describe(self) -> str:
        total = self.total
        text = (
            f"{total} records: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )
        if self.unrendered:
            text += f"; {self.unrendered} renderings failed"
        return text


class _SummaryJournal:
    """The ingest journal of an import: its summary (nothing is written to a run log)."""

    def __init__(self, summary: ImportSummary, actor: str | None) -> None:
        self.summary, self.actor = summary, actor

    def event(
        self,
        conn: Connection | None,
        level: str,
        kind: str,
        message: str,
        *,
        page: int | None = None,
        identifier: str | None = None,
        raw: bytes | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        if kind == "render" and detail:  # stored without one format: said, not failed
            self.summary.unrendered += 1
            self.summary.errors.append(
                f"{self.actor}: record {detail['local_id']!r}: format {detail['format']}:"
                f" {detail['error']} (stored without this format)"
            )
        elif kind == "withdrawn" or (level == "error" and kind != "record"):
            # a record's failure is counted below; a withdrawn record is held, and said
            self.summary.errors.append(message)

    def counts(self, conn: Connection | None, counts: Mapping[str, int]) -> None:
        for key in ("added", "updated", "unchanged"):
            setattr(self.summary, key, getattr(self.summary, key) + counts.get(key, 0))

    def checkpoint(self, conn: Connection, state: dict[str, Any]) -> None:
        return None  # an import is not resumed: run again, its records are unchanged

    def seen(self, conn: Connection, local_ids: Sequence[str]) -> None:
        return None

    def finished(self, conn: Connection, document: str) -> None:
        return None

    def failing(self, conn: Connection, failures: Sequence[Failure], stored: Sequence[str]) -> None:
        for failure in failures:
            self.summary.fail(failure.describe())


# called after each batch with the file, the bytes of it read so far, its size, and the
# records done so far in all files
ProgressCallback = Callable[[Path, int, int, int], None]


def _ingest(
    hub: Hub, summary: ImportSummary, actor: str | None, writer: Connection, pool: WorkerPool | None
) -> Ingest:
    stamp = Stamp(None, "", utcnow(), (), f"oai:{hub.settings.repository.identifier}:")
    reader = Reader(hub.registry, _limits(hub))
    return Ingest(
        hub.engine,
        hub.store,
        writer,
        _SummaryJournal(summary, actor),
        Preparer(stamp, reader),
        LocalTarget(stamp, actor),
        hub.render_context,
        pool,
        version=reader.version,
    )


def _limits(hub: Hub) -> Limits:
    harvest = hub.settings.harvest
    return Limits(harvest.max_record_bytes, harvest.max_field_bytes, harvest.max_attributes)


def _batches(items: Iterable[Item], size: int, label: str) -> Iterator[Batch]:
    iterator = iter(items)
    while chunk := list(islice(iterator, max(1, size))):
        yield Batch(chunk, label)


def _run(
    hub: Hub,
    batches: Iterator[Batch],
    summary: ImportSummary,
    actor: str | None,
    workers: int,
    after: Callable[[], None],
) -> None:
    pool = WorkerPool(workers) if workers > 0 else None
    try:
        with writer_connection(hub.engine) as writer:
            ingest = _ingest(hub, summary, actor, writer, pool)
            drive(ingest, batches, ends=(), after=after, name="import")
    finally:
        if pool is not None:
            pool.close()
        try:  # the finding aids its batches marked, once each
            hub.flush_finding_aids()
        except Exception as exc:  # `oai serve`'s refresh assembles them later
            summary.errors.append(f"finding aids not assembled yet: {exc}")


def import_paths(
    hub: Hub,
    paths: Iterable[Path],
    *,
    batch: int = 500,
    progress: ProgressCallback | None = None,
    workers: int = 0,
) -> ImportSummary:
    """Import every record of every file, each read as a stream; bad records are
    reported, the rest imported."""
    summary = ImportSummary()
    settings = hub.settings.harvest
    for path in paths:
        with path.open("rb") as fh:
            size = path.stat().st_size
            items = FileItems(
                fh,
                str(path),
                max_record_bytes=settings.max_record_bytes,
                max_document_bytes=max(settings.max_response_bytes, MAX_DOCUMENT_BYTES),
            )

            def report(path: Path = path, fh: Any = fh, size: int = size) -> None:
                if progress is not None:
                    progress(path, min(fh.tell(), size), size, summary.total)

            _run(hub, _batches(items, batch, str(path)), summary, str(path), workers, report)
            if not items.complete and items.problem:
                summary.errors.append(f"{path}: {items.problem}")
            report()
    return summary


def import_records(
    hub: Hub,
    records: Iterable[Record],
    summary: ImportSummary,
    *,
    batch: int = 500,
    actor: str | None = None,
    after_batch: Callable[[], None] | None = None,
    workers: int = 0,
) -> None:
    """Write records (the demo's, a test's) through the same path, by their ids."""
    items = (
        Item(f"record {record.id}", record.id, read="record-json", data=record.to_dict())
        for record in records
    )
    after = after_batch or (lambda: None)
    _run(hub, _batches(items, batch, actor or "records"), summary, actor, workers, after)
