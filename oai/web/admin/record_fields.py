"""A record's fields as an archivist reads them: labelled in words, one line a value.

`readable_fields(record)` gives the rows of the record page's description: each field
of the record model under its label (an explicit table, in the order of an archival
description), each value on one line of its own: a date as one line ("2 March 1961",
"1930–1950"), an agent with its role, a citation with its parts, a related document or
a URL as a link. The JSON form stays one link away (`/api/records/<id>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from records.model import Record

__all__ = ["LABELS", "Row", "Value", "readable_fields"]

# field of the record model -> its label, in the order of an archival description
LABELS: tuple[tuple[str, str], ...] = (
    ("date", "Date"),
    ("level", "Level of description"),
    ("record_id", "Reference code"),
    ("summary", "Description"),
    ("creators", "Creators"),
    ("contributors", "Contributors"),
    ("publisher", "Publisher"),
    ("source", "Archival source"),
    ("extent", "Extent"),
    ("dcmi_type", "Type"),
    ("genres", "Genres"),
    ("formats", "Formats"),
    ("languages", "Languages"),
    ("subjects", "Subjects"),
    ("places", "Places"),
    ("people", "People"),
    ("organizations", "Organisations"),
    ("classification", "Classification"),
    ("collections", "Collections"),
    ("related", "Related documents"),
    ("identifiers", "Identifiers"),
    ("url", "Web page"),
    ("rights", "Rights"),
    ("access_rights", "Access"),
    ("donors", "Donors"),
    ("notes", "Notes"),
    ("uploaded", "Uploaded"),
    ("transcript", "Transcript"),
)
_LONG = 400  # characters: a longer value opens on demand


@dataclass(frozen=True, slots=True)
class Value:
    text: str
    href: str | None = None  # a link: a URL, or the admin page of a related record
    detail: str | None = None  # a smaller note beside it (a role, a relation, a type)

    @property
    def long(self) -> bool:
        return len(self.text) > _LONG


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    values: tuple[Value, ...]


def readable_fields(record: Record) -> list[Row]:
    """Every field the record has, labelled, one value a line, in description order."""
    data = record.content()
    rows = []
    for name, label in LABELS:
        value = data.get(name)
        if value in (None, "", [], {}):
            continue
        items = value if isinstance(value, list) else [value]
        rows.append(Row(label, tuple(_value(name, item) for item in items)))
    return rows


def _value(name: str, item: Any) -> Value:
    if isinstance(item, Mapping):
        shape = _SHAPES.get(name, _mapping)
        return shape(item)
    text = str(item)
    return Value(text, href=text if _is_url(text) else None)


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) and " " not in text


def _date(item: Mapping[str, Any]) -> Value:
    text, start, end = item.get("text") or "", item.get("start") or "", item.get("end") or ""
    span = start if not end or end == start else f"{start}–{end}"
    notes = [w for w in ("approximate", "inferred") if item.get(w)]
    if text and span and text != span:
        return Value(text, detail=", ".join([span, *notes]))
    return Value(text or span, detail=", ".join(notes) or None)


def _agent(item: Mapping[str, Any]) -> Value:
    return Value(str(item.get("name", "")), detail=item.get("role") or item.get("kind"))


def _source(item: Mapping[str, Any]) -> Value:
    parts = ("archive", "fonds", "series", "container", "folder", "reference_code")
    where = " · ".join(str(item[p]) for p in parts if item.get(p))
    return Value(str(item.get("citation", "")), detail=where or None)


def _related(item: Mapping[str, Any]) -> Value:
    title = str(item.get("title") or item.get("id") or item.get("url") or "")
    date = item.get("date")
    when = _date(date).text if isinstance(date, Mapping) else None
    detail = ", ".join(str(x) for x in (item.get("relation"), when) if x)
    related_id = item.get("id")
    if related_id:  # the admin finds a record by any identifier it was given
        return Value(title, href="/admin/records?" + urlencode({"id": related_id}), detail=detail)
    url = item.get("url")
    return Value(title, href=url if url and _is_url(str(url)) else None, detail=detail or None)


def _identifier(item: Mapping[str, Any]) -> Value:
    value = str(item.get("value", ""))
    return Value(value, href=value if _is_url(value) else None, detail=item.get("type"))


def _note(item: Mapping[str, Any]) -> Value:
    return Value(str(item.get("text", "")), detail=item.get("type"))


def _collection(item: Mapping[str, Any]) -> Value:
    return Value(str(item.get("name") or item.get("spec")), detail=item.get("spec"))


def _mapping(item: Mapping[str, Any]) -> Value:
    return Value("; ".join(f"{k}: {v}" for k, v in item.items() if v not in (None, "")))


_SHAPES = {
    "date": _date,
    "creators": _agent,
    "contributors": _agent,
    "donors": _agent,
    "publisher": _agent,
    "source": _source,
    "related": _related,
    "identifiers": _identifier,
    "notes": _note,
    "collections": _collection,
}
