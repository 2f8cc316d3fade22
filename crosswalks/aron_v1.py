"""ARON 2.0's render model (`GET /api/v1/apu/{uuid}`, `ApuDetail`) -> records.

Read only. The v1 API answers a display-ready render model: `treePath` (root first, the
unit itself last), parts with labelled items of five kinds (TEXT, UNITDATE, LINK, REF,
JSON), attachments and digital objects, null fields left out. `entity_of_detail` turns
it back into the entity the old API (`/api/aron`, `ApuEntity`) gives for the same unit,
and `crosswalks.aron` maps that, so the same unit gives the same record whichever API
(or the APUX export) it came from.

What the render model does not carry, and how it is made up for:
- the parent's type (a `TreeNode` has none): the caller passes it (`parent_type`);
- the names of referenced units: a REF item carries them (`labels_of_detail`);
- items the source marked invisible: the server leaves them out, so they are not here
  (the old API and APUX give them: a unit with invisible items maps to fewer notes);
- the dating's format: rebuilt from the bounds' precisions (`YEAR` -> `Y`, ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from crosswalks.aron import entity_record
from crosswalks.errors import CrosswalkError, MissingField

__all__ = ["entity_of_detail", "labels_of_detail", "parent_of_detail", "read_detail"]

_PRECISION = {"CENTURY": "C", "YEAR": "Y", "MONTH": "YM", "DAY": "D", "TIME": "DT"}


def _list(value: Any) -> list[Any]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dating(item: Mapping[str, Any]) -> str:
    """A UNITDATE item as the old API stores its value: a JSON string."""
    start = _PRECISION.get(str(item.get("fromPrecision") or ""), "D")
    end = _PRECISION.get(str(item.get("toPrecision") or ""), start)
    return json.dumps(
        {
            "from": _str(item.get("from")),
            "valueFromEstimated": item.get("fromEstimated") is True,
            "to": _str(item.get("to")),
            "valueToEstimated": item.get("toEstimated") is True,
            "format": f"{start}-{end}",
        }
    )


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    """One render-model item -> the old API's item (`type`, `value`, `href`)."""
    kind = item.get("kind")
    out: dict[str, Any] = {"type": _str(item.get("code")) or "", "visible": True, "href": None}
    if kind == "LINK":
        href = _str(item.get("href"))
        caption = _str(item.get("caption"))
        out.update(href=href, value=caption if caption and caption != href else None)
    elif kind == "REF":
        ref = item.get("ref")
        out["value"] = _str(ref.get("uuid")) if isinstance(ref, Mapping) else None
    elif kind == "UNITDATE":
        out["value"] = _dating(item) if _str(item.get("from")) else _str(item.get("value"))
    elif kind == "JSON":
        out["value"] = _str(item.get("json"))
    else:
        out["value"] = _str(item.get("value"))
    return out


def _parent(path: list[Mapping[str, Any]], parent_type: str | None) -> dict[str, Any] | None:
    """The nested parent chain of the old API from `treePath` (root first, self last)."""
    parent: dict[str, Any] | None = None
    for node in path[:-1]:
        parent = {"id": _str(node.get("uuid")), "name": _str(node.get("name")), "parent": parent}
    if parent is not None and parent_type:
        parent["type"] = parent_type
    return parent


def _files(files: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": _str(f.get("id")),
            "name": _str(f.get("name")),
            "contentType": _str(f.get("contentType")),
            "permalink": None,
        }
        for f in _list(files)
    ]


def _file(file: Any) -> dict[str, Any] | None:
    found = _files([file])
    return found[0] if found else None


def entity_of_detail(detail: Mapping[str, Any], parent_type: str | None = None) -> dict[str, Any]:
    """The old API's entity for one render model (`parent_type`: its parent's apuType)."""
    uuid = _str(detail.get("uuid"))
    if not uuid or not uuid.strip():
        raise MissingField("render model without a uuid", format="aron_v1")
    path = _list(detail.get("treePath"))
    return {
        "id": uuid,
        "name": _str(detail.get("name")) or "",
        "description": _str(detail.get("description")),
        "permalink": _str(detail.get("permalink")),
        "type": _str(detail.get("apuType")) or "ARCH_DESC",
        "parent": _parent(path, parent_type),
        "parts": [
            {
                "type": _str(part.get("code")) or "",
                "value": _str(part.get("value")),
                "items": [_item(i) for i in _list(part.get("items"))],
                "childParts": [],
            }
            for part in _list(detail.get("parts"))
        ],
        "digitalObjects": [
            {
                "id": _str(d.get("uuid")),
                "name": _str(d.get("name")),
                "permalink": _str(d.get("permalink")),
                "files": _files(d.get("files")),
            }
            for d in _list(detail.get("digitalObjects"))
        ],
        "attachments": [
            {"name": _str(a.get("name")), "file": _file(a.get("file"))}
            for a in _list(detail.get("attachments"))
        ],
    }


def parent_of_detail(detail: Mapping[str, Any]) -> str | None:
    """The uuid of the unit's parent (the last but one of `treePath`), if it has one."""
    path = _list(detail.get("treePath"))
    return _str(path[-2].get("uuid")) if len(path) > 1 else None


def labels_of_detail(detail: Mapping[str, Any]) -> dict[str, str]:
    """Names of the units the render model references (its REF items resolve them)."""
    found: dict[str, str] = {}
    for part in _list(detail.get("parts")):
        for item in _list(part.get("items")):
            ref = item.get("ref")
            if item.get("kind") == "REF" and isinstance(ref, Mapping):
                uuid, name = _str(ref.get("uuid")), _str(ref.get("name"))
                if uuid and name:
                    found[uuid.strip().lower()] = name
    return found


def read_detail(
    detail: Any, *, portal: str | None = None, parent_type: str | None = None
) -> dict[str, Any]:
    """The record of one render model (parsed JSON)."""
    if not isinstance(detail, Mapping):
        raise CrosswalkError(
            f"expected a render model object, got {type(detail).__name__}", format="aron_v1"
        )
    entity = entity_of_detail(detail, parent_type)
    return entity_record(entity, portal=portal, labels=labels_of_detail(detail))
