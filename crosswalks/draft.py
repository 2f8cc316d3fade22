"""`Draft`: the record JSON form a reader fills in while it walks one source element.

Readers never build `records.model.Record` (crosswalks must not import `records`); they
produce the plain JSON form, and `Draft.finish` makes sure it has what
`Record.from_dict` requires: a usable `id` and a non-empty `title`.

The id comes from the format's own identifiers (the reader's candidates), never from
the record's content: a record that carries none gets a *positional* id (`~` and the
format), which says "identified by its place in its document" to whoever reads it in
(the ingest path makes it the file and the record's position there). A record without
a title gets a devised one (`crosswalks.devised`), marked `title_devised`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from lxml import etree

from crosswalks.devised import devise_title
from crosswalks.errors import MissingField
from crosswalks.parsing import element_path, line_of

__all__ = ["POSITIONAL", "Draft", "is_positional", "safe_id", "unit_source"]

# the first character of an id that says: this record carries no identifier, its
# identity is its place in its document
POSITIONAL = "~"

# Copies of records/schema/record.schema.json, which crosswalks may not read (the
# package ships no copy of it): tests/test_record_contract.py fails when they drift.
# The id pattern, the characters it allows besides letters and digits, its length.
_ID = re.compile(r"^[A-Za-z0-9\-_.!~*'()%:;,/?@&=+$]{1,200}$")
_ID_SAFE = "-_.!~*'()%:;,/?@&=+$"
_MAX_ID = 200
# The member an object of each list field cannot do without (the items' "required").
_REQUIRED = {
    "identifiers": "value",
    "notes": "text",
    "creators": "name",
    "contributors": "name",
    "related": "title",
    "collections": "spec",
}


def is_positional(record_id: str) -> bool:
    """Whether a reader gave this id for want of an identifier (see `POSITIONAL`)."""
    return record_id.startswith(POSITIONAL)


def safe_id(text: str | None) -> str | None:
    """A string usable as a record id: spaces to '_', other characters percent-encoded."""
    if not text or not text.strip():
        return None
    value = quote("_".join(text.split()), safe=_ID_SAFE)
    if len(value) > _MAX_ID:
        digest = hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()[:12]
        value = value[: _MAX_ID - 13].rstrip("%0123456789ABCDEF") + "-" + digest
    return value if _ID.match(value) else None


def unit_source(fonds: str | None, title: str | None, number: str | None) -> dict[str, str]:
    """The source of a unit of a Czech fund: "fonds, unit title, inv. č. N" and its parts."""
    parts = [fonds, title, f"inv. č. {number}" if number else None]
    source = {
        "citation": ", ".join(p for p in parts if p),
        "fonds": fonds,
        "reference_code": number,
    }
    return {k: v for k, v in source.items() if v}


class Draft:
    """A record under construction: setters ignore empty values and keep first values."""

    __slots__ = ("data", "element", "format")

    def __init__(self, format: str, element: etree._Element) -> None:
        self.format = format
        self.element = element
        self.data: dict[str, Any] = {}

    def set(self, key: str, value: Any) -> None:
        """Set a scalar field unless it is empty or already set."""
        if isinstance(value, str):
            value = value.strip()
        if value and key not in self.data:
            self.data[key] = value

    def add(self, key: str, *values: str | None) -> None:
        """Append strings to a list field, skipping empties and duplicates."""
        items: list[str] = self.data.setdefault(key, [])
        for value in values:
            value = value.strip() if value else ""
            if value and value not in items:
                items.append(value)

    def add_all(self, key: str, values: Iterable[str | None]) -> None:
        self.add(key, *values)

    def add_object(self, key: str, value: dict[str, Any]) -> None:
        """Append an object (agent, note, identifier ...) without its empty members."""
        clean = {k: v for k, v in value.items() if v not in (None, "", [], {})}
        required = _REQUIRED.get(key)
        if not clean or (required and required not in clean):
            return  # an identifier without a value, a note without text ...
        items: list[dict[str, Any]] = self.data.setdefault(key, [])
        if clean not in items:
            items.append(clean)

    def identifier(self, kind: str | None = None) -> str | None:
        """The value of the first identifier (of a type, if given) collected so far."""
        for ident in self.data.get("identifiers", []):
            if kind is None or ident.get("type") == kind:
                return str(ident["value"])
        return None

    def missing(self, what: str) -> MissingField:
        return MissingField(
            f"no {what}",
            format=self.format,
            path=element_path(self.element),
            line=line_of(self.element),
        )

    def finish(self, *id_candidates: str | None, prune: bool = True) -> dict[str, Any]:
        """The JSON form: the id is the first usable candidate (positional without one);
        a record without a title gets a devised one.

        `prune` drops empty values (a reader's leftovers); the native reader keeps them,
        since an empty string is a value of the record it must give back unchanged.
        """
        title = self.data.get("title")
        if not isinstance(title, str) or not title.strip():
            self.data["title"] = devise_title(self.data)
            self.data["title_devised"] = True
        if not self.data.get("id"):
            for candidate in id_candidates:
                usable = safe_id(candidate)
                if usable:
                    self.data["id"] = usable
                    break
            else:
                self.data["id"] = f"{POSITIONAL}{self.format}"
        result = {"id": self.data.pop("id")}
        result.update(
            (k, v) for k, v in self.data.items() if not prune or v not in (None, "", [], {})
        )
        self.data = result
        return result
