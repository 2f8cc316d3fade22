"""The partners the hub harvests: their settings, high-water mark and failure count."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, true, update

from oai.harvest.errors import RunLogError
from oai.harvest.runlog.database import Database, utcnow
from oai.harvest.runlog.tables import harvest_sources
from records.db import insert_ignore

__all__ = ["SourceInfo", "SourceRow", "Sources"]

# (id, name, base_url, metadata_prefix, settings as JSON text)
SourceRow = tuple[str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    name: str | None
    base_url: str
    metadata_prefix: str
    settings: dict[str, Any]
    enabled: bool
    failing: bool
    consecutive_failures: int
    high_water: str | None
    granularity: str | None
    updated_at: datetime | None
    date_args: str | None = None  # a date-argument fallback that worked (see `Stream`)


def _source(row: Row[Any]) -> SourceInfo:
    return SourceInfo(
        row.id,
        row.name,
        row.base_url,
        row.metadata_prefix,
        json.loads(row.settings or "{}"),
        bool(row.enabled),
        bool(row.failing),
        row.consecutive_failures,
        row.high_water,
        row.granularity,
        row.updated_at,
        row.date_args,
    )


class Sources:
    """Reads and writes of `harvest_sources`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def sync(self, rows: Iterable[SourceRow]) -> None:
        """Make the sources table match the configuration; sources no longer there are
        disabled (their runs and records stay)."""
        now = utcnow()
        rows = list(rows)
        with self._db.writes.begin() as conn:
            insert_ignore(
                conn,
                harvest_sources,
                [
                    {
                        "id": i,
                        "name": n,
                        "base_url": u,
                        "metadata_prefix": p,
                        "settings": s,
                        "enabled": True,
                        "failing": False,
                        "consecutive_failures": 0,
                        "updated_at": now,
                    }
                    for i, n, u, p, s in rows
                ],
            )
            for source_id, name, url, prefix, settings in rows:
                conn.execute(
                    update(harvest_sources)
                    .where(harvest_sources.c.id == source_id)
                    .values(
                        name=name,
                        base_url=url,
                        metadata_prefix=prefix,
                        settings=settings,
                        enabled=True,
                    )
                )
            ids = [row[0] for row in rows]
            stale = harvest_sources.c.id.not_in(ids) if ids else true()
            conn.execute(update(harvest_sources).where(stale).values(enabled=False))

    def get(self, source_id: str) -> SourceInfo | None:
        """One source, or None if the configuration never named it."""
        with self._db.engine.connect() as conn:
            row = conn.execute(
                select(harvest_sources).where(harvest_sources.c.id == source_id)
            ).first()
        return None if row is None else _source(row)

    def require(self, source_id: str) -> SourceInfo:
        """One source; `RunLogError` if there is none of that id."""
        found = self.get(source_id)
        if found is None:
            raise RunLogError(f"unknown harvest source {source_id!r}")
        return found

    def all(self) -> list[SourceInfo]:
        """Every source, enabled or not, by id."""
        with self._db.engine.connect() as conn:
            rows = conn.execute(select(harvest_sources).order_by(harvest_sources.c.id))
            return [_source(row) for row in rows]

    def count_enabled(self) -> int:
        """How many sources the configuration names today."""
        query = select(func.count()).where(harvest_sources.c.enabled.is_(True))
        with self._db.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def set_high_water(self, source_id: str, until: str, granularity: str | None = None) -> None:
        """Move the source's high-water mark (the partner's responseDate of a complete run)."""
        values: dict[str, Any] = {"high_water": until, "updated_at": utcnow()}
        if granularity:
            values["granularity"] = granularity
        self._update(source_id, values)

    def set_date_args(self, source_id: str, date_args: str | None) -> None:
        """Remember how the partner takes from/until (None: as its Identify says)."""
        self._update(source_id, {"date_args": date_args})

    def record_failure(self, source_id: str, max_failures: int) -> SourceInfo:
        """Count one more failed run; at `max_failures` in a row the source is failing."""
        c = harvest_sources.c
        with self._db.writes.begin() as conn:
            conn.execute(
                update(harvest_sources)
                .where(c.id == source_id)
                .values(consecutive_failures=c.consecutive_failures + 1)
            )
            conn.execute(
                update(harvest_sources)
                .where(c.id == source_id, c.consecutive_failures >= max_failures)
                .values(failing=True)
            )
        return self.require(source_id)

    def record_success(self, source_id: str) -> None:
        """A run completed: the source is no longer failing."""
        self._update(source_id, {"consecutive_failures": 0, "failing": False})

    def _update(self, source_id: str, values: Mapping[str, Any]) -> None:
        self._db.execute(
            update(harvest_sources).where(harvest_sources.c.id == source_id).values(values)
        )
