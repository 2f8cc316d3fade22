"""oai_dcterms: qualified Dublin Core (DCMI Metadata Terms) in a small container element.

Richer than oai_dc where the record knows more: dcterms:abstract for the summary,
dcterms:created (W3CDTF, or a DCMI Period for a range), dcterms:extent, dcterms:spatial,
dcterms:accessRights, relation refinements (dcterms:isPartOf, dcterms:references ...)
and collections as dcterms:isPartOf. The container schema (schemas/oai_dcterms.xsd,
shipped in the package) imports DCMI's dcterms.xsd.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from crosswalks import oai_dc
from crosswalks.base import DONOR_PREFIX, MetadataFormat
from crosswalks.dates import date_range, parse_date
from crosswalks.draft import Draft
from crosswalks.parsing import local_name, text_of
from crosswalks.xmlout import (
    XSI,
    XSI_SCHEMA_LOCATION,
    OutElement,
    OutRoot,
    is_uri,
    serialise,
    sub,
    tree,
)

__all__ = ["FORMAT", "NS", "TERMS_NS", "build", "read", "write"]

NS = "https://oaihub.org/ns/oai_dcterms/"
SCHEMA = "https://oaihub.org/ns/oai_dcterms/oai_dcterms.xsd"
TERMS_NS = "http://purl.org/dc/terms/"
_ROOT = f"{{{NS}}}dcterms"
_NSMAP = {"oai_dcterms": NS, "dcterms": TERMS_NS, "xsi": XSI}
_LOCATION = f"{NS} {SCHEMA}"
RELATIONS = frozenset(
    (
        "isVersionOf",
        "hasVersion",
        "isReplacedBy",
        "replaces",
        "isRequiredBy",
        "requires",
        "isPartOf",
        "hasPart",
        "isReferencedBy",
        "references",
        "isFormatOf",
        "hasFormat",
        "conformsTo",
    )
)
_PERIOD = re.compile(r"(start|end)=([^;]*)")


def _t(name: str) -> str:
    return f"{{{TERMS_NS}}}{name}"


def _typed(parent: OutElement, name: str, text: str, scheme: str) -> None:
    """A term whose value follows a DCMI encoding scheme (W3CDTF, Period, URI ...).

    The scheme is not written as xsi:type="dcterms:..." on purpose: a harvester that
    validates the OAI-PMH envelope without DCMI's dcterms.xsd (lax wildcard) must
    resolve every xsi:type and rejects the record (../shared/schemas/validate.py does).
    The value syntax is the scheme's all the same, so readers can rely on it.
    """
    del scheme  # documents the syntax of `text` at the call site
    sub(parent, _t(name), text)


def _date(parent: OutElement, value: Mapping[str, Any]) -> None:
    start, end = value["start"], value.get("end") or value["start"]
    if start == end:
        _typed(parent, "created", start, "W3CDTF")
    else:
        _typed(parent, "created", f"start={start}; end={end}; scheme=W3C-DTF", "Period")


def _descriptive(root: OutElement, record: Mapping[str, Any]) -> None:
    sub(root, _t("title"), record["title"])
    for agent in record.get("creators", ()):
        sub(root, _t("creator"), agent["name"])
    for key in ("subjects", "people", "organizations"):
        for value in record.get(key, ()):
            sub(root, _t("subject"), value)
    if record.get("summary"):
        sub(root, _t("abstract"), record["summary"])
    if record.get("classification"):
        sub(root, _t("description"), oai_dc.CLASSIFICATION_PREFIX + record["classification"])
    for donor in record.get("donors", ()):
        sub(root, _t("description"), DONOR_PREFIX + donor)
    for note in record.get("notes", ()):
        sub(root, _t("description"), note["text"])
    if record.get("publisher"):
        sub(root, _t("publisher"), record["publisher"])
    for agent in record.get("contributors", ()):
        sub(root, _t("contributor"), agent["name"])
    if record.get("date"):
        _date(root, record["date"])
    if record.get("uploaded"):
        _typed(root, "available", record["uploaded"], "W3CDTF")


def _physical(root: OutElement, record: Mapping[str, Any]) -> None:
    dcmi = record.get("dcmi_type") or "Text"
    if dcmi in oai_dc.DCMI_TYPES.values():
        _typed(root, "type", dcmi, "DCMIType")
    else:
        sub(root, _t("type"), dcmi)
    for genre in record.get("genres", ()):
        sub(root, _t("type"), genre)
    for value in record.get("formats", ()):
        sub(root, _t("format"), value)
    for value in record.get("extent", ()):
        sub(root, _t("extent"), value)
    _identifiers(root, record)


def _identifiers(root: OutElement, record: Mapping[str, Any]) -> None:
    """Identifiers as oai_dc writes them (URIs, reference codes, scheme-typed values,
    never "label:value" strings), each once."""
    url = record.get("url")
    if url and is_uri(url):
        _typed(root, "identifier", url, "URI")
    elif url:
        sub(root, _t("identifier"), url)
    written = {url} if url else set()
    values = [record["id"], record.get("record_id")]
    values += [oai_dc.dc_identifier(ident) for ident in record.get("identifiers", ())]
    for value in values:
        if value and value not in written:
            written.add(value)
            sub(root, _t("identifier"), value)


def _contextual(root: OutElement, record: Mapping[str, Any]) -> None:
    source = record.get("source") or {}
    if source.get("citation"):
        sub(root, _t("source"), source["citation"])
    for code in record.get("languages", ()):
        _typed(root, "language", code, "ISO639-3")
    for item in record.get("related", ()):
        relation = item.get("relation") or "references"
        tag = relation if relation in RELATIONS else "relation"
        sub(root, _t(tag), item.get("url") or item["title"])
    for collection in record.get("collections", ()):
        sub(root, _t("isPartOf"), collection.get("name") or collection["spec"])
    for place in record.get("places", ()):
        sub(root, _t("spatial"), place)
    if record.get("rights"):
        sub(root, _t("rights"), record["rights"])
    if record.get("access_rights"):
        sub(root, _t("accessRights"), record["access_rights"])


def build(record: Mapping[str, Any]) -> OutRoot:
    """The oai_dcterms:dcterms element of a record's JSON form, as an output tree."""
    root = tree(_ROOT, _NSMAP)
    root.set(XSI_SCHEMA_LOCATION, _LOCATION)
    _descriptive(root, record)
    _physical(root, record)
    _contextual(root, record)
    return root


