"""MARCXML (MARC 21 slim): the writer, after LoC's Dublin Core -> MARC crosswalk.

Leader/06 comes from the DCMI type (archival documents are unpublished: Text -> 't',
manuscript language material), leader/07 from the archival level, leader/08 is 'a'
(archival control) when a level is given. 008 is coded from the document date (06 type
of date s/i/q/n, 07-14 dates) and the first language (35-37, ISO 639-2/B); its date
entered (00-05) is the upload date, never "today", so the output is deterministic.
Reading is in `marc_reader`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crosswalks import marc_reader
from crosswalks.base import DONOR_PREFIX, MetadataFormat
from crosswalks.dates import w3cdtf
from crosswalks.languages import to_iso639_2b
from crosswalks.xmlout import XSI, XSI_SCHEMA_LOCATION, OutElement, OutRoot, serialise, sub, tree

__all__ = ["FORMAT", "NS", "build", "field_008", "leader", "write"]

NS = "http://www.loc.gov/MARC21/slim"
SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
_ROOT = f"{{{NS}}}record"
_NSMAP = {"marc": NS, "xsi": XSI}
_LOCATION = f"{NS} {SCHEMA}"
_LEADER, _CONTROL, _DATA, _SUB = (
    f"{{{NS}}}{n}" for n in ("leader", "controlfield", "datafield", "subfield")
)
_TYPE_OF_RECORD = {
    "Text": "t",
    "Collection": "p",
    "StillImage": "k",
    "Image": "k",
    "MovingImage": "g",
    "Sound": "i",
    "PhysicalObject": "r",
    "Software": "m",
    "Dataset": "m",
    "InteractiveResource": "m",
}
_LEVELS = {
    "fonds": "c",
    "collection": "c",
    "series": "c",
    "subseries": "c",
    "recordgrp": "c",
    "file": "d",
    "subfile": "d",
    "item": "m",
}
Subfields = Sequence[tuple[str, str | None]]


def leader(record: Mapping[str, Any]) -> str:
    """The 24-character leader (record length and base address left as zeros)."""
    kind = _TYPE_OF_RECORD.get(record.get("dcmi_type") or "Text", "t")
    level = record.get("level")
    bib_level = _LEVELS.get((level or "").lower(), "m")
    control = "a" if level else " "
    return f"00000n{kind}{bib_level}{control}a2200000 c 4500"


def _date_008(value: Mapping[str, Any] | None) -> str:
    """008/06-14: type of date and Date1, Date2."""
    if not value:
        return "nuuuuuuuu"
    start, end = value["start"].lstrip("-")[:4], (value.get("end") or value["start"])[:4]
    end = end.lstrip("-")[:4]
    if value.get("approximate") or value.get("precision") in ("decade", "century"):
        return f"q{start}{end}"
    if start != end:
        return f"i{start}{end}"
    return f"s{start}    "


def field_008(record: Mapping[str, Any]) -> str:
    """The 40-character 008 (fixed-length data elements), fill characters where unknown."""
    # Date entered on file: the upload (or harvest) date, never "today", so that the
    # output depends on the record alone; fill characters when neither is known.
    harvested = str((record.get("origin") or {}).get("harvested_at") or "")[:10]
    uploaded = record.get("uploaded") or harvested
    entered = uploaded[2:4] + uploaded[5:7] + uploaded[8:10] if len(uploaded) == 10 else "||||||"
    languages = record.get("languages") or ()
    language = to_iso639_2b(languages[0]) if languages else "und"
    return f"{entered}{_date_008(record.get('date'))}xx {'|' * 17}{language:3.3}|d"


class _Marc:
    """Collects data fields, then writes them in tag order."""

    def __init__(self) -> None:
        self.fields: list[tuple[str, str, str, Subfields]] = []

    def add(self, tag: str, ind: str, subfields: Subfields) -> None:
        kept = [(code, value) for code, value in subfields if value]
        if kept:
            self.fields.append((tag, ind[0], ind[1], kept))

    def write(self, root: OutElement) -> None:
        for tag, ind1, ind2, subfields in sorted(self.fields, key=lambda f: f[0]):
            field = sub(root, _DATA)
            field.set("tag", tag)
            field.set("ind1", ind1)
            field.set("ind2", ind2)
            for code, value in subfields:
                sub(field, _SUB, value).set("code", code)


def _date_text(value: Mapping[str, Any] | None) -> str | None:
    text = w3cdtf(value)
    if not text or not value:
        return None
    if value.get("approximate"):
        text = f"ca. {text}"
    return f"[{text}]" if value.get("inferred") else text


def _names(marc: _Marc, record: Mapping[str, Any]) -> bool:
    """Creators (first one with a kind as 1XX) and contributors; True if a 1XX was made."""
    main = False
    for index, agent in enumerate(record.get("creators", ())):
        kind = agent.get("kind")
        role = agent.get("role") or "author"
        if index == 0 and kind:
            tag, ind = ("100", "1 ") if kind == "person" else ("110", "2 ")
            main = True
        else:
            tag, ind = {"person": ("700", "1 "), "organization": ("710", "2 ")}.get(
                kind or "", ("720", "  ")
            )
        marc.add(tag, ind, [("a", agent["name"]), ("e", role)])
    for agent in record.get("contributors", ()):
        tag, ind = {"person": ("700", "1 "), "organization": ("710", "2 ")}.get(
            agent.get("kind") or "", ("720", "  ")
        )
        marc.add(tag, ind, [("a", agent["name"]), ("e", agent.get("role") or "contributor")])
    return main


def _notes(marc: _Marc, record: Mapping[str, Any]) -> None:
    marc.add("355", "0 ", [("a", record.get("classification"))])
    for note in record.get("notes", ()):
        marc.add("500", "  ", [("a", note["text"])])
    marc.add("506", "  ", [("a", record.get("access_rights"))])
    marc.add("520", "  ", [("a", record.get("summary"))])
    for donor in record.get("donors", ()):
        marc.add("536", "  ", [("a", DONOR_PREFIX + donor)])
    marc.add("540", "  ", [("a", record.get("rights"))])


def _subjects(marc: _Marc, record: Mapping[str, Any]) -> None:
    for tag, ind, key in (
        ("600", "14", "people"),
        ("610", "24", "organizations"),
        ("651", " 4", "places"),
        ("653", "  ", "subjects"),
        ("655", " 4", "genres"),
    ):
        for value in record.get(key, ()):
            marc.add(tag, ind, [("a", value)])


def _links(marc: _Marc, record: Mapping[str, Any]) -> None:
    for item in record.get("related", ()):
        relation = item.get("relation") or "references"
        tag = "773" if relation == "isPartOf" else "787"
        marc.add(
            tag,
            "0 ",
            [
                ("i", relation),
                ("t", item["title"]),
                ("d", w3cdtf(item.get("date"))),
                ("n", item.get("summary")),
                ("o", item.get("url")),
                ("w", item.get("id")),
            ],
        )
    for collection in record.get("collections", ()):
        marc.add(
            "773",
            "0 ",
            [
                ("i", marc_reader.COLLECTION),
                ("t", collection.get("name") or collection["spec"]),
                ("o", collection["spec"]),
            ],
        )
    source = record.get("source") or {}
    marc.add("786", "0 ", [("n", source.get("citation"))])
    marc.add(
        "852",
        "  ",
        [
            ("a", source.get("archive")),
            ("b", source.get("fonds")),
            ("c", source.get("container")),
            ("j", source.get("reference_code")),
        ],
    )
    marc.add("856", "40", [("u", record.get("url"))])


def _identifiers(marc: _Marc, record: Mapping[str, Any]) -> None:
    for ident in record.get("identifiers", ()):
        source = ident.get("type") or None
        kind = (source or "").lower()
        if kind == "isbn":
            marc.add("020", "  ", [("a", ident["value"])])
        elif kind == "url":
            marc.add("856", "41", [("u", ident["value"])])
        else:
            marc.add("024", "7 " if source else "8 ", [("a", ident["value"]), ("2", source)])
    marc.add("035", "  ", [("a", record.get("record_id"))])
    if len(record.get("languages", ())) > 0:
        marc.add("041", "0 ", [("a", to_iso639_2b(code)) for code in record["languages"]])


def _data_fields(record: Mapping[str, Any]) -> _Marc:
    marc = _Marc()
    _identifiers(marc, record)
    main = _names(marc, record)
    marc.add("245", ("1" if main else "0") + "0", [("a", record["title"])])
    marc.add("264", " 0", [("c", _date_text(record.get("date")))])
    marc.add("264", " 1", [("b", record.get("publisher")), ("c", record.get("uploaded"))])
    for value in record.get("extent", ()):
        marc.add("300", "  ", [("a", value)])
    for value in record.get("formats", ()):
        marc.add("340", "  ", [("a", value)])
    _notes(marc, record)
    _subjects(marc, record)
    _links(marc, record)
    return marc


def build(record: Mapping[str, Any]) -> OutRoot:
    """The MARCXML record element of a record's JSON form, as an output tree."""
    root = tree(_ROOT, _NSMAP)
    root.set(XSI_SCHEMA_LOCATION, _LOCATION)
    root.set("type", "Bibliographic")
    sub(root, _LEADER, leader(record))
    sub(root, _CONTROL, record["id"]).set("tag", "001")
    sub(root, _CONTROL, field_008(record)).set("tag", "008")
    _data_fields(record).write(root)
    return root


def write(record: Mapping[str, Any]) -> bytes:
    """The MARCXML record element of a record's JSON form."""
    return serialise(build(record))


FORMAT = MetadataFormat(
    prefix="marcxml",
    namespace=NS,
    schema=SCHEMA,
    version="2",
    root=_ROOT,
    write=write,
    read=marc_reader.read,
    label="MARC 21 XML (slim)",
    aliases=(
        f"{{{NS}}}collection",
        "record",
        "collection",
        # MarcXchange (ISO 25577), which European national libraries serve: same layout.
        *(
            f"{{info:lc/xmlns/marcxchange-v{v}}}{n}"
            for v in (1, 2)
            for n in ("record", "collection")
        ),
    ),
)
