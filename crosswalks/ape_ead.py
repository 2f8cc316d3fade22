"""apeEAD (the Archives Portal Europe's EAD 2002 profile): one whole finding aid per fonds.

The finding aid of a fonds- or collection-level record is assembled from the records
below it (`children`: a unit's id -> its child records, in order), each unit a nested
`<c>` with its own `<did>` and notes. apeEAD wants what plain EAD leaves open: an
`eadid` with `@countrycode`, `@mainagencycode` (ISIL-like, `CZ-...`) and
`@identifier`; `archdesc level="fonds"`; ISO 639-2/B language codes; ISO 8601 dates in
`@normal`. Note types of every partner format (EAD, ELZA, ARON, MARC) map through one
table to apeEAD's description elements; a type it has no element for becomes `<odd>`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from crosswalks.base import MetadataFormat
from crosswalks.errors import CrosswalkError
from crosswalks.languages import english_name, to_iso639_2b
from crosswalks.xmlout import XSI, XSI_SCHEMA_LOCATION, OutElement, OutRoot, serialise, sub, tree

__all__ = [
    "FINDING_AID_LEVELS",
    "NS",
    "SCHEMA",
    "ApeOptions",
    "ape_format",
    "write_finding_aid",
]

NS = "urn:isbn:1-931666-22-9"
SCHEMA = "https://www.archivesportaleurope.net/schemas/ead/apeEAD.xsd"
_NSMAP = {None: NS, "xlink": "http://www.w3.org/1999/xlink", "xsi": XSI}
# the levels whose record is a whole finding aid
FINDING_AID_LEVELS = frozenset({"fonds", "collection"})
# apeEAD's c/@level values (a.desc.c.level); any other level is "otherlevel"
_C_LEVELS = frozenset(
    {"class", "collection", "file", "fonds", "item", "recordgrp", "series", "subfonds"}
    | {"subgrp", "subseries"}
)
# a record's note type (as the partner formats spell it, lower case) -> apeEAD element
_NOTE_ELEMENTS = {
    "history": "bioghist",
    "bioghist": "bioghist",
    "biographical": "bioghist",
    "biographical/historical": "bioghist",
    "arrangement": "arrangement",
    "organization": "arrangement",
    "acquisition": "acqinfo",
    "acqinfo": "acqinfo",
    "accruals": "accruals",
    "accrual method": "accruals",
    "custodhist": "custodhist",
    "ownership": "custodhist",
    "processinfo": "processinfo",
    "rules": "processinfo",
    "description date": "processinfo",
    "scopecontent": "scopecontent",
    "abstract": "scopecontent",
    "unit_content": "scopecontent",
    "condition": "phystech",
    "phystech": "phystech",
    "systemdetails": "phystech",
    "originalsloc": "originalsloc",
    "originallocation": "originalsloc",
    "altformavail": "altformavail",
    "additionalform": "altformavail",
    "separatedmaterial": "separatedmaterial",
    "relatedmaterial": "relatedmaterial",
    "prefercite": "prefercite",
    "preferredcitation": "prefercite",
    "citation": "prefercite",
    "otherfindaid": "otherfindaid",
    "finding aids": "otherfindaid",
    "appraisal": "appraisal",
    "bibliography": "bibliography",
}
# notes that belong in the did (physical description), not beside it
_DID_NOTES = frozenset({"physdesc", "dimensions"})
_NORMAL_DATE = re.compile(r"^-?[012]\d{3}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_AGENCY = re.compile(r"^([A-Z]{2}|[a-zA-Z]|[a-zA-Z]{3,4})-[a-zA-Z0-9:/\-]{1,11}$")
_MAX_DEPTH = 64


class NotAFindingAid(CrosswalkError):
    """A record that cannot head a finding aid (not fonds or collection level)."""


@dataclass(frozen=True, slots=True)
class ApeOptions:
    """What apeEAD needs beyond the records: the holding agency's country and code."""

    country_code: str = "CZ"
    agency_code: str = ""  # ISIL-like "CZ-225202010"; empty: "<country>-oaihub"

    def main_agency(self) -> str:
        code = self.agency_code or f"{self.country_code}-oaihub"
        if not _AGENCY.match(code):
            raise CrosswalkError(f"not an apeEAD agency code: {code!r}", format="ape_ead")
        return code


Children = Callable[[str], Sequence[Mapping[str, Any]]]


def _e(name: str) -> str:
    return f"{{{NS}}}{name}"


def _paragraphs(parent: OutElement, name: str, text: str) -> None:
    element = sub(parent, _e(name))
    for paragraph in [p for p in text.split("\n") if p.strip()] or [text]:
        sub(element, _e("p"), paragraph)


def _unitdate(did: OutElement, date: Mapping[str, Any]) -> None:
    element = sub(did, _e("unitdate"), date.get("text") or date["start"])
    start, end = date["start"], date.get("end") or date["start"]
    if _NORMAL_DATE.match(start) and _NORMAL_DATE.match(end):
        element.set("normal", start if start == end else f"{start}/{end}")
    element.set("era", "ce")
    element.set("calendar", "gregorian")


