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
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal

from records.errors import InvalidRecord

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
    "content_hash",
]

Precision = Literal["day", "month", "year", "decade", "century"]
PRECISIONS: tuple[str, ...] = ("day", "month", "year", "decade", "century")
_PARTIAL_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?$")
_LOCAL_ID = re.compile(r"^[A-Za-z0-9\-_.!~*'()%:;,/?@&=+$]{1,200}$")
_SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidRecord(f"expected a string, got {type(value).__name__}", field=path)
    return value


def _opt_str(value: Any, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _str_list(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRecord(f"expected a list, got {type(value).__name__}", field=path)
    return tuple(_str(v, f"{path}[{i}]") for i, v in enumerate(value))


def _check_keys(data: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    # `type(...) is dict` first: the ABC check is slow, and records are built by the
    # thousand in a harvest
    if type(data) is not dict and not isinstance(data, Mapping):
        raise InvalidRecord(f"expected an object, got {type(data).__name__}", field=path or "$")
    if not allowed.issuperset(data):
        unknown = sorted(set(data) - allowed)
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise InvalidRecord(f"unknown field {unknown[0]!r}", field=where)


def _objects(value: Any, path: str, build: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRecord(f"expected a list, got {type(value).__name__}", field=path)
    return tuple(build(v, f"{path}[{i}]") for i, v in enumerate(value))


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """JSON form omits None, empty strings of optional fields, and empty lists."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def _parse_datetime(value: Any, path: str) -> datetime:
    text = _str(value, path)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRecord(f"not an ISO 8601 date-time: {text!r}", field=path) from None
    if parsed.tzinfo is None:
        raise InvalidRecord(f"date-time without a time zone: {text!r}", field=path)
    return parsed.astimezone(UTC).replace(microsecond=0)


def format_datestamp(value: datetime) -> str:
    """UTC `YYYY-MM-DDThh:mm:ssZ`, the OAI-PMH datestamp form."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class DocumentDate:
    """A document date as written, with its normalised value and precision.

    `start` and `end` are ISO 8601 calendar dates cut to the precision ("1961",
    "1961-04", "1961-04-18"); a single date has `end == start`. `approximate`
    marks "ca. 1950"; `inferred` marks a date supplied by the cataloguer ("[1993]").
    """

    text: str
    start: str
    end: str
    precision: Precision = "day"
    approximate: bool = False
    inferred: bool = False

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"text", "start", "end", "precision", "approximate", "inferred"}
    )

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not _PARTIAL_DATE.match(value):
                raise InvalidRecord(f"not an ISO 8601 date: {value!r}", field=f"date.{name}")
            _check_calendar(value, f"date.{name}")
        if self.precision not in PRECISIONS:
            raise InvalidRecord(f"unknown precision {self.precision!r}", field="date.precision")
        if self.end < self.start:
            raise InvalidRecord(f"end {self.end} is before start {self.start}", field="date.end")

    @property
    def is_range(self) -> bool:
        return self.start != self.end

    @property
    def w3cdtf(self) -> str:
        """The normalised value: one W3CDTF date, or an ISO 8601 interval `start/end`."""
        return self.start if not self.is_range else f"{self.start}/{self.end}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "precision": self.precision,
        }
        if self.approximate:
            data["approximate"] = True
        if self.inferred:
            data["inferred"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "date") -> DocumentDate:
        _check_keys(data, cls.KEYS, path)
        start = _str(data.get("start"), f"{path}.start")
        end = _str(data.get("end", start), f"{path}.end")
        precision = data.get("precision", "day")
        if precision not in PRECISIONS:
            raise InvalidRecord(f"unknown precision {precision!r}", field=f"{path}.precision")
        return cls(
            text=_str(data.get("text", start), f"{path}.text"),
            start=start,
            end=end,
            precision=precision,
            approximate=bool(data.get("approximate", False)),
            inferred=bool(data.get("inferred", False)),
        )


def _check_calendar(value: str, path: str) -> None:
    parts = value.lstrip("-").split("-")
    if len(parts) == 1:
        return
    month = int(parts[1])
    if not 1 <= month <= 12:
        raise InvalidRecord(f"month out of range: {value!r}", field=path)
    if len(parts) == 3:
        try:
            date(max(int(parts[0]), 1), month, int(parts[2]))
        except ValueError:
            raise InvalidRecord(f"no such day: {value!r}", field=path) from None


@dataclass(frozen=True, slots=True)
class Agent:
    """A person or organisation with an optional role (MARC relator term, e.g. "translator")."""

    name: str
    role: str | None = None
    kind: Literal["person", "organization"] | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"name", "role", "kind"})

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty({"name": self.name, "role": self.role, "kind": self.kind})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> Agent:
        _check_keys(data, cls.KEYS, path)
        kind = data.get("kind")
        if kind not in (None, "person", "organization"):
            raise InvalidRecord(f"kind must be person or organization, not {kind!r}", field=path)
        return cls(
            name=_str(data.get("name"), f"{path}.name"),
            role=_opt_str(data.get("role"), f"{path}.role"),
            kind=kind,
        )


