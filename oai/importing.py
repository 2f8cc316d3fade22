"""`oai records import`: JSON Lines of the record model, or XML in any inbound format."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from crosswalks import CrosswalkError, iter_document
from oai.hub import Hub
from oai.rendering import RenderContext, RenderFailure, StoreRenderer
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

            import_records(hub, records, summary, batch=batch, actor=str(path), after_batch=report)
    return summary


def import_records(
    hub: Hub,
    records: Iterable[Record],
    summary: ImportSummary,
    *,
    batch: int = 500,
    actor: str | None = None,
    after_batch: Callable[[], None] | None = None,
) -> None:
    """Write records in transactions of `batch`; a batch the database refuses is retried
    record by record so that one bad record does not cost the others.

    A record that some format cannot render is still stored, with the formats that did
    render it, and the failure is an error of the summary: refusing the record would
    take it out of every format (and out of the store) for a fault of one crosswalk,
    while storing it keeps it served everywhere else and the error says what is missing.
    """
    context = hub.render_context
    iterator = iter(records)
    while chunk := list(islice(iterator, batch)):
        results, unrendered = _write(hub, context, chunk, summary, actor)
        for result in results:
            summary.count(result.status)
        for failure in unrendered:
            summary.fail_rendering(actor, failure)
        if after_batch is not None:
            after_batch()
    if after_batch is not None:
        after_batch()  # the units that failed after the last batch


def _write(
    hub: Hub,
    context: RenderContext,
    chunk: list[Record],
    summary: ImportSummary,
    actor: str | None,
) -> tuple[list[WriteResult], list[RenderFailure]]:
    """Write a chunk in one transaction, or record by record if the database refuses it:
    the results, and the render failures of the records stored."""
    renderer = StoreRenderer(context)
    try:
        results = hub.store.put_many(chunk, renderer=renderer, reason="import", actor=actor)
    except StoreError:
        pass  # rolled back, so its render failures name nothing stored: retried below
    else:
        return results, renderer.failures
    results, unrendered = [], []
    for record in chunk:
        renderer = StoreRenderer(context)
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
