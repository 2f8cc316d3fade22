"""ARON import format APUX (ns http://www.aron.cz/apux/2020) -> records.

Read only. Each `apu` is turned into the entity the portal would publish for it (as
ARON's import pipeline does: type codes with `~`, a unit date as a JSON string, the
parent nested) and mapped by `crosswalks.aron`, so an entity read from APUX and the same
entity read from the portal's JSON API (`aron_json`) give the same record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, cast

from lxml import etree

from crosswalks.aron import entity_record
from crosswalks.base import MetadataFormat
from crosswalks.ead import children, first
from crosswalks.parsing import local_name, text_of

__all__ = ["FORMAT", "NS", "entity_of", "read"]

NS = "http://www.aron.cz/apux/2020"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _tilde(value: str | None) -> str:
    return (value or "").replace("_", "~")


def _raw(element: etree._Element | None) -> str:
    return "" if element is None else "".join(cast("Iterator[str]", element.itertext()))


def _item(element: etree._Element) -> dict[str, Any]:
    """One item as the portal stores it (value, href for links, a date as JSON)."""
    name = local_name(element)
    item: dict[str, Any] = {
        "type": _tilde(element.get("type")),
        "visible": element.get("visible", "true") != "false",
        "value": _raw(element),
        "href": None,
    }
    if name == "lnk":
        item["value"] = _raw(first(element, "name")) or None
        item["href"] = text_of(first(element, "link"))
    elif name == "drng":
        item["value"] = json.dumps(
            {
                "from": element.get("f"),
                "valueFromEstimated": element.get("fe") == "true",
                "to": element.get("to"),
                "valueToEstimated": element.get("toe") == "true",
                "format": element.get("fmt"),
            }
        )
    return item


def _parts(apu: etree._Element) -> list[dict[str, Any]]:
    """Parts with their items; a part naming a parent part (`prnt`) nests under it."""
    by_id: dict[str, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    for element in apu.iter("{*}part", "part"):
        part = {
            "type": _tilde(element.get("type")),
            "value": _raw(first(element, "value")) or None,
            "items": [
                _item(item)
                for itms in children(element, "itms")
                for item in itms
                if isinstance(item.tag, str)
            ],
            "childParts": [],
        }
        parent = by_id.get(element.get("prnt", ""))
        (parent["childParts"] if parent else top).append(part)
        if element.get("id"):
            by_id[element.get("id", "")] = part
    return top


def entity_of(apu: etree._Element, parent: dict[str, Any] | None = None) -> dict[str, Any]:
    """The portal's entity for an `apu` element (`parent`: its parent's entity)."""
    daos = [text_of(u) for d in children(apu, "daos") for u in children(d, "uuid")]
    return {
        "id": apu.get("uuid"),
        "name": _raw(first(apu, "name")),
        "description": _raw(first(apu, "desc")) or None,
        "permalink": text_of(first(apu, "prmLnk")) or None,
        "type": _CAMEL.sub("_", apu.get("type", "ArchDesc")).upper(),
        "parent": parent,
        "parts": _parts(apu),
        "digitalObjects": [{"id": uuid, "files": []} for uuid in daos if uuid],
        "attachments": [
            {"name": _raw(first(a, "name")), "file": {"name": _raw(first(a, "name"))}}
            for a in children(apu, "attchs")
        ],
    }


def read(root: etree._Element) -> list[dict[str, Any]]:
    """Records of the `apu`s of an apusrc document, parents before children."""
    pending = list(root.iter("{*}apu", "apu"))
    uuids = {apu.get("uuid") for apu in pending}
    labels = {apu.get("uuid", ""): text_of(first(apu, "name")) for apu in pending}
    entities: dict[str, dict[str, Any]] = {}
    records: list[dict[str, Any]] = []
    while pending:
        progressed = False
        for apu in list(pending):
            parent_uuid = text_of(first(apu, "prnt"))
            if parent_uuid and parent_uuid in uuids and parent_uuid not in entities:
                continue  # its parent comes first
            parent = entities.get(parent_uuid) or ({"id": parent_uuid} if parent_uuid else None)
            entity = entity_of(apu, parent)
            entities[apu.get("uuid", "")] = entity
            records.append(entity_record(entity, labels=labels))
            pending.remove(apu)
            progressed = True
        if not progressed:  # a cycle of parents: read the rest without them
            for apu in pending:
                records.append(entity_record(entity_of(apu), labels=labels))
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
