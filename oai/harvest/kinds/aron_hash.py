"""The content hash of an ARON entity: what the partner says, not how it stored it.

ARON entities carry no timestamps, so a changed entity is found by hashing it. Left out
is what changes without the content changing: part and item ids (new on every
re-import), the nested parent beyond its id (a parent's edit is the parent's change),
`order`, `pos`, `depth` and `childCnt` (shifted when a neighbour comes or goes), file
timestamps, and `published` (always false). The crosswalk's version is hashed too, so a
new mapping re-reads every entity once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["MAPPING_VERSION", "content_hash"]

MAPPING_VERSION = "aron-json-1"
_VOLATILE = frozenset({"order", "pos", "depth", "childCnt", "published"})
_FILE_STAMPS = frozenset({"created", "updated", "deleted"})


def _parts(parts: Any) -> list[Any]:
    out = []
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, Mapping):
            continue
        items = [
            {k: v for k, v in item.items() if k != "id"}
            for item in part.get("items") or ()
            if isinstance(item, Mapping)
        ]
        kept = {k: v for k, v in part.items() if k not in ("id", "items", "childParts")}
        out.append({**kept, "items": items, "childParts": _parts(part.get("childParts"))})
    return out


def _without_stamps(value: Any) -> Any:
    """Files (digital objects, attachments) without their timestamps, at any depth."""
    if isinstance(value, Mapping):
        return {k: _without_stamps(v) for k, v in value.items() if k not in _FILE_STAMPS}
    if isinstance(value, list):
        return [_without_stamps(v) for v in value]
    return value


def stable_form(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The entity without its volatile parts (what `content_hash` hashes)."""
    parent = entity.get("parent")
    form: dict[str, Any] = {}
    for key, value in entity.items():
        if key in _VOLATILE:
            continue
        if key == "parent":
            form[key] = parent.get("id") if isinstance(parent, Mapping) else parent
        elif key == "parts":
            form[key] = _parts(value)
        elif key in ("digitalObjects", "attachments"):
            form[key] = _without_stamps(value)
        else:
            form[key] = value
    return form


def content_hash(entity: Mapping[str, Any]) -> str:
    """32 hex digits (fits the store's 40-character remote datestamp column)."""
    text = json.dumps([MAPPING_VERSION, stable_form(entity)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
