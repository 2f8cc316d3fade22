"""ARON's JSON API (portal.nacr.cz/aron/api/aron, `ApuEntity`) -> records.

Read only. Takes what `GET /apu/{id}` or `POST /apu/list` answer: one entity, a list of
entities, or a result page `{"items": [...], "count", "searchAfter", ...}`; each entity
becomes one record through `crosswalks.aron` (the mapping the APUX reader shares).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from crosswalks.aron import entity_record
from crosswalks.base import MetadataFormat
from crosswalks.errors import CrosswalkError, MissingField

__all__ = ["FORMAT", "NAMESPACE", "parse_json", "read_json"]

# ARON has no namespace: this names the API's entity type for ListMetadataFormats-like
# listings and the registry (no XML root element carries it).
NAMESPACE = "https://github.com/elzasw/aron#ApuEntity"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def parse_json(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse an API answer, refusing one over `max_bytes` or nested absurdly deep."""
    if len(data) > max_bytes:
        raise CrosswalkError(
            f"document of {len(data)} bytes exceeds the limit of {max_bytes} bytes",
            format="aron_json",
        )
    try:
        return json.loads(data)
    except RecursionError:
        raise CrosswalkError("JSON nested too deep", format="aron_json") from None
    except ValueError as exc:
        raise CrosswalkError(f"not JSON: {exc}", format="aron_json") from None


def _entities(data: Any) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping) and isinstance(data.get("items"), list):
        data = data["items"]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise CrosswalkError(
            f"expected an entity, a list or a result page, got {type(data).__name__}",
            format="aron_json",
        )
    found = [e for e in data if isinstance(e, Mapping)]
    if len(found) != len(data):
        raise CrosswalkError("a list item is not an object", format="aron_json")
    for entity in found:
        if not isinstance(entity.get("id"), str) or not entity["id"].strip():
            raise MissingField("entity without an id", format="aron_json")
    return found


def read_json(
    data: Any,
    *,
    portal: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Records of the entities in `data` (bytes, str, or already parsed JSON)."""
    if isinstance(data, bytes | bytearray | str):
        data = parse_json(bytes(data) if isinstance(data, bytearray) else data)
    return [entity_record(e, portal=portal, labels=labels) for e in _entities(data)]


FORMAT = MetadataFormat(
    prefix="aron_json",
    namespace=NAMESPACE,
    schema="",
    version="1",
    root="",
    write=None,
    read=None,
    read_json=read_json,
    label="ARON JSON API entities (Czech national archival portal)",
)