def write(record: Mapping[str, Any]) -> bytes:
    """The oai_dcterms:dcterms element of a record's JSON form."""
    return serialise(build(record))


# --- reading ---------------------------------------------------------------------------


def _created(draft: Draft, value: str) -> None:
    if "date" in draft.data:
        return
    if "start=" in value:
        parts = {k: v.strip() for k, v in _PERIOD.findall(value)}
        start, end = parts.get("start", ""), parts.get("end", "")
        parsed = date_range(start, end, f"{start}/{end}" if start and end else start or end)
    else:
        parsed = parse_date(value)
    if parsed:
        draft.set("date", parsed)
    else:
        draft.add_object("notes", {"type": "date", "text": value})


def _relation(name: str) -> Callable[[Draft, str], None]:
    def handle(draft: Draft, value: str) -> None:
        is_url = value.startswith(("http://", "https://"))
        item = {"relation": name, "title": value, "url": value if is_url else None}
        draft.add_object("related", item)

    return handle


def _available(draft: Draft, value: str) -> None:
    parsed = parse_date(value)
    if parsed and parsed["start"] == parsed["end"]:
        draft.set("uploaded", parsed["start"])


_EXTRA: dict[str, Callable[[Draft, str], None]] = {
    "abstract": lambda d, v: (
        d.set("summary", v)
        if "summary" not in d.data
        else d.add_object("notes", {"type": "abstract", "text": v})
    ),
    "alternative": lambda d, v: d.add_object("notes", {"type": "alternative title", "text": v}),
    "tableOfContents": lambda d, v: d.add_object("notes", {"type": "contents", "text": v}),
    "created": _created,
    "date": _created,
    "issued": _created,
    "available": _available,
    "extent": lambda d, v: d.add("extent", v),
    "medium": lambda d, v: d.add("formats", v),
    "spatial": lambda d, v: d.add("places", v),
    "temporal": lambda d, v: d.add("subjects", v),
    "accessRights": lambda d, v: d.set("access_rights", v),
    "license": lambda d, v: d.set("rights", v),
    "provenance": lambda d, v: d.add_object("notes", {"type": "provenance", "text": v}),
    "rightsHolder": lambda d, v: d.add_object("notes", {"type": "rights holder", "text": v}),
    "bibliographicCitation": lambda d, v: d.add_object("notes", {"type": "citation", "text": v}),
    **{name: _relation(name) for name in RELATIONS},
}


def read(root: etree._Element) -> list[dict[str, Any]]:
    """The record of a qualified DC container (any container element name)."""
    draft = Draft("oai_dcterms", root)
    for child in root:
        if not isinstance(child.tag, str):
            continue
        handler = _EXTRA.get(local_name(child))
        if handler is None:
            oai_dc.read_dc_element(draft, child)
        elif value := text_of(child):
            handler(draft, value)
    return [oai_dc.finish(draft)]


FORMAT = MetadataFormat(
    prefix="oai_dcterms",
    namespace=NS,
    schema=SCHEMA,
    version="4",
    root=_ROOT,
    write=write,
    read=read,
    xsd="oai_dcterms.xsd",
    label="Qualified Dublin Core (DCMI Metadata Terms)",
    aliases=(
        "{http://epubs.cclrc.ac.uk/xmlns/qdc/}qualifieddc",
        "{http://worldcat.org/xmlschemas/qdc-1.0/}qualifieddc",
        "{http://purl.org/dc/terms/}qualifieddc",
        "{http://www.openarchives.org/OAI/2.0/oai_dcterms/}dcterms",
        "{http://www.openarchives.org/OAI/2.0/oai_dcterms/}dc",
        "qualifieddc",
    ),
)
