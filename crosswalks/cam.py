"""CAM authority entities (Centrální archivní modul, ns http://cam.tacr.cz/2019) -> records.

Read only. An authority entity (a place, person, body ...) is not a document, but
importing it as a record keeps its names, identifiers (INTERPI, NUTS/LAU, RÚIAN) and
links searchable beside the finding aids that use it: genre "authority record" and the
entity type, the preferred name as title, other names as notes.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crosswalks.base import MetadataFormat
from crosswalks.draft import Draft
from crosswalks.ead import children, first
from crosswalks.languages import to_iso639_3
from crosswalks.parsing import local_name, text_of

__all__ = ["FORMAT", "NS", "read"]

NS = "http://cam.tacr.cz/2019"


def _items(part: etree._Element) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for itms in children(part, "itms"):
        for item in itms:
            if isinstance(item.tag, str):
                found.setdefault(item.get("t", ""), []).append(item)
    return found


def _display(part: etree._Element) -> str:
    for eits in children(part, "eits"):
        for item in eits:
            if item.get("t") == "DISPLAY_NAME":
                return text_of(item)
    return ""


def _name(draft: Draft, part: etree._Element) -> None:
    items = _items(part)
    main = text_of(items["NM_MAIN"][0]) if items.get("NM_MAIN") else ""
    label = _display(part) or main
    official = any(i.get("s") == "NT_OFFICIAL" for i in items.get("NM_TYPE", []))
    if "title" not in draft.data or (official and not draft.data.get("_official")):
        if "title" in draft.data:
            draft.add_object("notes", {"type": "other name", "text": draft.data["title"]})
            draft.data["title"] = label
        else:
            draft.set("title", label)
        draft.data["_official"] = official
        draft.set("_main", main)
    else:
        draft.add_object("notes", {"type": "other name", "text": label})
    for lang in items.get("NM_LANG", []):
        draft.add("languages", to_iso639_3(lang.get("s", "")))


def _ident(draft: Draft, part: etree._Element) -> None:
    items = _items(part)
    kind = items["IDN_TYPE"][0].get("s") if items.get("IDN_TYPE") else None
    value = text_of(items["IDN_VALUE"][0]) if items.get("IDN_VALUE") else ""
    draft.add_object("identifiers", {"type": kind, "value": value})


def _body(draft: Draft, part: etree._Element) -> None:
    items = _items(part)
    for item in items.get("BRIEF_DESC", []):
        draft.set("summary", text_of(item))
    for item in items.get("SOURCE_INFO", []):
        draft.add_object("notes", {"type": "source", "text": text_of(item)})
    for item in items.get("SOURCE_LINK", []):
        url = text_of(first(item, "url"))
        if url and "url" not in draft.data:
            draft.set("url", url)
        else:
            draft.add_object("identifiers", {"type": "url", "value": url})


def _entity(ent: etree._Element) -> dict[str, Any]:
    draft = Draft("cam", ent)
    handlers = {"PT_NAME": _name, "PT_IDENT": _ident, "PT_BODY": _body}
    for prts in children(ent, "prts"):
        for part in prts:
            handler = handlers.get(part.get("t", "")) if local_name(part) == "p" else None
            if handler:
                handler(draft, part)
    draft.data.pop("_official", None)
    main = draft.data.pop("_main", None)
    kind = ent.get("ent") or "entity"
    draft.add("genres", "authority record", kind)
    if kind.startswith("GEO"):
        draft.add("places", main or draft.data.get("title"))
    user = text_of(first(ent, "revi", "usr"))
    if user:
        draft.add_object("contributors", {"name": user, "role": "editor", "kind": "person"})
    draft.add_object("identifiers", {"type": "cam", "value": ent.get("eid")})
    return draft.finish(ent.get("euid"), f"cam-{ent.get('eid')}")


def read(root: etree._Element) -> list[dict[str, Any]]:
    """One record per `ent` of a CAM `ents` document (or a single `ent`)."""
    if local_name(root) == "ent":
        return [_entity(root)]
    return [_entity(ent) for ent in children(root, "ent")]


FORMAT = MetadataFormat(
    prefix="cam",
    namespace=NS,
    schema="",
    version="1",
    root=f"{{{NS}}}ents",
    write=None,
    read=read,
    label="CAM authority entities (Czech archival access points)",
    aliases=(f"{{{NS}}}ent",),
)
