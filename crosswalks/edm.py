"""EDM (Europeana Data Model, RDF/XML): the writer, and the values a record inherits.

One `rdf:RDF` per record: its `edm:ProvidedCHO`, one `ore:Aggregation` and the
contextual classes the record supports (`edm:TimeSpan` for its date, `edm:Agent` for
its creators, `edm:Place` for its places, `skos:Concept` for its subjects). What EDM
needs and the record model does not hold comes from `EdmOptions` (the hub's `[edm]`
settings and those of the record's source): the provider, the data provider, the
rights and language used where the record and the units above it (`ancestors`) state
none. Rights and languages are normalised through data tables (`rights.py`,
`languages.py`); every default used is listed in the result's `notes`.

A record that fails Europeana's rules (`edm_rules.py`) is not written: `write` raises
`NotReady` naming the rules, and `assess` returns the failures with the output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

from crosswalks import edm_rules
from crosswalks.base import MetadataFormat
from crosswalks.errors import CrosswalkError
from crosswalks.languages import to_iso639_1
from crosswalks.oai_dc import dc_identifier
from crosswalks.rights import canonical_rights
from crosswalks.xmlout import XML_NS, OutElement, OutRoot, is_uri, serialise, sub, tree

__all__ = [
    "NS",
    "Assessment",
    "EdmOptions",
    "EdmSource",
    "NotReady",
    "assess",
    "edm_format",
    "edm_type",
    "write",
]

NS = "http://www.europeana.eu/schemas/edm/"
SCHEMA = "http://www.europeana.eu/schemas/edm/EDM.xsd"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
ORE = "http://www.openarchives.org/ore/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCMITYPE = "http://purl.org/dc/dcmitype/"
_NSMAP = {"rdf": RDF, "dc": DC, "dcterms": DCTERMS, "edm": NS, "ore": ORE, "skos": SKOS}
_ROOT = f"{{{RDF}}}RDF"
_ABOUT = f"{{{RDF}}}about"
_RESOURCE = f"{{{RDF}}}resource"
_LANG = f"{{{XML_NS}}}lang"
# The record's DCMI type -> edm:type (EDM 5.2.8: TEXT, IMAGE, SOUND, VIDEO, 3D).
_EDM_TYPES = {
    "Text": "TEXT",
    "Collection": "TEXT",
    "Dataset": "TEXT",
    "StillImage": "IMAGE",
    "Image": "IMAGE",
    "MovingImage": "VIDEO",
    "Sound": "SOUND",
    "PhysicalObject": "3D",
}
# Note types whose text describes the unit (EAD, ELZA, ARON, MARC spellings).
_DESCRIPTIVE_NOTES = frozenset({"scopecontent", "abstract", "unit_content", "content"})


class NotReady(CrosswalkError):
    """A record that would fail Europeana's rules: not written as EDM."""

    def __init__(self, record_id: str, failures: Sequence[edm_rules.Failure]) -> None:
        self.failures = tuple(failures)
        rules = "; ".join(str(f) for f in self.failures)
        super().__init__(f"record {record_id!r} is not ready for Europeana: {rules}", format="edm")


@dataclass(frozen=True, slots=True)
class EdmSource:
    """What one source (or the local records) gives EDM: its data provider and defaults."""

    data_provider: str = ""  # set explicitly: wins over the archive a record names
    default_rights: str = ""
    default_language: str = ""
    name: str = ""  # the source's name: the data provider when nothing else says


@dataclass(frozen=True, slots=True)
class EdmOptions:
    """The `[edm]` settings and per-source values the EDM writer needs (picklable)."""

    provider: str = ""
    default_rights: str = ""
    default_language: str = ""
    public_url: str = ""
    # prefix of the URIs of the CHO and its contextual resources ("oai:hub.example:")
    uri_prefix: str = "urn:oaihub:"
    local: EdmSource = EdmSource()
    sources: tuple[tuple[str, EdmSource], ...] = ()

    def source_of(self, record: Mapping[str, Any]) -> EdmSource:
        origin = record.get("origin") or {}
        wanted = origin.get("source") if origin.get("kind") == "harvested" else None
        for source_id, source in self.sources:
            if source_id == wanted:
                return source
        return self.local


