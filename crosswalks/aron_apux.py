"""ARON import format APUX (ns http://www.aron.cz/apux/2020) -> records.

Read only. Each `apu` of type ArchDesc (the fund and its units) becomes a record, linked
to its parent (`prnt`) by `related`; `PT_ARCH_DESC` items give the content.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crosswalks.base import MetadataFormat
from crosswalks.dates import elza_interval
from crosswalks.draft import Draft, unit_source
from crosswalks.ead import children, first
from crosswalks.languages import to_iso639_3
from crosswalks.parsing import block_of, local_name, text_of

__all__ = ["FORMAT", "NS", "read"]

NS = "http://www.aron.cz/apux/2020"
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


def _item(draft: Draft, item: etree._Element) -> None:
    kind, name = item.get("type", ""), local_name(item)
    value = block_of(item)
    if kind == "UNIT_CONTENT" or (kind == "ABSTRACT" and value != draft.data.get("title")):
        draft.set("summary", value)
    elif kind in _NOTES:
        draft.add_object("notes", {"type": _NOTES[kind], "text": value})
    elif kind in _IDENTIFIERS:
        draft.add_object("identifiers", {"type": _IDENTIFIERS[kind], "value": value})
    elif kind == "LANGUAGE":
        draft.add("languages", to_iso639_3(value))
    elif kind == "UNIT_TYPE":
        draft.add("genres", value)
    elif name == "drng" and kind == "UNIT_DATE":
        draft.set("date", elza_interval(item.get("f"), item.get("to"), item.get("fmt")))
    elif name == "ref" and kind == "FUND_REF":
        draft.data.setdefault("_fund", value)


def _unit(apu: etree._Element, parent: dict[str, Any] | None, fund: str | None) -> dict[str, Any]:
    draft = Draft("aron_apux", apu)
    draft.set("title", text_of(first(apu, "name")))
    for part in apu.iter("{*}part", "part"):
        for itms in children(part, "itms"):
            for item in itms:
                if isinstance(item.tag, str):
                    _item(draft, item)
    draft.data.pop("_fund", None)
    if parent is not None:
        draft.add_object(
            "related", {"relation": "isPartOf", "id": parent["id"], "title": parent["title"]}
        )
    draft.set("level", "fonds" if parent is None else None)
    draft.set("dcmi_type", "Collection" if parent is None else "Text")
    title = draft.data.get("title") if parent else None
    draft.set("source", unit_source(fund, title, draft.identifier("inventory number")))
    return draft.finish(apu.get("uuid"))


def read(root: etree._Element) -> list[dict[str, Any]]:
    """Records of the ArchDesc units of an apusrc document, parents before children."""
    units = [a for a in root.iter("{*}apu", "apu") if a.get("type") == "ArchDesc"]
    by_uuid: dict[str, dict[str, Any]] = {}
    records: list[dict[str, Any]] = []
    pending = list(units)
    fund: str | None = None
    while pending:
        progressed = False
        for apu in list(pending):
            parent_uuid = text_of(first(apu, "prnt"))
            if (
                parent_uuid
                and parent_uuid not in by_uuid
                and any(a.get("uuid") == parent_uuid for a in pending)
            ):
                continue
            parent = by_uuid.get(parent_uuid)
            record = _unit(apu, parent, fund)
            fund = fund or record["title"]
            if parent is not None:
                parent.setdefault("related", []).append(
                    {"relation": "hasPart", "id": record["id"], "title": record["title"]}
                )
            by_uuid[apu.get("uuid", "")] = record
            records.append(record)
            pending.remove(apu)
            progressed = True
        if not progressed:
            break
    return records


FORMAT = MetadataFormat(
    prefix="aron_apux",
    namespace=NS,
    schema="",
    version="1",
    root=f"{{{NS}}}apusrc",
    write=None,
    read=read,
    label="ARON APUX (Czech national archival portal import)",
)
