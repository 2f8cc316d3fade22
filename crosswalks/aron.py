"""One ARON entity (an `ApuEntity`, as the portal's JSON API gives it) -> a record.

The mapping shared by both ARON readers: `aron_json` (the portal's REST API) hands it
the entity as the API returns it, `aron_apux` (the import format) builds the same
entity from an `apu` element first. So the same entity gives the same record, whichever
way it came.

The entity's shape (elzasw/aron, `cz.aron.core.model`): `id`, `name`, `description`,
`permalink`, `type` (ARCH_DESC, COLLECTION, ENTITY, FINDING_AID, FUND, INSTITUTION),
`parent` (the parent entity, nested), `parts` (`type`, `value`, `items`, `childParts`),
items (`type`, `value`, `href`, `visible`), `digitalObjects` (with `files`) and
`attachments`. Type codes are compared in the APUX spelling (`PT_ARCH_DESC`): the
import pipeline turns every `_` into `~`. No item is dropped: one without a mapping
below becomes a note typed with its code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from crosswalks.dates import elza_interval
from crosswalks.draft import Draft
from crosswalks.languages import to_iso639_3
from crosswalks.material import material_type

__all__ = ["code", "entity_record", "top_ancestor", "unit_date"]

# Item codes (APUX spelling) with a field of their own.
_NOTES = {
    "HISTORY": "history",
    "UNIT_ARR": "arrangement",
    "UNIT_SOURCE": "acquisition",
    "FUTURE_UNITS": "accruals",
    "UNIT_CURRENT_STATUS": "condition",
    "ARRANGEMENT_INFO": "processinfo",
    "ARRANGE_RULES": "rules",
    "DESCRIPTION_DATE": "description date",
}
_IDENTIFIERS = {"INV_CISLO": "inventory number", "UNIT_ID": "reference code"}
_SUMMARIES = ("UNIT_CONTENT", "ABSTRACT")
# type -> (level, DCMI type, genre)
_TYPES = {
    "FUND": ("fonds", "Collection", None),
    "FINDING_AID": ("finding aid", "Text", "finding aid"),
    "COLLECTION": ("collection", "Collection", None),
    "INSTITUTION": (None, "Text", "archival institution"),
    "ENTITY": (None, "Text", "authority record"),
}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE_KEYS = {"from", "to", "format"}


def code(value: Any) -> str:
    """An ARON type code in the APUX spelling: 'PT~ARCH~DESC' -> 'PT_ARCH_DESC'."""
    return str(value or "").strip().replace("~", "_")


def unit_date(value: Any) -> dict[str, Any] | None:
    """A UNITDATE value (a JSON string {from, valueFromEstimated, to, ...}) as a date object."""
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not _DATE_KEYS & data.keys():
        return None
    found = elza_interval(_str(data.get("from")), _str(data.get("to")), _str(data.get("format")))
    if found and (data.get("valueFromEstimated") is True or data.get("valueToEstimated") is True):
        found["approximate"] = True
    return found


def top_ancestor(entity: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The outermost entity of the nested parent chain (None without a parent)."""
    node, seen = entity.get("parent"), 0
    top = None
    while isinstance(node, Mapping) and seen < 1000:
        top, node, seen = node, node.get("parent"), seen + 1
    return top


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A text value with its line breaks kept and spaces folded within each line."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""  # the API gives strings; an object or a list here is no text
    lines = (" ".join(line.split()) for line in str(value).splitlines())
    return "\n".join(line for line in lines if line)


