"""The parts of a record: its date, agents, source citation, related documents, sets,
identifiers and notes, each an immutable value with its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from records.checks import (
    PARTIAL_DATE,
    PRECISIONS,
    SET_SPEC,
    Precision,
    as_opt_str,
    as_str,
    check_keys,
    drop_empty,
)
from records.errors import InvalidRecord

__all__ = ["Agent", "DocumentDate", "Identifier", "Note", "RelatedDocument", "SetRef", "Source"]


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
            if not PARTIAL_DATE.match(value):
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
        check_keys(data, cls.KEYS, path)
        if data.get("start") is None and isinstance(data.get("text"), str):
            # an import reads a date's text alone where it can (oai.ingest.record_json)
            raise InvalidRecord(
                f"no start, and the text {data['text']!r} is no date oaihub reads"
                " (give start and end, e.g. 1961-03 and 1961-04)",
                field=f"{path}.start",
            )
        start = as_str(data.get("start"), f"{path}.start")
        end = as_str(data.get("end", start), f"{path}.end")
        precision = data.get("precision", "day")
        if precision not in PRECISIONS:
            raise InvalidRecord(f"unknown precision {precision!r}", field=f"{path}.precision")
        return cls(
            text=as_str(data.get("text", start), f"{path}.text"),
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
        return drop_empty({"name": self.name, "role": self.role, "kind": self.kind})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> Agent:
        check_keys(data, cls.KEYS, path)
        kind = data.get("kind")
        if kind not in (None, "person", "organization"):
            raise InvalidRecord(f"kind must be person or organization, not {kind!r}", field=path)
        return cls(
            name=as_str(data.get("name"), f"{path}.name"),
            role=as_opt_str(data.get("role"), f"{path}.role"),
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
        return drop_empty({k: getattr(self, k) for k in sorted(self.KEYS)})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "source") -> Source:
        check_keys(data, cls.KEYS, path)
        parts = {k: as_opt_str(data.get(k), f"{path}.{k}") for k in cls.KEYS - {"citation"}}
        return cls(citation=as_str(data.get("citation"), f"{path}.citation"), **parts)


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
        return drop_empty(
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
        check_keys(data, cls.KEYS, path)
        raw_date = data.get("date")
        return cls(
            title=as_str(data.get("title"), f"{path}.title"),
            id=as_opt_str(data.get("id"), f"{path}.id"),
            relation=as_str(data.get("relation", "references"), f"{path}.relation"),
            date=DocumentDate.from_dict(raw_date, f"{path}.date") if raw_date else None,
            summary=as_opt_str(data.get("summary"), f"{path}.summary"),
            url=as_opt_str(data.get("url"), f"{path}.url"),
        )


@dataclass(frozen=True, slots=True)
class SetRef:
    """Membership of a collection, which the provider exposes as an OAI set."""

    spec: str
    name: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"spec", "name"})

    def __post_init__(self) -> None:
        if not SET_SPEC.match(self.spec):
            raise InvalidRecord(f"not a valid setSpec: {self.spec!r}", field="collections")

    def to_dict(self) -> dict[str, Any]:
        return drop_empty({"spec": self.spec, "name": self.name})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> SetRef:
        check_keys(data, cls.KEYS, path)
        return cls(
            spec=as_str(data.get("spec"), f"{path}.spec"),
            name=as_opt_str(data.get("name"), f"{path}.name"),
        )


@dataclass(frozen=True, slots=True)
class Identifier:
    """Another identifier of the document (`type` e.g. "url", "uuid", "isbn", "ccnb")."""

    value: str
    type: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"value", "type"})

    def to_dict(self) -> dict[str, Any]:
        return drop_empty({"type": self.type, "value": self.value})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> Identifier:
        check_keys(data, cls.KEYS, path)
        return cls(
            value=as_str(data.get("value"), f"{path}.value"),
            type=as_opt_str(data.get("type"), f"{path}.type"),
        )


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note of a kind that has no field of its own (e.g. "bioghist", "extent")."""

    text: str
    type: str | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset({"text", "type"})

    def to_dict(self) -> dict[str, Any]:
        return drop_empty({"type": self.type, "text": self.text})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> Note:
        check_keys(data, cls.KEYS, path)
        return cls(
            text=as_str(data.get("text"), f"{path}.text"),
            type=as_opt_str(data.get("type"), f"{path}.type"),
        )
