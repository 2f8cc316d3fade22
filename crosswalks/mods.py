"""MODS 3.8: the writer (record -> mods), following LoC's DC -> MODS mapping.

The document date is `originInfo/dateCreated` (encoding w3cdtf, point start/end for a
range, qualifier approximate/inferred); the archive that publishes the digital surrogate
is a second `originInfo` (eventType publication). The source citation is a
`relatedItem type="original"`, related documents are `relatedItem`s typed by their DCMI
relation, collections are `relatedItem type="host"`. Reading is in `mods_reader`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crosswalks import mods_reader
from crosswalks.base import DONOR_PREFIX, MetadataFormat
from crosswalks.languages import to_iso639_2b
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

__all__ = ["FORMAT", "NS", "RELATION_TO_TYPE", "build", "write"]

NS = "http://www.loc.gov/mods/v3"
SCHEMA = "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"
_ROOT = f"{{{NS}}}mods"
_NSMAP = {"mods": NS, "xsi": XSI}
_LOCATION = f"{NS} {SCHEMA}"
CLASSIFICATION_LABEL = "Original classification"
RELATION_TO_TYPE = {
    "isPartOf": "host",
    "hasPart": "constituent",
    "references": "references",
    "isReferencedBy": "isReferencedBy",
    "isVersionOf": "otherVersion",
    "hasVersion": "otherVersion",
    "isFormatOf": "otherFormat",
    "hasFormat": "otherFormat",
    "replaces": "preceding",
    "isReplacedBy": "succeeding",
}
DCMI_TO_RESOURCE = {
    "Text": "text",
    "StillImage": "still image",
    "Image": "still image",
    "MovingImage": "moving image",
    "Sound": "sound recording",
    "PhysicalObject": "three dimensional object",
    "Software": "software, multimedia",
    "Dataset": "software, multimedia",
    "InteractiveResource": "software, multimedia",
    "Collection": "mixed material",
}


def _m(name: str) -> str:
    return f"{{{NS}}}{name}"


def _title(parent: OutElement, title: str) -> None:
    sub(sub(parent, _m("titleInfo")), _m("title"), title)


def _name(parent: OutElement, agent: Mapping[str, Any], default_role: str) -> None:
    element = sub(parent, _m("name"))
    kind = agent.get("kind")
    if kind:
        element.set("type", "personal" if kind == "person" else "corporate")
    sub(element, _m("namePart"), agent["name"])
    term = sub(sub(element, _m("role")), _m("roleTerm"), agent.get("role") or default_role)
    term.set("type", "text")
    term.set("authority", "marcrelator")


def _dates(parent: OutElement, tag: str, value: Mapping[str, Any]) -> None:
    start, end = value["start"], value.get("end") or value["start"]
    points = [(start, None)] if start == end else [(start, "start"), (end, "end")]
    for index, (text, point) in enumerate(points):
        element = sub(parent, _m(tag), text)
        element.set("encoding", "w3cdtf")
        if index == 0:
            element.set("keyDate", "yes")
        if point:
            element.set("point", point)
        if value.get("approximate"):
            element.set("qualifier", "approximate")
        elif value.get("inferred"):
            element.set("qualifier", "inferred")


def _origin(root: OutElement, record: Mapping[str, Any]) -> None:
    if record.get("date"):
        info = sub(root, _m("originInfo"))
        info.set("eventType", "production")
        _dates(info, "dateCreated", record["date"])
    if record.get("publisher") or record.get("uploaded"):
        info = sub(root, _m("originInfo"))
        info.set("eventType", "publication")
        info.set("displayLabel", mods_reader.SURROGATE_LABEL)
        if record.get("publisher"):
            sub(info, _m("publisher"), record["publisher"])
        if record.get("uploaded"):
            sub(info, _m("dateIssued"), record["uploaded"]).set("encoding", "w3cdtf")


def _physical(root: OutElement, record: Mapping[str, Any]) -> None:
    formats, extent = record.get("formats", ()), record.get("extent", ())
    if not formats and not extent:
        return
    element = sub(root, _m("physicalDescription"))
    for value in formats:
        is_mime = "/" in value and " " not in value
        sub(element, _m("internetMediaType" if is_mime else "form"), value)
    for value in extent:
        sub(element, _m("extent"), value)


def _notes(root: OutElement, record: Mapping[str, Any]) -> None:
    if record.get("summary"):
        sub(root, _m("abstract"), record["summary"])
    if record.get("classification"):
        note = sub(root, _m("note"), record["classification"])
        note.set("displayLabel", CLASSIFICATION_LABEL)
    for donor in record.get("donors", ()):
        sub(root, _m("note"), DONOR_PREFIX + donor).set("type", "funding")
    for item in record.get("notes", ()):
        note = sub(root, _m("note"), item["text"])
        if item.get("type"):
            note.set("type", item["type"])


def _subjects(root: OutElement, record: Mapping[str, Any]) -> None:
    for value in record.get("subjects", ()):
        sub(sub(root, _m("subject")), _m("topic"), value)
    for key, kind in (("people", "personal"), ("organizations", "corporate")):
        for value in record.get(key, ()):
            name = sub(sub(root, _m("subject")), _m("name"))
            name.set("type", kind)
            sub(name, _m("namePart"), value)
    for value in record.get("places", ()):
        sub(sub(root, _m("subject")), _m("geographic"), value)


def _url(parent: OutElement, url: str | None, usage: str | None = None) -> None:
    """location/url (xs:anyURI) for a URI; any other text as identifier type="uri"."""
    if not url:
        return
    if not is_uri(url):
        sub(parent, _m("identifier"), url).set("type", "uri")
        return
    element = sub(sub(parent, _m("location")), _m("url"), url)
    if usage:
        element.set("usage", usage)


def _related(root: OutElement, record: Mapping[str, Any]) -> None:
    for item in record.get("related", ()):
        element = sub(root, _m("relatedItem"))
        relation = item.get("relation") or "references"
        if relation in RELATION_TO_TYPE:
            element.set("type", RELATION_TO_TYPE[relation])
        element.set("otherType", relation)
        _title(element, item["title"])
        if item.get("date"):
            _dates(sub(element, _m("originInfo")), "dateCreated", item["date"])
        if item.get("summary"):
            sub(element, _m("abstract"), item["summary"])
        _url(element, item.get("url"))
        if item.get("id"):
            sub(element, _m("identifier"), item["id"]).set("type", "local")
    for collection in record.get("collections", ()):
        element = sub(root, _m("relatedItem"))
        element.set("type", "host")
        element.set("displayLabel", mods_reader.COLLECTION_LABEL)
        _title(element, collection.get("name") or collection["spec"])
        sub(element, _m("identifier"), collection["spec"]).set("type", "setSpec")


def _source(root: OutElement, source: Mapping[str, Any]) -> None:
    element = sub(root, _m("relatedItem"))
    element.set("type", "original")
    _title(element, source["citation"])
    if source.get("archive") or source.get("container"):
        location = sub(element, _m("location"))
        if source.get("archive"):
            sub(location, _m("physicalLocation"), source["archive"])
        if source.get("container"):
            sub(location, _m("shelfLocator"), source["container"])
    if source.get("reference_code"):
        sub(element, _m("identifier"), source["reference_code"]).set("type", "reference code")


def _identity(root: OutElement, record: Mapping[str, Any]) -> None:
    if record.get("record_id"):
        sub(root, _m("identifier"), record["record_id"]).set("type", "local")
    for ident in record.get("identifiers", ()):
        element = sub(root, _m("identifier"), ident["value"])
        if ident.get("type"):
            element.set("type", ident["type"])
    _url(root, record.get("url"), "primary display")
    if record.get("rights"):
        sub(root, _m("accessCondition"), record["rights"]).set("type", "use and reproduction")
    if record.get("access_rights"):
        condition = sub(root, _m("accessCondition"), record["access_rights"])
        condition.set("type", "restriction on access")
    info = sub(root, _m("recordInfo"))
    sub(info, _m("recordIdentifier"), record["id"])


def build(record: Mapping[str, Any]) -> OutRoot:
    """The mods element (MODS 3.8) of a record's JSON form, as an output tree."""
    root = tree(_ROOT, _NSMAP)
    root.set(XSI_SCHEMA_LOCATION, _LOCATION)
    root.set("version", "3.8")
    _title(root, record["title"])
    for agent in record.get("creators", ()):
        _name(root, agent, "creator")
    for agent in record.get("contributors", ()):
        _name(root, agent, "contributor")
    dcmi = record.get("dcmi_type") or "Text"
    if dcmi in DCMI_TO_RESOURCE:
        resource = sub(root, _m("typeOfResource"), DCMI_TO_RESOURCE[dcmi])
        if dcmi == "Collection":
            resource.set("collection", "yes")
    for genre in record.get("genres", ()):
        sub(root, _m("genre"), genre)
    _origin(root, record)
    for code in record.get("languages", ()):
        term = sub(sub(root, _m("language")), _m("languageTerm"), to_iso639_2b(code))
        term.set("type", "code")
        term.set("authority", "iso639-2b")
    _physical(root, record)
    _notes(root, record)
    _subjects(root, record)
    _related(root, record)
    if record.get("source", {}).get("citation"):
        _source(root, record["source"])
    _identity(root, record)
    return root


def write(record: Mapping[str, Any]) -> bytes:
    """The mods element (MODS 3.8) of a record's JSON form."""
    return serialise(build(record))


FORMAT = MetadataFormat(
    prefix="mods",
    namespace=NS,
    schema=SCHEMA,
    version="3",
    root=_ROOT,
    write=write,
    read=mods_reader.read,
    label="MODS 3.8",
    aliases=(f"{{{NS}}}modsCollection", "{http://www.loc.gov/mods/}mods", "mods"),
)
