"""Devised titles: a unit of description without a title of its own gets one.

Archival practice gives untitled units a title devised from what the unit has (ISAD(G)
3.1.2, DACS 2.3): in real finding aids many units carry only a reference code, a date
and a type such as "listina" (a charter). Every reader calls `devise_title` where a
record has no title, so no record is refused for the want of one; the record says the
title is devised (`title_devised`), and every format that can say so does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["devise_title"]

# identifier types that are a unit's reference code, in order of preference
_CODES = ("reference code", "unitid", "inventory number", "signature", "call number")


def _first(values: Any) -> str | None:
    for value in values if isinstance(values, list) else ():
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _code(data: Mapping[str, Any]) -> str | None:
    source = data.get("source")
    if isinstance(source, Mapping) and source.get("reference_code"):
        return str(source["reference_code"]).strip()
    identifiers = [i for i in data.get("identifiers") or () if isinstance(i, Mapping)]
    for kind in _CODES:
        for ident in identifiers:
            if ident.get("type") == kind and ident.get("value"):
                return str(ident["value"]).strip()
    record_id = data.get("record_id")
    return str(record_id).strip() if record_id else None


def _date(data: Mapping[str, Any]) -> str | None:
    date = data.get("date")
    if not isinstance(date, Mapping):
        return None
    text = date.get("text") or date.get("start")
    if text and date.get("end") and date.get("end") != date.get("start") and not date.get("text"):
        text = f"{date['start']}–{date['end']}"
    return str(text).strip() if text else None


def _parent(data: Mapping[str, Any]) -> str | None:
    for related in data.get("related") or ():
        if isinstance(related, Mapping) and related.get("relation") == "isPartOf":
            title = related.get("title")
            if isinstance(title, str) and title.strip():
                return title.strip()
    return None


def devise_title(data: Mapping[str, Any]) -> str:
    """A title from the unit's parent, type, reference code and date: "Velkostatek
    Kunín, listina, 15, 1620"; "Untitled unit" when it has none of them."""
    kind = _first(data.get("genres")) or (str(data["level"]) if data.get("level") else None)
    parts = [_parent(data), kind, _code(data), _date(data)]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    if not seen:
        return "Untitled unit"
    if seen == [parts[0]]:  # only the unit above it: say this is a unit of it
        return f"{seen[0]}, untitled unit"
    return ", ".join(seen)
