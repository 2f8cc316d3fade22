"""oai_dc: simple Dublin Core, the format every OAI-PMH repository must serve.

Writer mapping for the archive's records (issue 3): title -> title; creators -> creator;
subjects, people, organisations -> subject; summary, "Original classification: ...", the
donor credit and notes -> description (the transcript stays out: the record's URL in
dc:identifier links to it); publisher -> publisher; contributors -> contributor; the
document date in W3CDTF at its precision -> date (the upload date belongs in the OAI
datestamp); DCMI type plus genres -> type; formats and extent -> format; URL, local id
and other identifiers -> identifier; source citation -> source; ISO 639 codes ->
language; related documents and collections -> relation; places -> coverage; rights and
access rights -> rights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from crosswalks.base import DONOR_PREFIX, MetadataFormat
from crosswalks.dates import parse_date, w3cdtf
from crosswalks.draft import Draft
from crosswalks.languages import to_iso639_3
from crosswalks.material import material_type
from crosswalks.parsing import local_name, text_of
from crosswalks.xmlout import XSI, XSI_SCHEMA_LOCATION, OutRoot, is_uri, serialise, sub, tree

__all__ = [
    "CLASSIFICATION_PREFIX",
    "DCMI_TYPES",
    "DC_NS",
    "FORMAT",
    "build",
    "dc_values",
    "read",
    "read_dc_element",
    "typed_identifier",
    "write",
]

NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
CLASSIFICATION_PREFIX = "Original classification: "
DCMI_TYPES = {
    t.lower(): t
    for t in [
        "Collection",
        "Dataset",
        "Event",
        "Image",
        "InteractiveResource",
        "MovingImage",
        "PhysicalObject",
        "Service",
        "Software",
        "Sound",
        "StillImage",
        "Text",
    ]
}
_ROOT = f"{{{NS}}}dc"
_WHOLE_URIS = frozenset({"urn", "info", "oai", "tag", "ark"})
# an identifier type that names a scheme ("uuid", "isbn"), as the reader parses it back
_SCHEME = re.compile(r"^[a-z0-9]{1,12}$")
# labels of identifiers that are reference codes: their value alone identifies the unit
_CODE_LABELS = frozenset({"reference code", "unitid", "signature", "call number"})
_NSMAP = {"oai_dc": NS, "dc": DC_NS, "xsi": XSI}
_LOCATION = f"{NS} {SCHEMA}"
_DC = {
    name: f"{{{DC_NS}}}{name}"
    for name in [
        "title",
        "creator",
        "subject",
        "description",
        "publisher",
        "contributor",
        "date",
        "type",
        "format",
        "identifier",
        "source",
        "language",
        "relation",
        "coverage",
        "rights",
    ]
}


def _material(record: Mapping[str, Any]) -> str:
    return material_type(record.get("genres") or (), record.get("dcmi_type") or "Text")


def _names(agents: Any) -> list[str]:
    return [a["name"] for a in agents or () if a.get("name")]


def _descriptions(record: Mapping[str, Any]) -> list[str]:
    values = [record["summary"]] if record.get("summary") else []
    if record.get("classification"):
        values.append(CLASSIFICATION_PREFIX + record["classification"])
    values.extend(DONOR_PREFIX + donor for donor in record.get("donors") or ())
    values.extend(note["text"] for note in record.get("notes") or () if note.get("text"))
    return values


def _identifiers(record: Mapping[str, Any]) -> list[str]:
    values = [record["url"]] if record.get("url") else []
    values.append(record["id"])
    if record.get("record_id") and record["record_id"] != record["id"]:
        values.append(record["record_id"])
    for ident in record.get("identifiers") or ():
        value = dc_identifier(ident)
        if value is not None:
            values.append(value)
    return values


def typed_identifier(ident: Mapping[str, Any]) -> str:
    """An identifier as one string: "uuid:...", "isbn:..." (type first, unless present)."""
    kind, value = ident.get("type"), str(ident["value"])
    if not kind or kind == "url" or value.lower().startswith(f"{kind.lower()}:"):
        return value
    return f"{kind}:{value}"


def dc_identifier(ident: Mapping[str, Any]) -> str | None:
    """A dc:identifier: a URI, a reference code or a scheme-typed value ("isbn:...").

    A value typed with a label rather than a scheme ("inventory number", "holding
    archive") is no identifier of the record in itself: a reference code or a URI is
    written as it is, any other such value is left to the richer formats (None)."""
    kind, value = ident.get("type"), str(ident["value"])
    if kind and not _SCHEME.match(kind) and not value.lower().startswith(f"{kind.lower()}:"):
        return value if kind in _CODE_LABELS or is_uri(value) else None
    return typed_identifier(ident)


def _relations(record: Mapping[str, Any]) -> list[str]:
    values = [r.get("url") or r["title"] for r in record.get("related") or ()]
    values.extend(c.get("name") or c["spec"] for c in record.get("collections") or ())
    return values


def _once(values: list[str]) -> list[str]:
    """The values of one element, each once (a fonds' citation may repeat its name)."""
    return list(dict.fromkeys(values))


def dc_values(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(DC element name, value) pairs of a record, in the order they are written."""
    date = w3cdtf(record.get("date"))
    source = record.get("source") or {}
    groups: list[tuple[str, list[str]]] = [
        ("title", [record["title"]]),
        ("creator", _names(record.get("creators"))),
        (
            "subject",
            [
                *record.get("subjects", ()),
                *record.get("people", ()),
                *record.get("organizations", ()),
            ],
        ),
        ("description", _descriptions(record)),
        ("publisher", [record["publisher"]] if record.get("publisher") else []),
        ("contributor", _names(record.get("contributors"))),
        ("date", [date] if date else []),
        ("type", [_material(record), *record.get("genres", ())]),
        ("format", [*record.get("formats", ()), *record.get("extent", ())]),
        ("identifier", _identifiers(record)),
        ("source", [source["citation"]] if source.get("citation") else []),
        ("language", list(record.get("languages", ()))),
        ("relation", _relations(record)),
        ("coverage", list(record.get("places", ()))),
        ("rights", [v for v in (record.get("rights"), record.get("access_rights")) if v]),
    ]
    return [(name, value) for name, values in groups for value in _once(values)]


def build(record: Mapping[str, Any]) -> OutRoot:
    """The oai_dc:dc element of a record's JSON form, as an output tree."""
    root = tree(_ROOT, _NSMAP)
    root.set(XSI_SCHEMA_LOCATION, _LOCATION)
    for name, value in dc_values(record):
        sub(root, _DC[name], value)
    return root


def write(record: Mapping[str, Any]) -> bytes:
    """The oai_dc:dc element of a record's JSON form."""
    return serialise(build(record))


# --- reading ---------------------------------------------------------------------------


def _description(draft: Draft, value: str) -> None:
    if value.startswith(CLASSIFICATION_PREFIX):
        draft.set("classification", value.removeprefix(CLASSIFICATION_PREFIX))
    elif value.startswith(DONOR_PREFIX):
        draft.add("donors", value.removeprefix(DONOR_PREFIX))
    elif "summary" not in draft.data:
        draft.set("summary", value)
    else:
        draft.add_object("notes", {"text": value})


def _identifier(draft: Draft, value: str) -> None:
    if value.startswith(("http://", "https://")):
        if "url" not in draft.data:
            draft.set("url", value)
            return
        draft.add_object("identifiers", {"type": "url", "value": value})
        return
    kind, sep, rest = value.partition(":")
    typed = sep and kind.isalnum() and kind.islower() and len(kind) <= 12 and rest
    if typed and kind in _WHOLE_URIS:  # "urn:nbn:cz:...": the scheme is part of the value
        draft.add_object("identifiers", {"type": kind, "value": value})
    elif typed:
        draft.add_object("identifiers", {"type": kind, "value": rest})
    else:
        draft.add_object("identifiers", {"value": value})
    draft.data.setdefault("_first_identifier", value)


def _date(draft: Draft, value: str) -> None:
    parsed = parse_date(value)
    if parsed and "date" not in draft.data:
        draft.set("date", parsed)
    elif not parsed:
        draft.add_object("notes", {"type": "date", "text": value})


def _language(draft: Draft, value: str) -> None:
    code = to_iso639_3(value)
    if code:
        draft.add("languages", code)
    elif len(value) != 4:  # ISO 15924 script codes ("Latn") sit in dc:language too
        draft.add_object("notes", {"type": "language", "text": value})


def _type(draft: Draft, value: str) -> None:
    dcmi = DCMI_TYPES.get(value.strip().lower())
    if dcmi and "dcmi_type" not in draft.data:
        draft.set("dcmi_type", dcmi)
    elif not dcmi:
        draft.add("genres", value)


def _relation(draft: Draft, value: str) -> None:
    is_url = value.startswith(("http://", "https://"))
    draft.add_object(
        "related", {"relation": "relation", "title": value, "url": value if is_url else None}
    )


def _title(draft: Draft, value: str) -> None:
    if "title" in draft.data:
        draft.add_object("notes", {"type": "alternative title", "text": value})
    else:
        draft.set("title", value)


def _joined(key: str) -> Callable[[Draft, str], None]:
    def handle(draft: Draft, value: str) -> None:
        current = draft.data.get(key)
        draft.data[key] = f"{current}; {value}" if current else value

    return handle


def _source(draft: Draft, value: str) -> None:
    current = draft.data.get("source")
    citation = f"{current['citation']}; {value}" if current else value
    draft.data["source"] = {"citation": citation}


def _rights(draft: Draft, value: str) -> None:
    draft.set("access_rights" if "rights" in draft.data else "rights", value)


HANDLERS: dict[str, Callable[[Draft, str], None]] = {
    "title": _title,
    "creator": lambda d, v: d.add_object("creators", {"name": v}),
    "contributor": lambda d, v: d.add_object("contributors", {"name": v}),
    "subject": lambda d, v: d.add("subjects", v),
    "description": _description,
    "publisher": _joined("publisher"),
    "date": _date,
    "type": _type,
    "format": lambda d, v: d.add("formats", v),
    "identifier": _identifier,
    "source": _source,
    "language": _language,
    "relation": _relation,
    "coverage": lambda d, v: d.add("places", v),
    "rights": _rights,
}


def read_dc_element(draft: Draft, element: etree._Element) -> bool:
    """Apply one DC element (any namespace spelling) to a draft; False if unknown."""
    handler = HANDLERS.get(local_name(element))
    value = text_of(element)
    if handler is None:
        return False
    if value:
        handler(draft, value)
    return True


def finish(draft: Draft) -> dict[str, Any]:
    """Close a DC draft: the id comes from the first non-URL identifier, else the URL."""
    first = draft.data.pop("_first_identifier", None)
    return draft.finish(first, draft.data.get("url"))


def read(root: etree._Element) -> list[dict[str, Any]]:
    """The record of an oai_dc:dc element."""
    draft = Draft("oai_dc", root)
    for child in root:
        if isinstance(child.tag, str):
            read_dc_element(draft, child)
    return [finish(draft)]


FORMAT = MetadataFormat(
    prefix="oai_dc",
    namespace=NS,
    schema=SCHEMA,
    version="3",
    root=_ROOT,
    write=write,
    read=read,
    label="Simple Dublin Core",
    aliases=(f"{{{DC_NS}}}dc", "dc"),
)
