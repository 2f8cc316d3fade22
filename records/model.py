"""The record model: one archival document with every field the archive describes.

A `Record` is an immutable value. Its JSON form (`Record.to_dict` / `Record.from_dict`)
is the import format, is described by `records/schema/record.schema.json`, and is what
the crosswalks read and write (they never import this module: the JSON form is the
contract between the two packages).

The content of a record (everything but its `header` and `origin`) is hashed by
`content_hash`; the store uses the hash to tell a real change from a re-import.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from records.checks import (
    LANGUAGE,
    LOCAL_ID,
    PARTIAL_DATE,
    as_objects,
    as_opt_str,
    as_str,
    as_str_list,
    check_keys,
    drop_empty,
    format_datestamp,
    pickle_by_slots,
)
from records.errors import InvalidRecord
from records.parts import (
    Agent,
    DocumentDate,
    Identifier,
    Note,
    RelatedDocument,
    SetRef,
    Source,
)
from records.provenance import Header, Origin

__all__ = [
    "Agent",
    "DocumentDate",
    "Header",
    "Identifier",
    "Note",
    "Origin",
    "Record",
    "RelatedDocument",
    "SetRef",
    "Source",
    "canonical_json",
    "content_hash",
    "format_datestamp",
]


# Content fields whose JSON form is a list of strings.
_STRING_LISTS: tuple[str, ...] = (
    "languages",
    "subjects",
    "places",
    "people",
    "organizations",
    "donors",
    "genres",
    "formats",
    "extent",
)


@dataclass(frozen=True, slots=True)
class Record:
    """One document: descriptive content, plus header and origin kept by the store."""

    id: str
    title: str
    # the title was devised (ISAD(G) 3.1.2, DACS 2.3): the unit had none of its own, and
    # one was made from its type, reference code, date and the unit above it
    title_devised: bool = False
    date: DocumentDate | None = None
    summary: str | None = None
    transcript: str | None = None
    creators: tuple[Agent, ...] = ()
    contributors: tuple[Agent, ...] = ()
    publisher: str | None = None
    source: Source | None = None
    rights: str | None = None
    access_rights: str | None = None
    languages: tuple[str, ...] = ()
    record_id: str | None = None
    classification: str | None = None
    donors: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    dcmi_type: str = "Text"
    formats: tuple[str, ...] = ()
    extent: tuple[str, ...] = ()
    level: str | None = None
    collections: tuple[SetRef, ...] = ()
    related: tuple[RelatedDocument, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    notes: tuple[Note, ...] = ()
    url: str | None = None
    uploaded: str | None = None
    header: Header | None = field(default=None, compare=False)
    origin: Origin = field(default_factory=Origin)

    def __post_init__(self) -> None:
        if not self.id or not LOCAL_ID.match(self.id):
            raise InvalidRecord(f"not a usable record id: {self.id!r}", field="id")
        if not self.title.strip():
            raise InvalidRecord("a record needs a non-empty title", field="title")
        for i, code in enumerate(self.languages):
            if not LANGUAGE.match(code):
                raise InvalidRecord(f"not an ISO 639 code: {code!r}", field=f"languages[{i}]")
        if self.uploaded is not None and not PARTIAL_DATE.match(self.uploaded):
            raise InvalidRecord(f"not an ISO 8601 date: {self.uploaded!r}", field="uploaded")

    def content(self) -> dict[str, Any]:
        """The JSON form without header and origin: what versions and hashes cover."""
        data = self.to_dict()
        data.pop("header", None)
        data.pop("origin", None)
        return data

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see record.schema.json): empty fields are left out."""
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "title_devised": True if self.title_devised else None,
            "date": self.date.to_dict() if self.date else None,
            "summary": self.summary,
            "transcript": self.transcript,
            "creators": [a.to_dict() for a in self.creators],
            "contributors": [a.to_dict() for a in self.contributors],
            "publisher": self.publisher,
            "source": self.source.to_dict() if self.source else None,
            "rights": self.rights,
            "access_rights": self.access_rights,
            "record_id": self.record_id,
            "classification": self.classification,
            "dcmi_type": self.dcmi_type,
            "level": self.level,
            "collections": [c.to_dict() for c in self.collections],
            "related": [r.to_dict() for r in self.related],
            "identifiers": [i.to_dict() for i in self.identifiers],
            "notes": [n.to_dict() for n in self.notes],
            "url": self.url,
            "uploaded": self.uploaded,
        }
        for name in _STRING_LISTS:
            data[name] = list(getattr(self, name))
        if self.origin.kind != "local" or self.origin != Origin():
            data["origin"] = self.origin.to_dict()
        if self.header is not None:
            data["header"] = self.header.to_dict()
        return drop_empty(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Build a record from its JSON form; `InvalidRecord` names the offending field."""
        check_keys(data, _RECORD_KEYS, "")
        if "id" not in data:
            raise InvalidRecord("missing required field 'id'", field="id")
        if "title" not in data:
            raise InvalidRecord("missing required field 'title'", field="title")
        raw_date, raw_source = data.get("date"), data.get("source")
        raw_origin, raw_header = data.get("origin"), data.get("header")
        simple: dict[str, Any] = {n: as_str_list(data.get(n), n) for n in _STRING_LISTS}
        simple.update({n: as_opt_str(data.get(n), n) for n in _OPTIONAL_STRINGS})
        return cls(
            id=as_str(data["id"], "id"),
            title=as_str(data["title"], "title"),
            title_devised=bool(data.get("title_devised", False)),
            date=DocumentDate.from_dict(raw_date) if raw_date else None,
            source=Source.from_dict(raw_source) if raw_source else None,
            creators=as_objects(data.get("creators"), "creators", Agent.from_dict),
            contributors=as_objects(data.get("contributors"), "contributors", Agent.from_dict),
            collections=as_objects(data.get("collections"), "collections", SetRef.from_dict),
            related=as_objects(data.get("related"), "related", RelatedDocument.from_dict),
            identifiers=as_objects(data.get("identifiers"), "identifiers", Identifier.from_dict),
            notes=as_objects(data.get("notes"), "notes", Note.from_dict),
            dcmi_type=as_str(data.get("dcmi_type", "Text"), "dcmi_type"),
            origin=Origin.from_dict(raw_origin) if raw_origin else Origin(),
            header=Header.from_dict(raw_header) if raw_header else None,
            **simple,
        )

    def with_header(self, header: Header | None) -> Record:
        return replace(self, header=header)

    def with_origin(self, origin: Origin) -> Record:
        return replace(self, origin=origin)


_OPTIONAL_STRINGS = (
    "summary",
    "transcript",
    "publisher",
    "rights",
    "access_rights",
    "record_id",
    "classification",
    "level",
    "url",
    "uploaded",
)
_RECORD_KEYS = frozenset(f.name for f in fields(Record))


for _cls in (
    DocumentDate,
    Agent,
    Source,
    RelatedDocument,
    SetRef,
    Identifier,
    Note,
    Origin,
    Header,
    Record,
):
    pickle_by_slots(_cls)


def canonical_json(data: Mapping[str, Any]) -> str:
    """Stable JSON text: sorted keys, no insignificant whitespace, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(record: Record) -> str:
    """SHA-256 of the record's content (header and origin excluded)."""
    return hashlib.sha256(canonical_json(record.content()).encode("utf-8")).hexdigest()