@dataclass(frozen=True, slots=True)
class Source:
    """Where the original lies: the full citation as written and its parts."""

    citation: str
    archive: str | None = None
    fonds: str | None = None
    series: str | None = None
    container: str | None = None
    folder: str | None = None
    reference_code: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"citation", "archive", "fonds", "series", "container", "folder", "reference_code"}
    )

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty({k: getattr(self, k) for k in sorted(self.KEYS)})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "source") -> Source:
        _check_keys(data, cls.KEYS, path)
        parts = {k: _opt_str(data.get(k), f"{path}.{k}") for k in cls.KEYS - {"citation"}}
        return cls(citation=_str(data.get("citation"), f"{path}.citation"), **parts)


@dataclass(frozen=True, slots=True)
class RelatedDocument:
    """A link to another document: `relation` is a DCMI term (references, isPartOf, ...)."""

    title: str
    id: str | None = None
    relation: str = "references"
    date: DocumentDate | None = None
    summary: str | None = None
    url: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"title", "id", "relation", "date", "summary", "url"}
    )

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty(
            {
                "id": self.id,
                "relation": self.relation,
                "title": self.title,
                "date": self.date.to_dict() if self.date else None,
                "summary": self.summary,
                "url": self.url,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> RelatedDocument:
        _check_keys(data, cls.KEYS, path)
        raw_date = data.get("date")
        return cls(
            title=_str(data.get("title"), f"{path}.title"),
            id=_opt_str(data.get("id"), f"{path}.id"),
            relation=_str(data.get("relation", "references"), f"{path}.relation"),
            date=DocumentDate.from_dict(raw_date, f"{path}.date") if raw_date else None,
            summary=_opt_str(data.get("summary"), f"{path}.summary"),
            url=_opt_str(data.get("url"), f"{path}.url"),
        )


@dataclass(frozen=True, slots=True)
class SetRef:
    """Membership of a collection, which the provider exposes as an OAI set."""

    spec: str
    name: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"spec", "name"})

    def __post_init__(self) -> None:
        if not _SET_SPEC.match(self.spec):
            raise InvalidRecord(f"not a valid setSpec: {self.spec!r}", field="collections")

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty({"spec": self.spec, "name": self.name})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> SetRef:
        _check_keys(data, cls.KEYS, path)
        return cls(
            spec=_str(data.get("spec"), f"{path}.spec"),
            name=_opt_str(data.get("name"), f"{path}.name"),
        )


