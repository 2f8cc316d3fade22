"""MODS (3.x, including the Czech NDK profile that Kramerius serves) -> records.

Element names are matched case-insensitively without their namespace, because real
MODS is often slightly off (ArchivesSpace writes `titleinfo`; some exporters bind MODS
to `http://www.loc.gov/mods/` or add a trailing slash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lxml import etree

from crosswalks.base import DONOR_PREFIX
from crosswalks.dates import date_range, parse_date
from crosswalks.draft import Draft
from crosswalks.languages import to_iso639_3
from crosswalks.parsing import local_name, text_of

__all__ = ["COLLECTION_LABEL", "SURROGATE_LABEL", "read"]

SURROGATE_LABEL = "Digital surrogate"
COLLECTION_LABEL = "Collection"
_CLASSIFICATION_LABEL = "original classification"
_CREATOR_ROLES = frozenset({"aut", "cre", "author", "creator", "originator", "org"})
_RELATORS = {
    "aut": "author",
    "cre": "creator",
    "ctb": "contributor",
    "trl": "translator",
    "edt": "editor",
    "ill": "illustrator",
    "pht": "photographer",
    "rcp": "recipient",
    "dnr": "donor",
    "fnd": "funder",
    "pbl": "publisher",
    "org": "originator",
    "art": "artist",
    "cmp": "composer",
}
_TYPE_TO_RELATION = {
    "host": "isPartOf",
    "series": "isPartOf",
    "constituent": "hasPart",
    "references": "references",
    "isreferencedby": "isReferencedBy",
    "otherversion": "hasVersion",
    "otherformat": "hasFormat",
    "preceding": "replaces",
    "succeeding": "isReplacedBy",
}
_RESOURCE_TO_DCMI = {
    "text": "Text",
    "notated music": "Text",
    "cartographic": "Image",
    "still image": "StillImage",
    "moving image": "MovingImage",
    "three dimensional object": "PhysicalObject",
    "software, multimedia": "Software",
    "mixed material": "Collection",
}


def _kids(element: etree._Element, *names: str) -> Iterator[etree._Element]:
    for child in element:
        if isinstance(child.tag, str) and local_name(child).lower() in names:
            yield child


def _first(element: etree._Element, name: str) -> etree._Element | None:
    return next(_kids(element, name), None)


def _title_of(info: etree._Element) -> str:
    parts = {local_name(c).lower(): text_of(c) for c in info if isinstance(c.tag, str)}
    title = " ".join(p for p in (parts.get("nonsort"), parts.get("title")) if p)
    for key, sep in (("subtitle", " : "), ("partnumber", ". "), ("partname", ". ")):
        if parts.get(key):
            title = f"{title}{sep}{parts[key]}" if title else parts[key]
    return title or text_of(info)


def _name_of(name: etree._Element) -> str:
    parts = list(_kids(name, "namepart"))
    typed = {p.get("type"): text_of(p) for p in parts if p.get("type")}
    if "family" in typed or "given" in typed:
        text = ", ".join(v for v in (typed.get("family"), typed.get("given")) if v)
        return f"{text}, {typed['date']}" if typed.get("date") else text
    joined = " ".join(t for t in (text_of(p) for p in parts) if t)
    return (
        joined or text_of(_first(name, "displayform")) or (text_of(name) if len(name) == 0 else "")
    )


def _role_of(name: etree._Element) -> str | None:
    for role in _kids(name, "role"):
        for term in _kids(role, "roleterm"):
            value = text_of(term)
            if value:
                return _RELATORS.get(value.lower(), value)
    return None


def _name(draft: Draft, element: etree._Element) -> None:
    role = _role_of(element)
    kind = {"personal": "person", "corporate": "organization", "conference": "organization"}
    agent = {"name": _name_of(element), "role": role, "kind": kind.get(element.get("type", ""))}
    primary = element.get("usage") == "primary"
    key = (
        "creators" if primary or role is None or role.lower() in _CREATOR_ROLES else "contributors"
    )
    if agent["name"]:
        draft.add_object(key, agent)


def _date_of(info: etree._Element, tags: tuple[str, ...]) -> dict[str, Any] | None:
    for tag in tags:
        found = list(_kids(info, tag))
        start = next((e for e in found if e.get("point") == "start"), None)
        end = next((e for e in found if e.get("point") == "end"), None)
        if start is not None or end is not None:
            label = "/".join(t for t in (text_of(start), text_of(end)) if t)
            parsed = date_range(text_of(start), text_of(end), label)
        elif found:
            parsed = parse_date(text_of(found[0]))
        else:
            continue
        if parsed:
            qualifier = next((e.get("qualifier") for e in found if e.get("qualifier")), None)
            if qualifier in ("approximate", "questionable"):
                parsed["approximate"] = True
            elif qualifier == "inferred":
                parsed["inferred"] = True
            return parsed
    return None


def _origin(draft: Draft, info: etree._Element) -> None:
    for publisher in _kids(info, "publisher"):
        draft.set("publisher", text_of(publisher))
    if info.get("displayLabel") == SURROGATE_LABEL:
        issued = parse_date(text_of(_first(info, "dateissued")))
        if issued and issued["start"] == issued["end"]:
            draft.set("uploaded", issued["start"])
        return
    tags = ("datecreated", "dateissued", "dateother", "copyrightdate", "datecaptured")
    draft.set("date", _date_of(info, tags))
    for place in _kids(info, "place"):
        for term in _kids(place, "placeterm"):
            if term.get("type") != "code" and text_of(term):
                draft.add_object("notes", {"type": "place of publication", "text": text_of(term)})


def _language(draft: Draft, element: etree._Element) -> None:
    for term in _kids(element, "languageterm"):
        code = to_iso639_3(text_of(term))
        if code and (term.get("type") == "code" or len(text_of(term)) > 3):
            draft.add("languages", code)


def _physical(draft: Draft, element: etree._Element) -> None:
    for child in _kids(element, "form", "internetmediatype"):
        draft.add("formats", text_of(child))
    for child in _kids(element, "extent"):
        draft.add("extent", text_of(child))
    for child in _kids(element, "note"):
        draft.add_object("notes", {"type": "physical description", "text": text_of(child)})


def _note(draft: Draft, element: etree._Element) -> None:
    text = text_of(element)
    label = (element.get("displayLabel") or "").lower()
    if label == _CLASSIFICATION_LABEL:
        draft.set("classification", text)
    elif element.get("type") == "funding" and text.startswith(DONOR_PREFIX):
        draft.add("donors", text.removeprefix(DONOR_PREFIX))
    else:
        draft.add_object("notes", {"type": element.get("type"), "text": text})


def _subject(draft: Draft, element: etree._Element) -> None:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        draft.add("subjects", text_of(element))
    for child in children:
        name = local_name(child).lower()
        if name in ("topic", "temporal", "titleinfo", "occupation"):
            draft.add("subjects", text_of(child))
        elif name == "geographic":
            draft.add("places", text_of(child))
        elif name == "hierarchicalgeographic":
            draft.add("places", " -- ".join(text_of(c) for c in child if text_of(c)))
        elif name == "genre":
            draft.add("genres", text_of(child))
        elif name == "name":
            key = "people" if child.get("type") in (None, "personal") else "organizations"
            draft.add(key, _name_of(child))


def _related(draft: Draft, element: etree._Element) -> None:
    info = _first(element, "titleinfo")
    title = _title_of(info) if info is not None else text_of(element)
    kind = (element.get("type") or "").lower()
    if kind == "original":
        location = _first(element, "location")
        archive = text_of(_first(location, "physicallocation")) if location is not None else ""
        shelf = text_of(_first(location, "shelflocator")) if location is not None else ""
        draft.set(
            "source", {"citation": title, "archive": archive or None, "container": shelf or None}
        )
        return
    ident = {i.get("type"): text_of(i) for i in _kids(element, "identifier")}
    if element.get("displayLabel") == COLLECTION_LABEL and ident.get("setSpec"):
        draft.add_object("collections", {"spec": ident["setSpec"], "name": title})
        return
    origin = _first(element, "origininfo")
    location = _first(element, "location")
    item = {
        "relation": element.get("otherType") or _TYPE_TO_RELATION.get(kind, "relation"),
        "title": title,
        "id": ident.get("local"),
        "date": _date_of(origin, ("datecreated", "dateissued")) if origin is not None else None,
        "summary": text_of(_first(element, "abstract")) or None,
        "url": text_of(_first(location, "url")) or None if location is not None else None,
    }
    if title:
        draft.add_object("related", item)


def _identifier(draft: Draft, element: etree._Element) -> None:
    value, kind = text_of(element), element.get("type")
    is_url = kind in ("uri", "url") and value.startswith(("http://", "https://"))
    if is_url and "url" not in draft.data:
        draft.set("url", value)
        return
    if kind == "local" and "record_id" not in draft.data:
        draft.set("record_id", value)
        return
    draft.add_object("identifiers", {"type": kind, "value": value})


def _location(draft: Draft, element: etree._Element) -> None:
    for url in _kids(element, "url"):
        if "url" not in draft.data:
            draft.set("url", text_of(url))
        else:
            draft.add_object("identifiers", {"type": "url", "value": text_of(url)})
    parts = [text_of(c) for c in _kids(element, "physicallocation", "shelflocator")]
    parts = [p for p in parts if p]
    if parts and "source" not in draft.data:
        archive = text_of(_first(element, "physicallocation")) or None
        draft.data["source_from_location"] = {"citation": ", ".join(parts), "archive": archive}


def _access(draft: Draft, element: etree._Element) -> None:
    kind = (element.get("type") or "").replace(" ", "").lower()
    key = "access_rights" if kind == "restrictiononaccess" else "rights"
    current = draft.data.get(key)
    text = text_of(element)
    draft.data[key] = f"{current}\n{text}" if current and text else current or text


def _simple(key: str) -> Callable[[Draft, etree._Element], None]:
    return lambda d, e: d.add(key, text_of(e))


_HANDLERS: dict[str, Callable[[Draft, etree._Element], None]] = {
    "name": _name,
    "genre": _simple("genres"),
    "origininfo": _origin,
    "language": _language,
    "physicaldescription": _physical,
    "note": _note,
    "subject": _subject,
    "classification": _simple("subjects"),
    "relateditem": _related,
    "identifier": _identifier,
    "location": _location,
    "accesscondition": _access,
    "abstract": lambda d, e: (
        d.set("summary", text_of(e))
        if "summary" not in d.data
        else d.add_object("notes", {"type": "abstract", "text": text_of(e)})
    ),
    "tableofcontents": lambda d, e: d.add_object("notes", {"type": "contents", "text": text_of(e)}),
}


def _titles(draft: Draft, root: etree._Element) -> None:
    infos = list(_kids(root, "titleinfo"))
    main = next((i for i in infos if not i.get("type")), infos[0] if infos else None)
    for info in infos:
        if info is main:
            draft.set("title", _title_of(info))
        elif _title_of(info):
            draft.add_object("notes", {"type": "alternative title", "text": _title_of(info)})


def _type(draft: Draft, root: etree._Element) -> None:
    for element in _kids(root, "typeofresource"):
        if element.get("collection") == "yes":
            draft.set("dcmi_type", "Collection")
        draft.set("dcmi_type", _RESOURCE_TO_DCMI.get(text_of(element).lower()))
        if text_of(element).lower().startswith("sound"):
            draft.set("dcmi_type", "Sound")


def _one(root: etree._Element) -> dict[str, Any]:
    draft = Draft("mods", root)
    _titles(draft, root)
    _type(draft, root)
    for child in root:
        handler = _HANDLERS.get(local_name(child).lower()) if isinstance(child.tag, str) else None
        if handler is not None:
            handler(draft, child)
    located = draft.data.pop("source_from_location", None)
    if located and "source" not in draft.data:
        draft.data["source"] = {k: v for k, v in located.items() if v}
    if isinstance(draft.data.get("source"), dict):
        draft.data["source"] = {k: v for k, v in draft.data["source"].items() if v}
    info = _first(root, "recordinfo")
    record_ids = [text_of(i) for i in _kids(info, "recordidentifier")] if info is not None else []
    idents = [i.get("value") for i in draft.data.get("identifiers", [])]
    return draft.finish(*record_ids, draft.data.get("record_id"), *idents, draft.data.get("url"))


def read(root: etree._Element) -> list[dict[str, Any]]:
    """The records of a mods element or of every mods in a modsCollection."""
    if local_name(root).lower() == "modscollection":
        return [_one(child) for child in _kids(root, "mods")]
    return [_one(root)]
