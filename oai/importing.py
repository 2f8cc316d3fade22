"""`oai records import`: JSON Lines of the record model, or XML in any inbound format."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from crosswalks import CrosswalkError, iter_document
from oai.harvest.pool import watch_parent
from oai.hub import Hub
from oai.rendering import RenderContext, Rendered, RenderFailure, StoreRenderer, render_record
from records.errors import ImportFileError, InvalidRecord, StoreError
from records.jsonl import read_json_stream
from records.model import Record
from records.store import WriteResult

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

    def count(self, status: str) -> None:
        if status in ("added", "updated", "unchanged"):
            setattr(self, status, getattr(self, status) + 1)
        elif status == "undeleted":
            self.updated += 1

    def fail(self, message: str) -> None:
        self.failed += 1
        self.errors.append(message)

    def fail_rendering(self, actor: str | None, failure: RenderFailure) -> None:
        self.unrendered += 1
        self.errors.append(f"{actor}: {failure} (stored without this format)")

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


# called after each batch with the file, the bytes of it read so far, its size, and the
# records done so far in all files
ProgressCallback = Callable[[Path, int, int, int], None]


def import_paths(
    hub: Hub,
    paths: Iterable[Path],
    *,
    batch: int = 500,
    progress: ProgressCallback | None = None,
    workers: int = 0,
) -> ImportSummary:
    """Import every record of every file, each read as a stream; bad units are
    reported, the rest imported."""
    summary = ImportSummary()
    for path in paths:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            records = _read_stream(path, fh, summary)

            def report(path: Path = path, fh: BinaryIO = fh, size: int = size) -> None:
                if progress is not None:
                    progress(path, fh.tell(), size, summary.total)

            import_records(
                hub,
                records,
                summary,
                batch=batch,
                actor=str(path),
                after_batch=report,
                workers=workers,
            )
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
    """Write records in transactions of `batch`; a batch the database refuses is retried
    record by record so that one bad record does not cost the others.

    A record that some format cannot render is still stored, with the formats that did
    render it, and the failure is an error of the summary: refusing the record would
    take it out of every format (and out of the store) for a fault of one crosswalk,
    while storing it keeps it served everywhere else and the error says what is missing.
    """
    context = hub.render_context
    for chunk, ahead in _rendered_ahead(context, records, batch, workers):
        results, unrendered = _write(hub, context, chunk, summary, actor, ahead)
        for result in results:
            summary.count(result.status)
        for failure in unrendered:
            summary.fail_rendering(actor, failure)
        if after_batch is not None:
            after_batch()
    if after_batch is not None:
        after_batch()  # the units that failed after the last batch


Ahead = dict[str, tuple[Record, Rendered]]


def _rendered_ahead(
    context: RenderContext, records: Iterable[Record], batch: int, workers: int
) -> Iterator[tuple[list[Record], Ahead]]:
    """Chunks of records, each with its renderings made ahead by `workers` processes
    while this one reads the next chunks and writes the earlier ones (none: rendered
    when written). The pool starts with the second chunk: a small import needs none."""
    iterator = iter(records)
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[list[Record], Future[list[Rendered]] | None]] = deque()
    try:
        while True:
            chunk = list(islice(iterator, batch))
            if chunk:
                if pool is None and workers > 0 and pending:
                    pool = _render_pool(workers)
                job = pool.submit(render_records, context, chunk) if pool else None
                pending.append((chunk, job))
            if pending and (not chunk or len(pending) > max(1, workers)):
                done, job = pending.popleft()
                rendered = job.result() if job is not None else None
                yield done, _ahead(done, rendered)
            elif not chunk:
                return
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _ahead(chunk: list[Record], rendered: list[Rendered] | None) -> Ahead:
    if rendered is None:
        return {}
    return {record.id: (record, made) for record, made in zip(chunk, rendered, strict=True)}


def render_records(context: RenderContext, records: list[Record]) -> list[Rendered]:
    """In a worker: every outbound format of each record."""
    return [render_record(context, record) for record in records]


def _render_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: this process may hold threads and open database connections
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )


def _write(
    hub: Hub,
    context: RenderContext,
    chunk: list[Record],
    summary: ImportSummary,
    actor: str | None,
    ahead: Ahead,
) -> tuple[list[WriteResult], list[RenderFailure]]:
    """Write a chunk in one transaction, or record by record if the database refuses it:
    the results, and the render failures of the records stored."""
    renderer = StoreRenderer(context, ahead)
    try:
        results = hub.store.put_many(chunk, renderer=renderer, reason="import", actor=actor)
    except StoreError:
        pass  # rolled back, so its render failures name nothing stored: retried below
    else:
        return results, renderer.failures
    results, unrendered = [], []
    for record in chunk:
        renderer = StoreRenderer(context, ahead)
        try:
            results.append(hub.store.put(record, renderer=renderer, actor=actor))
        except StoreError as exc:
            summary.fail(f"{actor}: record {record.id!r}: {exc}")
        else:
            unrendered += renderer.failures
    return results, unrendered


def _read_stream(path: Path, fh: BinaryIO, summary: ImportSummary) -> Iterator[Record]:
    head = fh.peek(64) if isinstance(fh, io.BufferedReader) else b""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        yield from _read_xml(path, fh, summary)
        return
    for item in read_json_stream(fh, str(path)):
        if isinstance(item, ImportFileError):
            summary.fail(str(item))
        else:
            yield item


def _read_xml(path: Path, fh: BinaryIO, summary: ImportSummary) -> Iterator[Record]:
    """The records of an XML file, read as a stream (a dump of any size)."""
    try:
        for item in iter_document(fh):
            if item.record is None:
                summary.fail(f"{path}: {item.describe()}: {item.error}")
                continue
            try:
                yield Record.from_dict(item.record)
            except InvalidRecord as exc:
                summary.fail(f"{path}: {item.describe()}: field {exc.field}: {exc.message}")
    except CrosswalkError as exc:  # the document as a whole (empty, hostile)
        summary.fail(f"{path}: {exc}")
