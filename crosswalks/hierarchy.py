"""The hierarchy of records read together (units of one finding aid): parents, ancestors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["Hierarchy", "parent_id"]

_MAX_DEPTH = 64  # deeper than any finding aid; also ends a cycle of bad isPartOf links


def parent_id(record: Mapping[str, Any]) -> str | None:
    """The id of the unit a record is part of (its first isPartOf with an id)."""
    for related in record.get("related") or ():
        if related.get("relation") == "isPartOf" and related.get("id"):
            return str(related["id"])
    return None


class Hierarchy:
    """Records by id, each with its parent and children among the records given."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        self.by_id: dict[str, Mapping[str, Any]] = {}
        self.children: dict[str, list[str]] = {}
        for record in records:
            self.by_id.setdefault(record["id"], record)
        for record_id, record in self.by_id.items():
            parent = parent_id(record)
            if parent in self.by_id and parent != record_id:
                self.children.setdefault(parent, []).append(record_id)

    def ancestors(self, record: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        """The units above a record, nearest first, as far as the records given reach."""
        found: list[Mapping[str, Any]] = []
        seen = {record["id"]}
        current = parent_id(record)
        while current and current in self.by_id and current not in seen:
            if len(found) >= _MAX_DEPTH:
                break
            seen.add(current)
            found.append(self.by_id[current])
            current = parent_id(self.by_id[current])
        return found

    def children_of(self, record_id: str) -> list[Mapping[str, Any]]:
        """The records directly below a unit, in the order they were given."""
        return [self.by_id[child] for child in self.children.get(record_id, ())]

    def roots(self) -> list[Mapping[str, Any]]:
        """The records whose parent is not among those given."""
        return [r for r in self.by_id.values() if parent_id(r) not in self.by_id]
