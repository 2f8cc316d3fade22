"""Sets defined by the admin: the records of one source, or those a search finds.

A set is a row of `sets` (spec, name, description: what ListSets shows) and one of
`admin_sets` (its rule). Its members are rows of `record_sets` like any set's, so
ListRecords and ListIdentifiers select them with `set=` through the same keyset index:
made for the stored records when the set is added, and kept current by the writer
(`records.writer`), which asks `AdminSetRules` which sets each record it writes is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select

from records import tables as t
from records.errors import StoreError
from records.model import Record
from records.search_text import SearchWord, matches, parse_search
from records.times import utcnow

if TYPE_CHECKING:  # the store's writer imports this module
    from records.store import Store

__all__ = ["AdminSet", "AdminSetError", "AdminSetRules", "AdminSets"]

# OAI-PMH setSpec (unreserved characters); no ":" here: an admin set has no parent
SPEC = re.compile(r"[A-Za-z0-9_.!~*'()-]{1,100}")
MAX_NAME, MAX_DESCRIPTION, MAX_QUERY = 200, 2000, 500
FILL_BATCH = 1000


class AdminSetError(StoreError):
    """A set that cannot be added or removed as asked; the message names it."""


@dataclass(frozen=True, slots=True)
class AdminSet:
    spec: str
    name: str
    description: str | None
    source_id: str | None
    query: str | None
    created_at: datetime
    size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "name": self.name,
            "description": self.description,
            "source_id": self.source_id,
            "query": self.query,
            "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "records": self.size,
        }


@dataclass(frozen=True, slots=True)
class _Rule:
    spec: str
    source_id: str | None
    words: tuple[SearchWord, ...]

    def holds(self, record: Record, indexed: str | None) -> bool:
        if self.source_id is not None:
            return record.origin.source_id == self.source_id
        return matches(indexed, self.words)


class AdminSetRules:
    """The rules of every admin set, read once for a batch of writes."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(
            select(t.admin_sets.c.spec, t.admin_sets.c.source_id, t.admin_sets.c.query)
        )
        self.rules = [_Rule(r.spec, r.source_id, tuple(parse_search(r.query or ""))) for r in rows]

    def specs_of(self, record: Record, indexed: str | None) -> list[str]:
        """The admin sets a record is in (`indexed`: its `search_text`)."""
        return [rule.spec for rule in self.rules if rule.holds(record, indexed)]


def _check(
    spec: str, name: str, description: str | None, source_id: str | None, query: str | None
) -> None:
    if not SPEC.fullmatch(spec):
        raise AdminSetError(f"set {spec!r}: a setSpec is 1 to 100 of A-Z a-z 0-9 _ . ! ~ * ' ( ) -")
    if not name.strip() or len(name) > MAX_NAME:
        raise AdminSetError(f"set {spec}: a name of 1 to {MAX_NAME} characters is needed")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise AdminSetError(f"set {spec}: the description is over {MAX_DESCRIPTION} characters")
    if (source_id is None) == (query is None):
        raise AdminSetError(f"set {spec}: give either a source or a search query")
    if query is not None and (len(query) > MAX_QUERY or not parse_search(query)):
        raise AdminSetError(f"set {spec}: the query has no words to search for (or is too long)")


class AdminSets:
    """Add, list and remove the admin's sets of one store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        spec: str,
        name: str,
        *,
        description: str | None = None,
        source_id: str | None = None,
        query: str | None = None,
        now: datetime | None = None,
    ) -> AdminSet:
        """Define a set and put the stored records it holds in it."""
        description = (description or "").strip() or None
        query = query.strip() if query is not None else None
        _check(spec, name, description, source_id, query)
        now = now or utcnow()
        with self.store.transaction() as conn:
            taken = conn.execute(select(t.sets.c.spec).where(t.sets.c.spec == spec)).first()
            if taken is not None:
                raise AdminSetError(f"set {spec} exists already")
            conn.execute(
                insert(t.sets).values(spec=spec, name=name.strip(), description=description)
            )
            conn.execute(
                insert(t.admin_sets).values(
                    spec=spec, source_id=source_id, query=query, created_at=now
                )
            )
            rule = _Rule(spec, source_id, tuple(parse_search(query or "")))
            size = _fill(conn, rule)
        return AdminSet(spec, name.strip(), description, source_id, query, now, size)

    def remove(self, spec: str) -> None:
        """Remove an admin set (its records stay; only their membership goes)."""
        with self.store.transaction() as conn:
            found = conn.execute(select(t.admin_sets.c.spec).where(t.admin_sets.c.spec == spec))
            if found.first() is None:
                raise AdminSetError(f"no set {spec} defined by the admin")
            conn.execute(delete(t.record_sets).where(t.record_sets.c.set_spec == spec))
            conn.execute(delete(t.admin_sets).where(t.admin_sets.c.spec == spec))
            conn.execute(delete(t.sets).where(t.sets.c.spec == spec))

    def all(self) -> list[AdminSet]:
        """Every admin set with how many records it holds, in spec order."""
        a, s = t.admin_sets.c, t.sets.c
        query = (
            select(a.spec, s.name, s.description, a.source_id, a.query, a.created_at)
            .join(t.sets, s.spec == a.spec)
            .order_by(a.spec)
        )
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
            return [
                AdminSet(
                    row.spec,
                    row.name,
                    row.description,
                    row.source_id,
                    row.query,
                    row.created_at,
                    _size(conn, row.spec),
                )
                for row in rows
            ]


def _size(conn: Connection, spec: str) -> int:
    query = select(func.count()).where(t.record_sets.c.set_spec == spec)
    return int(conn.execute(query).scalar_one())


def _fill(conn: Connection, rule: _Rule) -> int:
    """Put the stored records the rule holds into its set; how many."""
    total = 0
    for rows in _record_batches(conn, rule):
        members = [
            {"set_spec": rule.spec, "record_pk": pk, "datestamp": stamp, "direct": False}
            for pk, stamp in rows
        ]
        if members:
            conn.execute(insert(t.record_sets), members)
            total += len(members)
    return total


def _record_batches(conn: Connection, rule: _Rule) -> Iterator[list[tuple[int, datetime]]]:
    r = t.records.c
    last = 0
    while True:
        query = select(r.pk, r.datestamp, r.source_id, r.search_text).where(r.pk > last)
        if rule.source_id is not None:
            query = query.where(r.source_id == rule.source_id)
        rows = conn.execute(query.order_by(r.pk).limit(FILL_BATCH)).all()
        if not rows:
            return
        last = rows[-1].pk
        yield [
            (row.pk, row.datestamp)
            for row in rows
            if rule.source_id is not None or matches(row.search_text, rule.words)
        ]
