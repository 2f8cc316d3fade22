"""Reading the import format: JSON Lines of the record model's JSON form.

Each line is one record. A file that holds one JSON array or one (pretty-printed)
object is read too. Every problem is reported with the file, the line and the field,
and does not stop the other lines from being read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from records.errors import ImportFileError, InvalidRecord
from records.model import Record

__all__ = ["read_json_records", "read_json_stream"]

Item = Record | ImportFileError


MAX_LINE_BYTES = 16 * 1024 * 1024  # one record
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # a JSON array or one object, read whole


def read_json_records(
    path: Path,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> Iterator[Item]:
    """Yield a `Record`, or an `ImportFileError` naming file, line and field, per unit."""
    with path.open("rb") as fh:
        yield from read_json_stream(
            fh, str(path), max_line_bytes=max_line_bytes, max_document_bytes=max_document_bytes
        )


def read_json_stream(
    fh: BinaryIO,
    name: str,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> Iterator[Item]:
    """The units of an open binary file (`name` for the errors).

    JSON Lines are read a line at a time, in flat memory whatever the file size; a
    line over `max_line_bytes` is reported and skipped. A JSON array or a
    pretty-printed object is one document, read whole up to `max_document_bytes`."""
    head = fh.read(64 * 1024)
    fh.seek(0)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    whole = stripped.startswith(b"[") or (stripped.startswith(b"{") and _is_single_document(head))
    if whole:
        yield from _read_document(name, fh, max_document_bytes)
    else:
        yield from _read_lines(name, fh, max_line_bytes)


def _is_single_document(head: bytes) -> bool:
    first_line = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        json.loads(first_line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return True  # the first line alone is not a document: a pretty-printed object
    return False


def _read_lines(path: str, fh: BinaryIO, max_line_bytes: int) -> Iterator[Item]:
    number = 0
    while raw := fh.readline(max_line_bytes + 1):
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while (rest := fh.readline(max_line_bytes)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the long line without holding it
            yield ImportFileError(
                str(path), number, f"line longer than {max_line_bytes} bytes; skipped"
            )
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield ImportFileError(str(path), number, f"not UTF-8: {exc.reason} at byte {exc.start}")
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ImportFileError(
                str(path), number, f"invalid JSON: {exc.msg} (column {exc.colno})"
            )
            continue
        yield _to_record(path, number, data)


def _read_document(path: str, fh: BinaryIO, max_document_bytes: int) -> Iterator[Item]:
    raw = fh.read(max_document_bytes + 1)
    if len(raw) > max_document_bytes:
        yield ImportFileError(
            str(path),
            None,
            f"a JSON array or object is read whole, and this one exceeds the limit of"
            f" {max_document_bytes} bytes; write one record per line (JSON Lines)",
        )
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield ImportFileError(str(path), None, f"not UTF-8: {exc.reason} at byte {exc.start}")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield ImportFileError(
            str(path), exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"
        )
        return
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        yield _to_record(path, None, item, index=index if isinstance(data, list) else None)


def _to_record(path: str, line: int | None, data: object, index: int | None = None) -> Item:
    where = f"item {index}: " if index is not None else ""
    if not isinstance(data, dict):
        return ImportFileError(str(path), line, f"{where}expected a JSON object")
    try:
        return Record.from_dict(data)
    except InvalidRecord as exc:
        label = f"{where}field {exc.field}: " if exc.field else where
        record_id = data.get("id")
        suffix = f" (record {record_id!r})" if isinstance(record_id, str) else ""
        return ImportFileError(str(path), line, f"{label}{exc.message}{suffix}")
