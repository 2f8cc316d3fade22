"""Finding aids (EAD 2002, apeEAD, EAD3) -> records: the archival description and each
component (`c`, `c01` ... `c12`) become records; a component is linked to its parent by
`related` (relation "isPartOf"), and the parent lists its children ("hasPart").

Elements are matched by local name, so the namespaced and the DTD (no namespace) forms
of EAD 2002 read alike. A component without a `unittitle` (ELZA leaves some untitled)
gets a devised title: its parent's title and its `unitid`, as DACS 2.3 allows; only the
description as a whole must carry a title of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crosswalks.dates import date_range, parse_date
from crosswalks.draft import POSITIONAL, Draft, safe_id
from crosswalks.languages import to_iso639_3
from crosswalks.parsing import block_of, local_name, text_of

__all__ = ["Finding", "children", "first", "read_archdesc"]

_COMPONENT = frozenset({"c", *(f"c{n:02d}" for n in range(1, 13))})
_COLLECTION_LEVELS = frozenset(
    {"fonds", "collection", "series", "subseries", "recordgrp", "subgrp", "subfonds"}
)
_NOTES = (
    "bioghist",
    "arrangement",
    "custodhist",
    "acqinfo",
    "accruals",
    "appraisal",
    "processinfo",
    "otherfindaid",
    "relatedmaterial",
    "separatedmaterial",
    "originalsloc",
    "altformavail",
    "odd",
    "phystech",
    "prefercite",
    "fileplan",
    "bibliography",
    "note",
    "materialspec",
    "legalstatus",
)
_ACCESS = {
    "persname": "people",
    "famname": "people",
    "corpname": "organizations",
    "geogname": "places",
    "subject": "subjects",
    "function": "subjects",
    "occupation": "subjects",
    "genreform": "genres",
    "name": "subjects",
    "title": "subjects",
}
_AGENT_KIND = {"persname": "person", "famname": "person", "corpname": "organization"}


def children(element: etree._Element, *names: str) -> Iterator[etree._Element]:
    """Child elements with one of the local names (namespace ignored)."""
    for child in element:
        if isinstance(child.tag, str) and local_name(child) in names:
            yield child


def first(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down a path of local names, or None."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def _paragraphs(element: etree._Element) -> str:
    """Text of a note: its paragraphs (or its whole text) without the heading."""
    parts = [block_of(c) for c in element if isinstance(c.tag, str) and local_name(c) != "head"]
    text = "\n\n".join(p for p in parts if p)
    return text or block_of(element)


@dataclass
class Finding:
    """Facts of the whole finding aid that every record of it shares."""

    format: str
    archive: str | None = None
    fonds: str | None = None
    title: str | None = None
    ids: tuple[str | None, ...] = ()
    identifiers: list[dict[str, str]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def unique(self, candidates: list[str | None], fallback: str) -> str:
        for candidate in [*candidates, fallback]:
            value = safe_id(candidate)
            if value and value not in self.used:
                self.used.add(value)
                return value
        number = 2
        while f"{fallback}.{number}" in self.used:
            number += 1
        self.used.add(f"{fallback}.{number}")
        return f"{fallback}.{number}"


def _date(did: etree._Element) -> dict[str, Any] | None:
    structured = first(did, "unitdatestructured")
    if structured is not None:
        found = _structured_date(structured)
        if found:
            return found
    # The inclusive dates describe the unit; bulk dates only where most of it falls.
    unitdates = sorted(children(did, "unitdate"), key=lambda u: u.get("type") == "bulk")
    for unitdate in unitdates:
        normal = unitdate.get("normal")
        text = text_of(unitdate)
        if normal:
            start, _, end = normal.partition("/")
            found = date_range(start, end or start, text or normal)
            if found:
                return found
        found = parse_date(text)
        if found:
            return found
    return None


def _structured_date(element: etree._Element) -> dict[str, Any] | None:
    single = first(element, "datesingle")
    if single is not None:
        value = single.get("standarddate") or text_of(single)
        return date_range(value, value, text_of(single) or value)
    rng = first(element, "daterange")
    if rng is None:
        return None
    start, end = first(rng, "fromdate"), first(rng, "todate")
    start_text, end_text = text_of(start), text_of(end)
    label = "-".join(t for t in (start_text, end_text) if t)
    # The visible text carries the precision ("1734"); standarddate widens it to a day.
    found = date_range(start_text, end_text, label)
    if found is None:
        found = date_range(
            start.get("standarddate") if start is not None else None,
            end.get("standarddate") if end is not None else None,
            label,
        )
    return found


def _did(draft: Draft, did: etree._Element, finding: Finding) -> None:
    draft.set("title", text_of(first(did, "unittitle")))
    draft.set("date", _date(did))
    for unitid in children(did, "unitid"):
        kind = unitid.get("type") or unitid.get("localtype") or "unitid"
        draft.add_object("identifiers", {"type": kind, "value": text_of(unitid)})
        if text_of(unitid):
            draft.data.setdefault("_unitid", text_of(unitid))
    for origination in children(did, "origination"):
        agents = [c for c in origination if isinstance(c.tag, str)]
        for agent in agents or [origination]:
            draft.add_object(
                "creators",
                {
                    "name": text_of(agent),
                    "role": "creator",
                    "kind": _AGENT_KIND.get(local_name(agent)),
                },
            )
    for language in did.iter("{*}language", "language"):
        draft.add(
            "languages", to_iso639_3(language.get("langcode")) or to_iso639_3(text_of(language))
        )
    _physical(draft, did)
    abstract = first(did, "abstract")
    if abstract is not None:
        draft.set("summary", text_of(abstract))
    for container in children(did, "container"):
        draft.data.setdefault("_container", text_of(container))
    for dao in children(did, "dao", "daoset"):
        _dao(draft, dao)
    repository = first(did, "repository")
    if repository is not None and not finding.archive:
        finding.archive = text_of(repository)


def _physical(draft: Draft, did: etree._Element) -> None:
    for physdesc in children(did, "physdesc"):
        extents = list(children(physdesc, "extent"))
        if extents:
            draft.add("extent", "; ".join(text_of(e) for e in extents if text_of(e)))
        elif text_of(physdesc):
            draft.add_object("notes", {"type": "physdesc", "text": text_of(physdesc)})
    for structured in children(did, "physdescstructured"):
        parts = (text_of(first(structured, "quantity")), text_of(first(structured, "unittype")))
        draft.add("extent", " ".join(p for p in parts if p))


def _dao(draft: Draft, dao: etree._Element) -> None:
    for element in dao.iter():
        for name, value in element.attrib.items():
            text = str(value)
            if str(name).endswith("href") and text.startswith(("http://", "https://")):
                draft.add_object("identifiers", {"type": "url", "value": text})


def _body(draft: Draft, component: etree._Element) -> None:
    for child in component:
        name = local_name(child) if isinstance(child.tag, str) else ""
        if name == "scopecontent":
            text = _paragraphs(child)
            if "summary" in draft.data:
                draft.add_object("notes", {"type": name, "text": text})
            draft.set("summary", text)
        elif name == "accessrestrict":
            draft.set("access_rights", _paragraphs(child))
        elif name == "userestrict":
            draft.set("rights", _paragraphs(child))
        elif name in _NOTES:
            draft.add_object("notes", {"type": name, "text": _paragraphs(child)})
        elif name == "controlaccess":
            _access(draft, child)
        elif name == "relations":
            for entry in child.iter("{*}relationentry", "relationentry"):
                draft.add("subjects", text_of(entry))


def _access(draft: Draft, element: etree._Element) -> None:
    for child in element:
        name = local_name(child) if isinstance(child.tag, str) else ""
        if name == "controlaccess":
            _access(draft, child)
        elif name in _ACCESS:
            draft.add(_ACCESS[name], text_of(child))


def _component(
    element: etree._Element, finding: Finding, parent: dict[str, Any] | None, index: int
) -> dict[str, Any]:
    draft = Draft(finding.format, element)
    did = first(element, "did")
    if did is not None:
        _did(draft, did, finding)
    _body(draft, element)
    level = element.get("otherlevel") if element.get("level") == "otherlevel" else None
    level = level or element.get("level")
    draft.set("level", level)
    draft.set("dcmi_type", "Collection" if (level or "") in _COLLECTION_LEVELS else "Text")
    unitid = draft.data.pop("_unitid", None)
    if parent is None:
        draft.set("title", finding.title)
        finding.fonds = draft.data.get("title") or finding.fonds
    elif "title" not in draft.data:
        # a devised title (DACS 2.3): the unit above it and the unit's own number
        draft.set("title", f"{parent['title']}, {unitid or index}")
        draft.set("title_devised", True)
    _context(draft, element, finding, parent, unitid)
    draft.data["id"] = _identify(element, finding, parent, unitid, index)
    return draft.finish()


def _identify(
    element: etree._Element,
    finding: Finding,
    parent: dict[str, Any] | None,
    unitid: str | None,
    index: int,
) -> str:
    """A unique id: the description's record id, a component's @id or portal UUID ..."""
    base = element.get("base") or ""
    own = [element.get("id"), base.rstrip("/").rsplit("/", 1)[-1] if base else None]
    if parent is None:
        # no identifier at all: the finding aid's place in its document (the root)
        return finding.unique([*finding.ids, *own], f"{POSITIONAL}ead")
    root_id = finding.records[0]["id"]
    return finding.unique(
        [*own, f"{root_id}:{unitid}" if unitid else None], f"{parent['id']}.{index}"
    )


def _context(
    draft: Draft,
    element: etree._Element,
    finding: Finding,
    parent: dict[str, Any] | None,
    unitid: str | None,
) -> None:
    container = draft.data.pop("_container", None)
    if element.get("base", "").startswith(("http://", "https://")):
        draft.set("url", element.get("base"))
    draft.set("publisher", finding.archive)
    if parent is None:
        for ident in finding.identifiers:
            draft.add_object("identifiers", ident)
    else:
        draft.add_object(
            "related", {"relation": "isPartOf", "id": parent["id"], "title": parent["title"]}
        )
    parts = [
        finding.archive,
        finding.fonds if parent else None,
        draft.data.get("title") if parent else finding.fonds,
        unitid,
        f"container {container}" if container else None,
    ]
    citation = ", ".join(dict.fromkeys(p for p in parts if p))
    draft.set(
        "source",
        {
            k: v
            for k, v in {
                "citation": citation,
                "archive": finding.archive,
                "fonds": finding.fonds,
                "container": container,
                "reference_code": unitid,
            }.items()
            if v
        },
    )


def _walk(
    element: etree._Element, finding: Finding, parent: dict[str, Any] | None, index: int
) -> None:
    record = _component(element, finding, parent, index)
    finding.records.append(record)
    number = 0
    for holder in [element, *children(element, "dsc")]:
        for child in children(holder, *_COMPONENT):
            number += 1
            before = len(finding.records)
            _walk(child, finding, record, number)
            kid = finding.records[before]
            record.setdefault("related", []).append(
                {"relation": "hasPart", "id": kid["id"], "title": kid["title"]}
            )


def read_archdesc(archdesc: etree._Element, finding: Finding) -> list[dict[str, Any]]:
    """Records of the description and of all its components, parents before children."""
    _walk(archdesc, finding, None, 0)
    return finding.records
