"""The hierarchy of stored records: each unit's parent, its ancestors and descendants.

`record_parents` holds, per record, the local id of the unit it is part of and its
level. A local record names its parent by local id (its first `isPartOf` with an id).
A harvested finding aid's records carry the partner's ids: a component `<fa>#<c>` is
part of `<fa>#<p>` when that record is stored, else of the finding aid `<fa>` itself
(the same rule as the record pages). The parent's id may name a record written later
(a batch in any order), so lookups join on the id, never on a key fixed at write time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select, update

from records import tables as t
from records.model import Record

__all__ = [
    "MAX_DEPTH",
    "ancestor_ids",
    "descendants",
    "heads_of",
    "in_hierarchy",
    "link_parents",
    "parent_of",
    "stale_heads",
    "unit_form",
]

MAX_DEPTH = 64  # deeper than any finding aid; also ends a cycle of bad isPartOf links
_MAX_UNITS = 100_000  # a finding aid larger than this is cut (its head names the limit)


def _part_of(related: Iterable[Mapping[str, Any]]) -> str | None:
    for item in related:
        if item.get("relation") == "isPartOf" and item.get("id"):
            return str(item["id"])
    return None


def parent_of(conn: Connection, record: Record) -> str | None:
    """The local id of the unit `record` is part of, or None for a top unit.

    A harvested record's `isPartOf` may name the parent's local id (the ingest rewrites
    the ids of one document's records so), or the partner's id of it: a component
    `<fa>#<c>` is part of `<fa>#<id>` when that is stored, else of `<fa>`; a record
    read on its own is part of the record whose partner identifier is the id."""
    above = _part_of(r.to_dict() for r in record.related)
    origin = record.origin
    if origin.kind != "harvested" or not origin.source_id or not origin.remote_identifier:
        return above
    remote = origin.remote_identifier
    r = t.records.c
    if above and above != record.id:
        query = select(r.local_id).where(r.local_id == above)
        if conn.execute(query).scalar() is not None:
            return above
    if "#" in remote:
        root = remote.split("#", 1)[0]
        candidates = ([f"{root}#{above}"] if above else []) + [root]
    else:
        candidates = [above] if above else []
    for candidate in candidates:
        if candidate == remote:
            continue
        query = select(r.local_id).where(
            r.source_id == origin.source_id, r.remote_identifier == candidate
        )
        found = conn.execute(query).scalar()
        if found is not None:
            return str(found)
    return above if "#" not in remote else None


def link_parents(conn: Connection, written: Sequence[tuple[int, Record]]) -> None:
    """Store the parent and level of records just written (their rows exist)."""
    if not written:
        return
    pks = [pk for pk, _record in written]
    conn.execute(delete(t.record_parents).where(t.record_parents.c.record_pk.in_(pks)))
    rows = [
        {"record_pk": pk, "parent_id": parent_of(conn, record), "level": record.level}
        for pk, record in written
    ]
    conn.execute(t.record_parents.insert(), rows)


def _parent_ids(conn: Connection, ids: Iterable[str]) -> dict[str, str | None]:
    r, p = t.records.c, t.record_parents.c
    query = (
        select(r.local_id, p.parent_id)
        .join(t.record_parents, p.record_pk == r.pk)
        .where(r.local_id.in_(list(ids)))
    )
    return {row.local_id: row.parent_id for row in conn.execute(query)}


def ancestor_ids(conn: Connection, local_id: str) -> list[str]:
    """The ids of the stored units above a record, nearest first."""
    found: list[str] = []
    current = _parent_ids(conn, [local_id]).get(local_id)
    seen = {local_id}
    while current and current not in seen and len(found) < MAX_DEPTH:
        parents = _parent_ids(conn, [current])
        if current not in parents:  # named, not stored (yet)
            break
        seen.add(current)
        found.append(current)
        current = parents[current]
    return found


def heads_of(conn: Connection, local_ids: Iterable[str], levels: frozenset[str]) -> set[str]:
    """The records at one of `levels` among `local_ids` and the units above them."""
    heads: set[str] = set()
    frontier = set(local_ids)
    seen: set[str] = set()
    r, p = t.records.c, t.record_parents.c
    for _depth in range(MAX_DEPTH + 1):
        if not frontier:
            break
        seen |= frontier
        query = (
            select(r.local_id, r.deleted, p.parent_id, p.level)
            .join(t.record_parents, p.record_pk == r.pk)
            .where(r.local_id.in_(sorted(frontier)))
        )
        above: set[str] = set()
        for row in conn.execute(query):
            # a deleted unit still leads to its fonds (whose finding aid loses it)
            if row.level in levels and not row.deleted:
                heads.add(row.local_id)
            if row.parent_id:
                above.add(row.parent_id)
        frontier = above - seen
    return heads


def descendants(conn: Connection, local_id: str) -> dict[str, list[dict[str, Any]]]:
    """The live records below a unit, as JSON forms by their parent's id, in write order."""
    children: dict[str, list[dict[str, Any]]] = {}
    frontier, seen, total = [local_id], {local_id}, 0
    r, p = t.records.c, t.record_parents.c
    for _depth in range(MAX_DEPTH):
        if not frontier or total >= _MAX_UNITS:
            break
        query = (
            select(r.local_id, r.content, r.origin, p.parent_id)
            .join(t.record_parents, p.record_pk == r.pk)
            .where(p.parent_id.in_(frontier), r.deleted.is_(False))
            .order_by(r.pk)
            .limit(_MAX_UNITS - total)
        )
        frontier = []
        for row in conn.execute(query):
            if row.local_id in seen:
                continue
            seen.add(row.local_id)
            form = _form(row.local_id, row.content, row.origin)
            children.setdefault(row.parent_id, []).append(form)
            frontier.append(row.local_id)
            total += 1
    return children


def unit_form(conn: Connection, local_id: str) -> dict[str, Any] | None:
    """The JSON form of a live record (its content, with its id), or None."""
    r = t.records.c
    query = select(r.content, r.origin).where(r.local_id == local_id, r.deleted.is_(False))
    row = conn.execute(query).first()
    return None if row is None else _form(local_id, row.content, row.origin)


def _form(local_id: str, content: str, origin: str | None) -> dict[str, Any]:
    """A record's JSON form from its row: content, id and origin (no header)."""
    form: dict[str, Any] = json.loads(content)
    form["id"] = local_id
    if origin:
        form["origin"] = json.loads(origin)
    return form


def stale_heads(
    conn: Connection, levels: frozenset[str], prefix: str, version: str, limit: int = 1000
) -> list[str]:
    """Live records at one of `levels` whose `prefix` XML is missing or of another version."""
    r, p, rm = t.records.c, t.record_parents.c, t.rendered_metadata.c
    current = (
        select(rm.record_pk)
        .where(rm.record_pk == r.pk, rm.prefix == prefix, rm.crosswalk_version == version)
        .exists()
    )
    query = (
        select(r.local_id)
        .join(t.record_parents, p.record_pk == r.pk)
        .where(p.level.in_(sorted(levels)), r.deleted.is_(False), ~current)
        .order_by(r.pk)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


PENDING = "pending:"  # a crosswalk version so marked: assemble again, moving the datestamp


def mark_pending(conn: Connection, local_ids: Iterable[str], prefix: str) -> None:
    """Mark the `prefix` XML of these records to be assembled again (at the end of the
    run that wrote their units): one UPDATE, instead of a whole finding aid a batch."""
    ids = sorted(set(local_ids))
    r, rm = t.records.c, t.rendered_metadata.c
    for start in range(0, len(ids), 500):
        pks = select(r.pk).where(r.local_id.in_(ids[start : start + 500]))
        conn.execute(
            update(t.rendered_metadata)
            .where(rm.record_pk.in_(pks), rm.prefix == prefix)
            .where(~rm.crosswalk_version.startswith(PENDING))
            .values(crosswalk_version=PENDING + rm.crosswalk_version)
        )


def pending_or_missing(
    conn: Connection, local_ids: Sequence[str], prefix: str, *, missing: bool = True
) -> set[str]:
    """Of `local_ids`, those whose `prefix` XML is marked pending (or, with `missing`,
    has none)."""
    r, rm = t.records.c, t.rendered_metadata.c
    rows = conn.execute(
        select(r.local_id, rm.crosswalk_version)
        .select_from(t.records)
        .outerjoin(t.rendered_metadata, (rm.record_pk == r.pk) & (rm.prefix == prefix))
        .where(r.local_id.in_(list(local_ids)))
    ).all()
    return {str(i) for i, v in rows if (v is None and missing) or str(v or "").startswith(PENDING)}


def in_hierarchy(conn: Connection, local_ids: Sequence[str]) -> dict[str, list[str]]:
    """Of `local_ids`, those with a stored unit above or below them -> the ids of the
    stored units above them, nearest first (empty for a top unit)."""
    p = t.record_parents.c
    ids = list(local_ids)
    with_parent = {i for i, parent in _parent_ids(conn, ids).items() if parent}
    query = select(p.parent_id).where(p.parent_id.in_(ids)).distinct()
    with_children = set(conn.execute(query).scalars())
    return {i: ancestor_ids(conn, i) for i in ids if i in with_parent or i in with_children}