def _items(parts: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(part code, item) of every item, child parts included, in document order."""
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, Mapping):
            continue
        for item in _list(part.get("items")):
            if isinstance(item, Mapping):
                yield code(part.get("type")), item
        yield from _items(part.get("childParts"))


def _part_values(parts: Any) -> Iterator[tuple[str, str]]:
    for part in parts if isinstance(parts, list) else ():
        if isinstance(part, Mapping):
            if _text(part.get("value")):
                yield code(part.get("type")), _text(part["value"])
            yield from _part_values(part.get("childParts"))


class _Mapper:
    """Fills one draft from one entity's items."""

    def __init__(self, draft: Draft, labels: Mapping[str, str]) -> None:
        self.draft = draft
        self.labels = labels
        self.archive: str | None = None

    def summary(self, kind: str, value: str) -> None:
        data = self.draft.data
        if kind == "ABSTRACT" and value == data.get("title"):
            return  # ARON repeats the name as the abstract of a unit
        if "summary" not in data:
            self.draft.set("summary", value)
        elif data["summary"] != value:
            self.draft.add_object("notes", {"type": kind, "text": value})

    def reference(self, kind: str, uuid: str) -> None:
        label = self.labels.get(uuid)
        if kind.endswith("INST_REF"):
            self.draft.add_object("identifiers", {"type": "holding archive", "value": uuid})
            self.archive = self.archive or label
        self.draft.add_object(
            "related", {"relation": "references", "id": uuid, "title": label or f"{kind} {uuid}"}
        )

    def item(self, item: Mapping[str, Any]) -> None:
        kind = code(item.get("type"))
        value = _text(item.get("value"))
        href = _str(item.get("href"))
        date = unit_date(value) if kind != "JSON" else None
        if href:
            title = value or href
            self.draft.add_object(
                "related", {"relation": "references", "title": title, "url": href.strip()}
            )
        elif not value:
            return
        elif date is not None:
            if "date" in self.draft.data:
                self.draft.add_object("notes", {"type": kind, "text": date["text"]})
            else:
                self.draft.set("date", date)
        elif kind in _SUMMARIES:
            self.summary(kind, value)
        elif kind in _NOTES:
            self.draft.add_object("notes", {"type": _NOTES[kind], "text": value})
        elif kind in _IDENTIFIERS:
            self.draft.add_object("identifiers", {"type": _IDENTIFIERS[kind], "value": value})
        elif kind == "LANGUAGE" and to_iso639_3(value):
            self.draft.add("languages", to_iso639_3(value))
        elif kind == "UNIT_TYPE":
            self.draft.add("genres", value)
        elif _UUID.match(value):  # an APU_REF item: the referenced entity's UUID
            self.reference(kind, value.lower())
        else:
            self.draft.add_object("notes", {"type": kind, "text": value})


def _file_link(file: Mapping[str, Any], fallback: str) -> dict[str, Any]:
    name = _str(file.get("name")) or fallback
    return {"relation": "hasFormat", "title": name.strip(), "url": _str(file.get("permalink"))}


def _files(draft: Draft, entity: Mapping[str, Any], portal: str | None) -> None:
    """Digital objects and attachments -> links to their files (and their media types)."""
    held: Mapping[str, Any]
    for dao in _list(entity.get("digitalObjects")):
        if not isinstance(dao, Mapping):
            continue
        label = _str(dao.get("name")) or f"digital object {dao.get('id')}"
        files = [f for f in _list(dao.get("files")) if isinstance(f, Mapping)]
        if not files:
            url = _str(dao.get("permalink"))
            if not url and portal and dao.get("id"):
                url = f"{portal}/apu/{entity.get('id')}/dao/{dao['id']}"
            draft.add_object("related", {"relation": "hasFormat", "title": label, "url": url})
        for file in files:
            link = _file_link(file, label)
            if not link["url"] and portal and file.get("id"):
                link["url"] = (
                    f"{portal}/apu/{entity.get('id')}/dao/{dao.get('id')}/file/{file['id']}"
                )
            draft.add_object("related", link)
            draft.add("formats", _str(file.get("contentType")))
    for attachment in _list(entity.get("attachments")):
        if isinstance(attachment, Mapping):
            found = attachment.get("file")
            held = found if isinstance(found, Mapping) else {}
            label = _str(attachment.get("name")) or "attachment"
            draft.add_object("related", _file_link(held, label) | {"title": label})
            draft.add("formats", _str(held.get("contentType")))


def _kind(draft: Draft, entity: Mapping[str, Any]) -> None:
    """type -> level, DCMI type and genre; a unit of a fund by its place and content."""
    kind = code(entity.get("type")) or "ARCH_DESC"
    if kind == "ARCH_DESC":
        parent = entity.get("parent")
        inner = isinstance(parent, Mapping) and code(parent.get("type")) == "ARCH_DESC"
        if not inner:
            level = "fonds"
        elif draft.identifier("inventory number") or "date" in draft.data:
            level = "file"
        else:
            level = "series"
        draft.set("level", level)
        draft.set("dcmi_type", "Collection" if level in ("fonds", "series") else "Text")
        return
    kind_level, dcmi, genre = _TYPES.get(kind, (None, "Text", kind.lower()))
    draft.set("level", kind_level)
    draft.set("dcmi_type", dcmi)
    draft.add("genres", genre)


def _source(draft: Draft, entity: Mapping[str, Any], archive: str | None) -> None:
    top = top_ancestor(entity)
    fonds = _str(top.get("name")) if top else None
    title = draft.data.get("title") if top else None
    number = draft.identifier("inventory number")
    parts: list[str | None] = [fonds, title, f"inv. č. {number}" if number else None]
    citation = ", ".join(p.strip() for p in parts if p) or archive
    source = {"citation": citation, "archive": archive, "fonds": fonds, "reference_code": number}
    draft.set("source", {k: v.strip() for k, v in source.items() if v})


def entity_record(
    entity: Mapping[str, Any],
    *,
    portal: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The record JSON form of one ARON entity.

    `portal` is the portal's root ("https://portal.nacr.cz/aron"): without a permalink the
    landing page is `{portal}/apu/{id}`. `labels` names referenced entities by UUID (the
    API gives references as bare UUIDs); an unnamed one is titled by its UUID.
    """
    uuid = _text(entity.get("id")).strip().lower()
    draft = Draft("aron_json", etree.Element("entity", id=uuid))
    draft.set("title", " ".join(_text(entity.get("name")).split()))
    draft.set("summary", _text(entity.get("description")))
    parent = entity.get("parent")
    if isinstance(parent, Mapping) and _text(parent.get("id")):
        parent_id = _text(parent["id"]).lower()
        title = _str(parent.get("name")) or (labels or {}).get(parent_id) or parent_id
        draft.add_object("related", {"relation": "isPartOf", "id": parent_id, "title": title})
    mapper = _Mapper(draft, labels or {})
    for kind, value in _part_values(entity.get("parts")):
        mapper.summary(kind, value)
    for _part, item in _items(entity.get("parts")):
        mapper.item(item)
    _files(draft, entity, portal)
    landing = _str(entity.get("permalink")) or (f"{portal}/apu/{uuid}" if portal and uuid else None)
    if landing:
        draft.set("url", landing.strip())
        draft.add_object("identifiers", {"type": "landing page", "value": landing.strip()})
    _kind(draft, entity)
    # the material decides a unit's type: a "Fotografie" is an image (issue 26)
    draft.data["dcmi_type"] = material_type(draft.data.get("genres", ()), draft.data["dcmi_type"])
    _source(draft, entity, mapper.archive)
    return draft.finish(uuid)
