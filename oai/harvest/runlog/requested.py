"""The queue of requested runs ("harvest now" on the admin pages), drained by the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, select, update

from oai.harvest.runlog.database import Database, utcnow
from oai.harvest.runlog.tables import harvest_requests

__all__ = ["HarvestRequest", "Queue"]


@dataclass(frozen=True, slots=True)
class HarvestRequest:
    id: int
    source_id: str
    full: bool
    requested_at: datetime
    requested_by: str | None
    taken_at: datetime | None
    run_id: int | None


def _request(row: Row[Any]) -> HarvestRequest:
    return HarvestRequest(
        row.id,
        row.source_id,
        bool(row.full),
        row.requested_at,
        row.requested_by,
        row.taken_at,
        row.run_id,
    )


_q = harvest_requests.c


class Queue:
    """Reads and writes of `harvest_requests`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, source_id: str, *, full: bool = False, by: str | None = None) -> int:
        """Queue a run ("harvest now"); the scheduler process takes it."""
        values = {
            "source_id": source_id,
            "full": full,
            "requested_at": utcnow(),
            "requested_by": by,
        }
        key = self._db.execute(insert(harvest_requests).values(values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def take(self) -> HarvestRequest | None:
        """Claim the oldest untaken request (each is taken once, even by rival takers)."""
        while True:
            # read first, then claim with one conditional UPDATE: a write transaction
            # that starts with its write waits for SQLite's lock instead of failing
            with self._db.engine.connect() as conn:
                first = conn.execute(
                    select(_q.id).where(_q.taken_at.is_(None)).order_by(_q.id).limit(1)
                ).scalar()
            if first is None:
                return None
            claimed = self._db.execute(
                update(harvest_requests)
                .where(and_(_q.id == first, _q.taken_at.is_(None)))
                .values(taken_at=utcnow())
            ).rowcount
            if claimed:
                return self._get(first)

    def attach_run(self, request_id: int, run_id: int) -> None:
        """Note which run carried out a request."""
        self._db.execute(update(harvest_requests).where(_q.id == request_id).values(run_id=run_id))

    def pending(self, source_id: str | None = None) -> list[HarvestRequest]:
        """Requests not taken yet, oldest first."""
        query = select(harvest_requests).where(_q.taken_at.is_(None)).order_by(_q.id)
        if source_id is not None:
            query = query.where(_q.source_id == source_id)
        with self._db.engine.connect() as conn:
            return [_request(row) for row in conn.execute(query)]

    def pending_by_source(self) -> dict[str, int]:
        """Source id -> how many of its requests wait to be taken."""
        query = (
            select(_q.source_id, func.count()).where(_q.taken_at.is_(None)).group_by(_q.source_id)
        )
        with self._db.engine.connect() as conn:
            return {str(source): int(n) for source, n in conn.execute(query)}

    def _get(self, request_id: int) -> HarvestRequest:
        query = select(harvest_requests).where(_q.id == request_id)
        with self._db.engine.connect() as conn:
            return _request(conn.execute(query).one())
