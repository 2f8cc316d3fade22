"""Reading the import format: JSON Lines of the record model's JSON form.

Each line is one record. A file that holds one JSON array or one (pretty-printed)
object is read too. Every problem is reported with the file, the line and the field,
and does not stop the other lines from being read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from records.errors import ImportFileError, InvalidRecord
from records.model import Record

__all__ = ["read_json_records", "read_json_stream", "read_json_units"]

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
    """The units of an open binary file (`name` for the errors), as records."""
    units = read_json_units(
        fh, name, max_line_bytes=max_line_bytes, max_document_bytes=max_document_bytes
    )
    for line, index, data, error in units:
        if error is not None:
            yield ImportFileError(name, line, error)
        else:
            yield _to_record(name, line, data, index)


# (line, item of an array, JSON object or None, the error in its place or None)
Unit = tuple[int | None, int | None, dict[str, Any] | None, str | None]


def read_json_units(
    fh: BinaryIO | IO[bytes],
    name: str,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> Iterator[Unit]:
    """The units of an open binary file: (line, index, JSON object, None), or
    (line, index, None, error); `index` numbers the items of a JSON array.

    JSON Lines are read a line at a time, in flat memory whatever the file size; a
    line over `max_line_bytes` is reported and skipped. A JSON array or a
    pretty-printed object is one document, read whole up to `max_document_bytes`."""
    head = fh.read(64 * 1024)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    whole = stripped.startswith(b"[") or (stripped.startswith(b"{") and _is_single_document(head))
    stream = _Replay(head, fh)
    if whole:
        yield from _read_document(stream, max_document_bytes)
    else:
        yield from _read_lines(stream, max_line_bytes)


class _Replay:
    """A binary stream that gives back a head already read, then the rest (a line at a
    time too)."""

    def __init__(self, head: bytes, rest: BinaryIO | IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(size)
        size = len(self.head) if size < 0 else size
        data, self.head = self.head[:size], self.head[size:]
        return data

    def readline(self, limit: int = -1) -> bytes:
        if not self.head:
            return self.rest.readline(limit)
        end = self.head.find(b"\n")
        cut = len(self.head) if end < 0 else end + 1
        if 0 <= limit < cut:
            cut = limit
        line, self.head = self.head[:cut], self.head[cut:]
        if line.endswith(b"\n") or (0 <= limit <= len(line)):
            return line
        return line + self.rest.readline(-1 if limit < 0 else limit - len(line))


def _is_single_document(head: bytes) -> bool:
    first_line = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        json.loads(first_line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return True  # the first line alone is not a document: a pretty-printed object
    return False


def _read_lines(fh: _Replay, max_line_bytes: int) -> Iterator[Unit]:
    number = 0
    while raw := fh.readline(max_line_bytes + 1):
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while (rest := fh.readline(max_line_bytes)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the long line without holding it
            yield number, None, None, f"line longer than {max_line_bytes} bytes; skipped"
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, None, f"not UTF-8: {exc.reason} at byte {exc.start}"
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
            continue
        yield _object(number, data)


def _read_document(fh: _Replay, max_document_bytes: int) -> Iterator[Unit]:
    raw = fh.read(max_document_bytes + 1)
    if len(raw) > max_document_bytes:
        yield (
            None,
            None,
            None,
            f"a JSON array or object is read whole, and this one exceeds the limit of"
            f" {max_document_bytes} bytes; write one record per line (JSON Lines)",
        )
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield None, None, None, f"not UTF-8: {exc.reason} at byte {exc.start}"
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield exc.lineno, None, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
        return
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        yield _object(None, item, index=index if isinstance(data, list) else None)


def _object(line: int | None, data: object, index: int | None = None) -> Unit:
    if not isinstance(data, dict):
        where = f"item {index}: " if index is not None else ""
        return line, index, None, f"{where}expected a JSON object"
    return line, index, data, None


def _to_record(path: str, line: int | None, data: Any, index: int | None) -> Item:
    where = f"item {index}: " if index is not None else ""
    try:
        return Record.from_dict(data)
    except InvalidRecord as exc:
        label = f"{where}field {exc.field}: " if exc.field else where
        record_id = data.get("id")
        suffix = f" (record {record_id!r})" if isinstance(record_id, str) else ""
        return ImportFileError(str(path), line, f"{label}{exc.message}{suffix}")