def _origination(did: OutElement, agents: Sequence[Mapping[str, Any]]) -> None:
    for agent in agents:
        if not agent.get("name"):
            continue
        kind = {"person": "persname", "organization": "corpname"}.get(agent.get("kind") or "")
        sub(sub(did, _e("origination")), _e(kind or "name"), agent["name"])


def _languages(did: OutElement, codes: Sequence[str]) -> None:
    if not codes:
        return
    element = sub(did, _e("langmaterial"))
    for code in dict.fromkeys(to_iso639_2b(c) for c in codes):
        language = sub(element, _e("language"), english_name(code) or code)
        language.set("langcode", code)


def _unitid(record: Mapping[str, Any]) -> str | None:
    code = (record.get("source") or {}).get("reference_code")
    if code:
        return str(code)
    for ident in record.get("identifiers") or ():
        if ident.get("type") != "eadid":
            return str(ident["value"])
    return None


def _did(parent: OutElement, record: Mapping[str, Any]) -> None:
    did = sub(parent, _e("did"))
    unitid = _unitid(record)
    if unitid:
        sub(did, _e("unitid"), unitid)
    sub(did, _e("unittitle"), record["title"])
    if record.get("date"):
        _unitdate(did, record["date"])
    _origination(did, record.get("creators") or ())
    _languages(did, record.get("languages") or ())
    for value in [*record.get("extent", ()), *record.get("formats", ())]:
        sub(sub(did, _e("physdesc")), _e("extent"), value)
    for note in record.get("notes") or ():
        if (note.get("type") or "").lower() in _DID_NOTES:
            sub(did, _e("physdesc"), note["text"])
    archive = (record.get("source") or {}).get("archive") or record.get("publisher")
    if archive:
        sub(sub(did, _e("repository")), _e("corpname"), archive)


def _description(parent: OutElement, record: Mapping[str, Any]) -> None:
    if record.get("summary"):
        _paragraphs(parent, "scopecontent", record["summary"])
    for note in record.get("notes") or ():
        kind = (note.get("type") or "").lower()
        if kind not in _DID_NOTES and note.get("text", "").strip():
            _paragraphs(parent, _NOTE_ELEMENTS.get(kind, "odd"), note["text"])
    if record.get("access_rights"):
        _paragraphs(parent, "accessrestrict", record["access_rights"])
    if record.get("rights"):
        _paragraphs(parent, "userestrict", record["rights"])


def _components(parent: OutElement, record_id: str, children: Children, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise CrosswalkError(f"units nested deeper than {_MAX_DEPTH} below {record_id!r}")
    for child in children(record_id):
        component = sub(parent, _e("c"))
        level = child.get("level") or ""
        if level in _C_LEVELS:
            component.set("level", level)
        elif level:
            component.set("level", "otherlevel")
            component.set("otherlevel", re.sub(r"[^\w.\-]", "_", level))
        _did(component, child)
        _description(component, child)
        _components(component, child["id"], children, depth + 1)


def _header(root: OutRoot, record: Mapping[str, Any], options: ApeOptions) -> None:
    header = sub(root, _e("eadheader"))
    eadid = sub(header, _e("eadid"), record.get("record_id") or record["id"])
    eadid.set("countrycode", options.country_code)
    eadid.set("mainagencycode", options.main_agency())
    eadid.set("identifier", record["id"])
    if record.get("url"):
        eadid.set("url", record["url"])
    titlestmt = sub(sub(header, _e("filedesc")), _e("titlestmt"))
    sub(titlestmt, _e("titleproper"), record["title"])


def build_finding_aid(
    record: Mapping[str, Any], children: Children, options: ApeOptions
) -> OutRoot:
    """The ead element of the finding aid headed by `record`, as an output tree."""
    root = tree(_e("ead"), _NSMAP)
    root.set(XSI_SCHEMA_LOCATION, f"{NS} {SCHEMA}")
    root.set("audience", "external")
    _header(root, record, options)
    archdesc = sub(root, _e("archdesc"))
    archdesc.set("level", "fonds")  # apeEAD: an archdesc is always a fonds
    _did(archdesc, record)
    _description(archdesc, record)
    if children(record["id"]):
        _components(sub(archdesc, _e("dsc")), record["id"], children, 1)
    return root


def write_finding_aid(
    record: Mapping[str, Any], children: Children, options: ApeOptions | None = None
) -> bytes:
    """The apeEAD finding aid headed by `record`, with every unit below it."""
    return serialise(build_finding_aid(record, children, options or ApeOptions()))


def _no_units(_record_id: str) -> Sequence[Mapping[str, Any]]:
    return ()


def _write_alone(data: Mapping[str, Any], options: ApeOptions) -> bytes:
    return write_finding_aid(data, _no_units, options)


def ape_format(options: ApeOptions) -> MetadataFormat:
    """The `ape_ead` format with these options (what the hub registers).

    Its `write` makes the finding aid of one record alone; the hub assembles each
    fonds' finding aid with its units (`oai.finding_aids`)."""
    digest = hashlib.sha256(repr(options).encode("utf-8")).hexdigest()[:12]
    return MetadataFormat(
        prefix="ape_ead",
        namespace=NS,
        schema=SCHEMA,
        version=f"1-{digest}",
        root="",  # never read: EAD 2002 documents go to its own reader
        write=partial(_write_alone, options=options),
        label="apeEAD (Archives Portal Europe)",
    )
