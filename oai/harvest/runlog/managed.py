"""Sources added in the browser, and the audit of every change to them.

A managed source is its `[[sources]]` table as JSON (checked by the same table of keys
as the configuration's when it is read back, see `oai.harvest.sources`). Every save
writes an audit row in the same transaction: who, when, what changed (field -> [before,
after]). The newest audit id is the version the scheduler watches to pick changes up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from oai.harvest.runlog.database import Database, utcnow
from oai.harvest.runlog.tables import harvest_managed_sources, harvest_source_changes

__all__ = ["ManagedSources", "SourceChange"]


@dataclass(frozen=True, slots=True)
class SourceChange:
    id: int
    source_id: str
    at: datetime
    who: str
    action: str
    changes: dict[str, list[Any]]


_m, _c = harvest_managed_sources.c, harvest_source_changes.c


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field -> [before, after] of every field that differs."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


class ManagedSources:
    """Reads and writes of `harvest_managed_sources` and `harvest_source_changes`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def all(self) -> dict[str, dict[str, Any]]:
        """Source id -> its table, by id."""
        query = select(_m.id, _m.settings).order_by(_m.id)
        with self._db.engine.connect() as conn:
            return {row.id: json.loads(row.settings) for row in conn.execute(query)}

    def get(self, source_id: str) -> dict[str, Any] | None:
        query = select(_m.settings).where(_m.id == source_id)
        with self._db.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else dict(json.loads(found))

    def save(
        self, source_id: str, table: Mapping[str, Any], *, who: str, action: str
    ) -> SourceChange | None:
        """Insert or replace a source's table and audit the change; None if nothing changed."""
        now = utcnow()
        text = json.dumps(dict(table), sort_keys=True)
        with self._db.writes.begin() as conn:
            old = conn.execute(select(_m.settings).where(_m.id == source_id)).scalar()
            before = {} if old is None else json.loads(old)
            changes = diff(before, table)
            if old is not None and not changes:
                return None
            if old is None:
                conn.execute(
                    insert(harvest_managed_sources).values(
                        id=source_id, settings=text, created_at=now, updated_at=now
                    )
                )
            else:
                conn.execute(
                    update(harvest_managed_sources)
                    .where(_m.id == source_id)
                    .values(settings=text, updated_at=now)
                )
            values = {
                "source_id": source_id,
                "at": now,
                "who": who[:200],
                "action": action,
                "changes": json.dumps(changes, sort_keys=True, default=str),
            }
            change_id = conn.execute(
                insert(harvest_source_changes).values(values)
            ).inserted_primary_key
        assert change_id is not None
        return SourceChange(int(change_id[0]), source_id, now, who, action, changes)

    def remove(self, source_id: str, *, who: str) -> SourceChange | None:
        """Remove a stored source (its runs and records stay) and audit it; None if absent."""
        now = utcnow()
        with self._db.writes.begin() as conn:
            old = conn.execute(select(_m.settings).where(_m.id == source_id)).scalar()
            if old is None:
                return None
            conn.execute(delete(harvest_managed_sources).where(_m.id == source_id))
            changes = diff(json.loads(old), {})
            values = {
                "source_id": source_id,
                "at": now,
                "who": who[:200],
                "action": "remove",
                "changes": json.dumps(changes, sort_keys=True, default=str),
            }
            key = conn.execute(insert(harvest_source_changes).values(values)).inserted_primary_key
        assert key is not None
        return SourceChange(int(key[0]), source_id, now, who, "remove", changes)

    def changes(self, source_id: str | None = None, *, limit: int = 100) -> list[SourceChange]:
        """The newest changes first (of one source)."""
        query = select(harvest_source_changes).order_by(_c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(_c.source_id == source_id)
        with self._db.engine.connect() as conn:
            return [
                SourceChange(r.id, r.source_id, r.at, r.who, r.action, json.loads(r.changes))
                for r in conn.execute(query)
            ]

    def version(self) -> int:
        """The newest change's id (0: none): it moves with every change of any source."""
        with self._db.engine.connect() as conn:
            return int(conn.execute(select(func.max(_c.id))).scalar() or 0)