@dataclass(frozen=True, slots=True)
class Identifier:
    """Another identifier of the document (`type` e.g. "url", "uuid", "isbn", "ccnb")."""

    value: str
    type: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"value", "type"})

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty({"type": self.type, "value": self.value})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> Identifier:
        _check_keys(data, cls.KEYS, path)
        return cls(
            value=_str(data.get("value"), f"{path}.value"),
            type=_opt_str(data.get("type"), f"{path}.type"),
        )


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note of a kind that has no field of its own (e.g. "bioghist", "extent")."""

    text: str
    type: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"text", "type"})

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty({"type": self.type, "text": self.text})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> Note:
        _check_keys(data, cls.KEYS, path)
        return cls(
            text=_str(data.get("text"), f"{path}.text"),
            type=_opt_str(data.get("type"), f"{path}.type"),
        )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the record came from: made here (`local`) or harvested from a partner."""

    kind: Literal["local", "harvested"] = "local"
    source_id: str | None = None
    remote_identifier: str | None = None
    remote_datestamp: str | None = None
    base_url: str | None = None
    metadata_namespace: str | None = None
    harvested_at: datetime | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "kind",
            "source_id",
            "remote_identifier",
            "remote_datestamp",
            "base_url",
            "metadata_namespace",
            "harvested_at",
        }
    )

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty(
            {
                "kind": self.kind,
                "source_id": self.source_id,
                "remote_identifier": self.remote_identifier,
                "remote_datestamp": self.remote_datestamp,
                "base_url": self.base_url,
                "metadata_namespace": self.metadata_namespace,
                "harvested_at": format_datestamp(self.harvested_at) if self.harvested_at else None,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "origin") -> Origin:
        _check_keys(data, cls.KEYS, path)
        kind = data.get("kind", "local")
        if kind not in ("local", "harvested"):
            raise InvalidRecord(f"kind must be local or harvested, not {kind!r}", field=path)
        if kind == "harvested" and not (data.get("source_id") and data.get("remote_identifier")):
            raise InvalidRecord(
                "a harvested record needs source_id and remote_identifier", field=path
            )
        harvested = data.get("harvested_at")
        return cls(
            kind=kind,
            source_id=_opt_str(data.get("source_id"), f"{path}.source_id"),
            remote_identifier=_opt_str(data.get("remote_identifier"), f"{path}.remote_identifier"),
            remote_datestamp=_opt_str(data.get("remote_datestamp"), f"{path}.remote_datestamp"),
            base_url=_opt_str(data.get("base_url"), f"{path}.base_url"),
            metadata_namespace=_opt_str(
                data.get("metadata_namespace"), f"{path}.metadata_namespace"
            ),
            harvested_at=_parse_datetime(harvested, f"{path}.harvested_at") if harvested else None,
        )


@dataclass(frozen=True, slots=True)
class Header:
    """The OAI-PMH header state, owned by the store (ignored on import)."""

    identifier: str
    datestamp: datetime
    deleted: bool = False
    sets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "datestamp": format_datestamp(self.datestamp),
            "deleted": self.deleted,
            "sets": list(self.sets),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "header") -> Header:
        _check_keys(data, frozenset({"identifier", "datestamp", "deleted", "sets"}), path)
        return cls(
            identifier=_str(data.get("identifier"), f"{path}.identifier"),
            datestamp=_parse_datetime(data.get("datestamp"), f"{path}.datestamp"),
            deleted=bool(data.get("deleted", False)),
            sets=_str_list(data.get("sets"), f"{path}.sets"),
        )


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
        if not self.id or not _LOCAL_ID.match(self.id):
            raise InvalidRecord(f"not a usable record id: {self.id!r}", field="id")
        if not self.title.strip():
            raise InvalidRecord("a record needs a non-empty title", field="title")
        for i, code in enumerate(self.languages):
            if not _LANGUAGE.match(code):
                raise InvalidRecord(f"not an ISO 639 code: {code!r}", field=f"languages[{i}]")
        if self.uploaded is not None and not _PARTIAL_DATE.match(self.uploaded):
            raise InvalidRecord(f"not an ISO 8601 date: {self.uploaded!r}", field="uploaded")

    @property
    def is_harvested(self) -> bool:
        return self.origin.kind == "harvested"

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
        return _drop_empty(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Build a record from its JSON form; `InvalidRecord` names the offending field."""
        _check_keys(data, _RECORD_KEYS, "")
        if "id" not in data:
            raise InvalidRecord("missing required field 'id'", field="id")
        if "title" not in data:
            raise InvalidRecord("missing required field 'title'", field="title")
        raw_date, raw_source = data.get("date"), data.get("source")
        raw_origin, raw_header = data.get("origin"), data.get("header")
        simple: dict[str, Any] = {n: _str_list(data.get(n), n) for n in _STRING_LISTS}
        simple.update({n: _opt_str(data.get(n), n) for n in _OPTIONAL_STRINGS})
        return cls(
            id=_str(data["id"], "id"),
            title=_str(data["title"], "title"),
            date=DocumentDate.from_dict(raw_date) if raw_date else None,
            source=Source.from_dict(raw_source) if raw_source else None,
            creators=_objects(data.get("creators"), "creators", Agent.from_dict),
            contributors=_objects(data.get("contributors"), "contributors", Agent.from_dict),
            collections=_objects(data.get("collections"), "collections", SetRef.from_dict),
            related=_objects(data.get("related"), "related", RelatedDocument.from_dict),
            identifiers=_objects(data.get("identifiers"), "identifiers", Identifier.from_dict),
            notes=_objects(data.get("notes"), "notes", Note.from_dict),
            dcmi_type=_str(data.get("dcmi_type", "Text"), "dcmi_type"),
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


def _pickle_by_slots(cls: type[Any]) -> None:
    """Pickle a frozen slotted dataclass as a tuple of its values in field order.

    The dataclasses default looks the fields up again for every object pickled or
    unpickled; harvests send records between processes by the thousand."""
    names = tuple(f.name for f in fields(cls))
    values = operator.attrgetter(*names)

    def getstate(self: Any) -> tuple[Any, ...]:
        return values(self) if len(names) > 1 else (values(self),)

    def setstate(self: Any, state: Sequence[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    setattr(cls, "__getstate__", getstate)  # noqa: B010 - replaces the dataclass's own
    setattr(cls, "__setstate__", setstate)  # noqa: B010


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
    _pickle_by_slots(_cls)


def canonical_json(data: Mapping[str, Any]) -> str:
    """Stable JSON text: sorted keys, no insignificant whitespace, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(record: Record) -> str:
    """SHA-256 of the record's content (header and origin excluded)."""
    return hashlib.sha256(canonical_json(record.content()).encode("utf-8")).hexdigest()