@dataclass(frozen=True, slots=True)
class Assessment:
    """A record's EDM, the rules it fails, and the defaults and mappings applied."""

    xml: bytes
    failures: tuple[edm_rules.Failure, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return not self.failures


@dataclass(slots=True)
class _Resolved:
    rights: str | None = None
    languages: list[str] = field(default_factory=list)
    data_provider: str = ""
    landing: str | None = None
    notes: list[str] = field(default_factory=list)


def edm_type(record: Mapping[str, Any]) -> str:
    """edm:type from the record's DCMI type (Text when it has none)."""
    return _EDM_TYPES.get(record.get("dcmi_type") or "Text", "TEXT")


def _uri(options: EdmOptions, record_id: str, part: str = "") -> str:
    base = f"{options.uri_prefix}{quote(record_id, safe=':/@!$&()*+,;=-._~')}"
    return f"{base}#{part}" if part else base


def _resolve_rights(
    record: Mapping[str, Any], ancestors: Sequence[Mapping[str, Any]], options: EdmOptions
) -> tuple[str | None, str]:
    for holder in (record, *ancestors):
        for key in ("rights", "access_rights"):
            text = holder.get(key)
            uri = canonical_rights(text)
            if uri and text:
                own = holder is record
                return uri, "" if own and text == uri else f"rights {_short(text)!r} -> {uri}"
    source = options.source_of(record)
    for where, uri in (("source", source.default_rights), ("[edm]", options.default_rights)):
        if uri:
            stated = record.get("rights")
            why = f" ({_short(stated)!r} maps to no Europeana URI)" if stated else ""
            return uri, f"rights: default of the {where} {uri}{why}"
    return None, ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _resolve_languages(
    record: Mapping[str, Any], ancestors: Sequence[Mapping[str, Any]], options: EdmOptions
) -> tuple[list[str], str]:
    for holder in (record, *ancestors):
        codes = [to_iso639_1(code) for code in holder.get("languages") or ()]
        if codes:
            note = "" if holder is record else f"languages of {holder['id']!r} (a unit above)"
            return list(dict.fromkeys(codes)), note
    source = options.source_of(record)
    for where, code in (("source", source.default_language), ("[edm]", options.default_language)):
        if code:
            return [to_iso639_1(code)], f"language: default of the {where} {code}"
    return [], ""


def _data_provider(record: Mapping[str, Any], options: EdmOptions) -> str:
    source = options.source_of(record)
    archive = (record.get("source") or {}).get("archive")
    return source.data_provider or archive or source.name


def _landing(record: Mapping[str, Any], options: EdmOptions) -> str | None:
    url = record.get("url")
    if url and is_uri(url) and url.lower().startswith(("http://", "https://")):
        return str(url)
    public = options.public_url.rstrip("/")
    return f"{public}/records/{quote(record['id'], safe='')}" if public else None


def _resolve(
    record: Mapping[str, Any], ancestors: Sequence[Mapping[str, Any]], options: EdmOptions
) -> _Resolved:
    rights, rights_note = _resolve_rights(record, ancestors, options)
    languages, language_note = _resolve_languages(record, ancestors, options)
    notes = [n for n in (rights_note, language_note) if n]
    return _Resolved(
        rights, languages, _data_provider(record, options), _landing(record, options), notes
    )


def _literal(parent: OutElement, tag: str, text: str | None) -> None:
    if text and text.strip():
        sub(parent, tag, text)


def _link(parent: OutElement, tag: str, uri: str | None) -> None:
    if uri:
        sub(parent, tag).set(_RESOURCE, uri)


def _descriptions(record: Mapping[str, Any]) -> list[str]:
    values = [record["summary"]] if record.get("summary") else []
    for note in record.get("notes") or ():
        if (note.get("type") or "").lower() in _DESCRIPTIVE_NOTES:
            values.append(note["text"])
    return list(dict.fromkeys(values))


def _identifiers(record: Mapping[str, Any]) -> list[str]:
    values = [record.get("record_id") or record["id"]]
    # identifiers of the record only, as in oai_dc: no "holding archive" uuid
    values.extend(v for v in map(dc_identifier, record.get("identifiers") or ()) if v)
    code = (record.get("source") or {}).get("reference_code")
    if code:
        values.append(code)
    return list(dict.fromkeys(v for v in values if v and v.strip()))


def _agents(options: EdmOptions, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    names = [a["name"] for a in record.get("creators") or () if a.get("name")]
    return [(_uri(options, record["id"], f"agent-{i}"), n) for i, n in enumerate(names, 1)]


def _concepts(options: EdmOptions, record: Mapping[str, Any], key: str) -> list[tuple[str, str]]:
    values = list(dict.fromkeys(v for v in record.get(key) or () if v.strip()))
    part = "place" if key == "places" else "concept"
    return [(_uri(options, record["id"], f"{part}-{i}"), v) for i, v in enumerate(values, 1)]


def _parents(record: Mapping[str, Any], options: EdmOptions) -> list[tuple[str | None, str]]:
    return [
        (_uri(options, r["id"]) if r.get("id") else None, r["title"])
        for r in record.get("related") or ()
        if r.get("relation") == "isPartOf"
    ]


def _cho(
    root: OutRoot, record: Mapping[str, Any], options: EdmOptions, resolved: _Resolved
) -> None:
    cho = sub(root, f"{{{NS}}}ProvidedCHO")
    cho.set(_ABOUT, _uri(options, record["id"]))
    for uri, _name in _agents(options, record):
        _link(cho, f"{{{DC}}}creator", uri)
    for agent in record.get("contributors") or ():
        _literal(cho, f"{{{DC}}}contributor", agent.get("name"))
    if record.get("date"):
        _literal(cho, f"{{{DC}}}date", record["date"].get("text") or record["date"]["start"])
    for text in _descriptions(record):
        _literal(cho, f"{{{DC}}}description", text)
    for value in dict.fromkeys(record.get("formats") or ()):
        _literal(cho, f"{{{DC}}}format", value)
    for value in dict.fromkeys(record.get("extent") or ()):
        _literal(cho, f"{{{DCTERMS}}}extent", value)
    for value in _identifiers(record):
        _literal(cho, f"{{{DC}}}identifier", value)
    for code in resolved.languages:
        _literal(cho, f"{{{DC}}}language", code)
    _literal(cho, f"{{{DC}}}publisher", record.get("publisher"))
    _literal(cho, f"{{{DC}}}source", (record.get("source") or {}).get("citation"))
    for uri, _value in _concepts(options, record, "subjects"):
        _link(cho, f"{{{DC}}}subject", uri)
    for value in [*record.get("people", ()), *record.get("organizations", ())]:
        _literal(cho, f"{{{DC}}}subject", value)
    _literal(cho, f"{{{DC}}}title", record["title"])
    _link(cho, f"{{{DC}}}type", DCMITYPE + (record.get("dcmi_type") or "Text"))
    for genre in dict.fromkeys(record.get("genres") or ()):
        _literal(cho, f"{{{DC}}}type", genre)
    for parent_uri, title in _parents(record, options):
        if parent_uri:
            _link(cho, f"{{{DCTERMS}}}isPartOf", parent_uri)
        else:
            _literal(cho, f"{{{DCTERMS}}}isPartOf", title)
    for uri, _value in _concepts(options, record, "places"):
        _link(cho, f"{{{DCTERMS}}}spatial", uri)
    if record.get("date"):
        _link(cho, f"{{{DCTERMS}}}temporal", _uri(options, record["id"], "timespan"))
    sub(cho, f"{{{NS}}}type", edm_type(record))


def _aggregation(
    root: OutRoot, record: Mapping[str, Any], options: EdmOptions, resolved: _Resolved
) -> None:
    aggregation = sub(root, f"{{{ORE}}}Aggregation")
    aggregation.set(_ABOUT, _uri(options, record["id"], "aggregation"))
    _link(aggregation, f"{{{NS}}}aggregatedCHO", _uri(options, record["id"]))
    _literal(aggregation, f"{{{NS}}}dataProvider", resolved.data_provider)
    _link(aggregation, f"{{{NS}}}isShownAt", resolved.landing)
    _literal(aggregation, f"{{{NS}}}provider", options.provider)
    _link(aggregation, f"{{{NS}}}rights", resolved.rights)


def _contextual(root: OutRoot, record: Mapping[str, Any], options: EdmOptions) -> None:
    date = record.get("date")
    if date:
        span = sub(root, f"{{{NS}}}TimeSpan")
        span.set(_ABOUT, _uri(options, record["id"], "timespan"))
        _literal(span, f"{{{SKOS}}}prefLabel", date.get("text") or date["start"])
        _literal(span, f"{{{NS}}}begin", date["start"])
        _literal(span, f"{{{NS}}}end", date.get("end") or date["start"])
    for tag, entries in (
        (f"{{{NS}}}Agent", _agents(options, record)),
        (f"{{{NS}}}Place", _concepts(options, record, "places")),
        (f"{{{SKOS}}}Concept", _concepts(options, record, "subjects")),
    ):
        for uri, label in entries:
            element = sub(root, tag)
            element.set(_ABOUT, uri)
            _literal(element, f"{{{SKOS}}}prefLabel", label)


def build(
    record: Mapping[str, Any],
    options: EdmOptions,
    ancestors: Sequence[Mapping[str, Any]] = (),
) -> tuple[OutRoot, list[str]]:
    """The rdf:RDF tree of a record and the notes on the defaults and mappings used."""
    resolved = _resolve(record, ancestors, options)
    root = tree(_ROOT, _NSMAP)
    _cho(root, record, options, resolved)
    _aggregation(root, record, options, resolved)
    _contextual(root, record, options)
    return root, resolved.notes


def assess(
    record: Mapping[str, Any],
    options: EdmOptions,
    ancestors: Sequence[Mapping[str, Any]] = (),
) -> Assessment:
    """A record's EDM with the Europeana rules it fails (none: ready) and the notes."""
    root, notes = build(record, options, ancestors)
    return Assessment(serialise(root), tuple(edm_rules.check(root)), tuple(notes))


def write(
    record: Mapping[str, Any],
    options: EdmOptions | None = None,
    ancestors: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """The rdf:RDF of a record, or `NotReady` when it fails Europeana's rules."""
    result = assess(record, options or EdmOptions(), ancestors)
    if result.failures:
        raise NotReady(record["id"], result.failures)
    return result.xml


def edm_format(options: EdmOptions) -> MetadataFormat:
    """The `edm` format writing with these options (what the hub registers)."""
    # the options are part of what the output depends on: other settings, other version,
    # and the hub renders every record again
    digest = hashlib.sha256(repr(options).encode("utf-8")).hexdigest()[:12]
    return MetadataFormat(
        prefix="edm",
        namespace=NS,
        schema=SCHEMA,
        version=f"3-{digest}",
        root=_ROOT,
        write=partial(write, options=options),
        label="EDM (Europeana Data Model)",
    )
