"""Reading the import format: JSON Lines of the record model's JSON form.

Each line is one record. A file that holds one JSON array or one (pretty-printed)
object is read too. Every problem is reported with the file, the line and the field,
and does not stop the other lines from being read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from records.errors import ImportFileError, InvalidRecord
from records.model import Record

__all__ = ["read_json_records"]

Item = Record | ImportFileError


def read_json_records(path: Path) -> Iterator[Item]:
    """Yield a `Record`, or an `ImportFileError` naming file, line and field, per unit."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        yield ImportFileError(str(path), None, f"not UTF-8: {exc.reason} at byte {exc.start}")
        return
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and _is_single_document(text)):
        yield from _read_document(path, text)
    else:
        yield from _read_lines(path, text)


def _is_single_document(text: str) -> bool:
    first_line = text.lstrip().split("\n", 1)[0]
    try:
        json.loads(first_line)
    except json.JSONDecodeError:
        return True  # the first line alone is not a document: a pretty-printed object
    return False


def _read_lines(path: Path, text: str) -> Iterator[Item]:
    for number, line in enumerate(text.splitlines(), start=1):
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


def _read_document(path: Path, text: str) -> Iterator[Item]:
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


def _to_record(path: Path, line: int | None, data: object, index: int | None = None) -> Item:
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
