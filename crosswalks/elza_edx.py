"""ELZA "edx" exchange format (ns http://elza.tacr.cz/schema/v2, rules ZP2015) -> records.

Read only. Each level (`lvl`) of the fund becomes a record linked to its parent (`pid`);
the fund itself (`fi`: code, institution, name) titles the root level. Persons in `aps`
referenced by `da` items (e.g. the arranger) become contributors. Internal notes
(ZP2015_INTERNAL_NOTE) are not published.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crosswalks.base import MetadataFormat
from crosswalks.dates import elza_interval
from crosswalks.draft import Draft, unit_source
from crosswalks.ead import children, first
from crosswalks.errors import CrosswalkError
from crosswalks.parsing import block_of, element_path, line_of, text_of

__all__ = ["FORMAT", "LANGUAGES", "NS", "read"]

NS = "http://elza.tacr.cz/schema/v2"
# ZP2015 language items as ELZA numbers them (names confirmed by the EAD3 export).
LANGUAGES = {"ZP2015_LANGUAGE_43": "ces", "ZP2015_LANGUAGE_18": "deu", "ZP2015_LANGUAGE_32": "lat"}
_LEVELS = {
    "ZP2015_LEVEL_ROOT": "fonds",
    "ZP2015_LEVEL_SERIES": "series",
    "ZP2015_LEVEL_FOLDER": "file",
    "ZP2015_LEVEL_ITEM": "item",
    "ZP2015_LEVEL_PART": "item",
}
_NOTES = {
    "ZP2015_UNIT_HIST": "history",
    "ZP2015_UNIT_ARR": "arrangement",
    "ZP2015_UNIT_SOURCE": "acquisition",
    "ZP2015_FUTURE_UNITS": "accruals",
    "ZP2015_UNIT_CURRENT_STATUS": "condition",
    "ZP2015_ARRANGEMENT_INFO": "processinfo",
    "ZP2015_ARRANGE_RULES": "rules",
    "ZP2015_DESCRIPTION_DATE": "description date",
}
_IDENTIFIERS = {
    "ZP2015_INV_CISLO": "inventory number",
    "ZP2015_ZNACKA_FONDU": "fund mark",
    "ZP2015_NAD": "NAD",
    "ZP2015_UNIT_ID": "reference code",
}


def _persons(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for ap in root.iter("{*}ap", "ap"):
        ape = first(ap, "ape")
        name = next((f for f in ap.iter("{*}frg", "frg") if f.get("t") == "PT_NAME"), None)
        if ape is None or name is None:
            continue
        parts = {d.get("t"): text_of(d) for d in children(name, "ds")}
        label = ", ".join(p for p in (parts.get("NM_MAIN"), parts.get("NM_MINOR")) if p)
        found[ape.get("id", "")] = label
    return found


def _item(draft: Draft, item: etree._Element, persons: dict[str, str]) -> None:
    kind, tag = item.get("t", ""), item.tag
    name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
    value = block_of(item) if name == "ds" else item.get("v") or item.get("s") or ""
    if kind == "ZP2015_TITLE":
        draft.set("title", value)
    elif kind == "ZP2015_UNIT_CONTENT":
        draft.set("summary", value)
    elif kind in _NOTES:
        draft.add_object("notes", {"type": _NOTES[kind], "text": value})
    elif kind in _IDENTIFIERS:
        draft.add_object("identifiers", {"type": _IDENTIFIERS[kind], "value": value})
    elif kind == "ZP2015_LEVEL_TYPE":
        draft.set("level", _LEVELS.get(value, value.removeprefix("ZP2015_LEVEL_").lower()))
    elif kind == "ZP2015_LANGUAGE":
        draft.add("languages", LANGUAGES.get(value))
    elif kind == "ZP2015_UNIT_TYPE":
        draft.add("genres", value.removeprefix("ZP2015_UNIT_TYPE_"))
    elif kind in ("ZP2015_UNIT_DATE", "ZP2015_UNIT_DATE_BULK") and "date" not in draft.data:
        d = first(item, "d")
        if d is not None:
            draft.set("date", elza_interval(d.get("f"), d.get("to"), d.get("fmt")))
    elif kind == "ZP2015_ARRANGER" and persons.get(item.get("apid", "")):
        draft.add_object(
            "contributors",
            {"name": persons[item.get("apid", "")], "role": "arranger", "kind": "person"},
        )


def _level(
    lvl: etree._Element,
    fund: etree._Element | None,
    persons: dict[str, str],
    parent: dict[str, Any] | None,
) -> dict[str, Any]:
    draft = Draft("elza_edx", lvl)
    for item in lvl:
        if isinstance(item.tag, str):
            _item(draft, item, persons)
    fund_name = fund.get("n") if fund is not None else None
    if parent is None:
        draft.set("title", fund_name)
        draft.add_object(
            "identifiers",
            {"type": "fund code", "value": fund.get("c") if fund is not None else None},
        )
    else:
        draft.add_object(
            "related", {"relation": "isPartOf", "id": parent["id"], "title": parent["title"]}
        )
    level = draft.data.get("level")
    draft.set("dcmi_type", "Collection" if level in ("fonds", "series") else "Text")
    title = draft.data.get("title") if parent else None
    draft.set("source", unit_source(fund_name, title, draft.identifier("inventory number")))
    return draft.finish(lvl.get("uuid"), f"elza-{lvl.get('id')}")


def read(root: etree._Element) -> list[dict[str, Any]]:
    """Records of every level of every fund section in an edx document."""
    persons = _persons(root)
    records: list[dict[str, Any]] = []
    for section in root.iter("{*}s", "s"):
        fund = first(section, "fi")
        by_id: dict[str, dict[str, Any]] = {}
        for lvl in section.iter("{*}lvl", "lvl"):
            parent = by_id.get(lvl.get("pid", ""))
            if lvl.get("pid") and parent is None:
                raise CrosswalkError(
                    f"level {lvl.get('id')} before its parent {lvl.get('pid')}",
                    format="elza_edx",
                    path=element_path(lvl),
                    line=line_of(lvl),
                )
            record = _level(lvl, fund, persons, parent)
            if parent is not None:
                parent.setdefault("related", []).append(
                    {"relation": "hasPart", "id": record["id"], "title": record["title"]}
                )
            by_id[lvl.get("id", "")] = record
            records.append(record)
    return records


FORMAT = MetadataFormat(
    prefix="elza_edx",
    namespace=NS,
    schema="",
    version="1",
    root=f"{{{NS}}}edx",
    write=None,
    read=read,
    label="ELZA exchange format (edx), ZP2015 rules",
)
