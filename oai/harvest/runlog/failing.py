"""Partner records that failed and are asked for again until they are stored or gone.

A record that a run could not take (it did not parse, was over a cap, its crosswalk
failed) is remembered here with its partner identifier; the next runs fetch it again
(OAI-PMH GetRecord, ARON by uuid, a files source reads the file again) and a commit that
stores or deletes it forgets it. The source's page lists what is still failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from oai.harvest.runlog.database import Database, utcnow
from oai.harvest.runlog.tables import harvest_failing
from records.db import insert_ignore

__all__ = ["Failed", "Failing", "FailingRecord"]

_f = harvest_failing.c
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FailingRecord:
    source_id: str
    identifier: str
    place: str
    document: str | None
    message: str
    first_failed_at: datetime
    last_failed_at: datetime
    attempts: int
    run_id: int | None


@dataclass(frozen=True, slots=True)
class Failed:
    """One record's failure as a run reports it."""

    identifier: str
    place: str
    message: str
    document: str | None = None


class Failing:
    """Reads and writes of `harvest_failing`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self, conn: Connection, source_id: str, run_id: int | None, failed: Sequence[Failed]
    ) -> None:
        """Remember failures (in the caller's transaction): new ones, or one more attempt."""
        if not failed:
            return
        now = utcnow()
        latest = {f.identifier: f for f in failed}  # the same record twice: the last
        rows = [
            {
                "source_id": source_id,
                "identifier": f.identifier,
                "place": f.place,
                "document": f.document,
                "message": f.message[:2000],
                "first_failed_at": now,
                "last_failed_at": now,
                "attempts": 0,
                "run_id": run_id,
            }
            for f in latest.values()
        ]
        insert_ignore(conn, harvest_failing, rows)
        conn.execute(
            update(harvest_failing)
            .where(_f.source_id == source_id, _f.identifier.in_(sorted(latest)))
            .values(attempts=_f.attempts + 1, last_failed_at=now, run_id=run_id)
        )
        for f in latest.values():
            conn.execute(
                update(harvest_failing)
                .where(_f.source_id == source_id, _f.identifier == f.identifier)
                .values(place=f.place, message=f.message[:2000], document=f.document)
            )

    def forget(self, conn: Connection | None, source_id: str, identifiers: Sequence[str]) -> None:
        """Records stored or deleted, or gone from the partner: no longer failing."""
        unique = sorted(set(identifiers))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            self._db.execute(
                delete(harvest_failing).where(_f.source_id == source_id, _f.identifier.in_(chunk)),
                conn,
            )

    def forget_document(
        self, conn: Connection | None, source_id: str, document: str, run_id: int
    ) -> None:
        """A file read again to its end: its records that did not fail in this run are
        no longer failing (stored, or no longer in it)."""
        self._db.execute(
            delete(harvest_failing).where(
                _f.source_id == source_id,
                _f.document == document,
                (_f.run_id != run_id) | _f.run_id.is_(None),
            ),
            conn,
        )

    def of_source(self, source_id: str, *, limit: int = 1000) -> list[FailingRecord]:
        """The source's failing records, the most recent failures first."""
        query = (
            select(harvest_failing)
            .where(_f.source_id == source_id)
            .order_by(_f.last_failed_at.desc(), _f.identifier)
            .limit(limit)
        )
        with self._db.engine.connect() as conn:
            return [FailingRecord(*row) for row in conn.execute(query)]

    def count(self, source_id: str) -> int:
        query = select(func.count()).select_from(harvest_failing).where(_f.source_id == source_id)
        with self._db.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def to_fetch(self, source_id: str, *, limit: int) -> list[str]:
        """Partner identifiers to ask for again, the least recently tried first (not the
        positional ones of records without an identifier: their file is read again)."""
        query = (
            select(_f.identifier)
            .where(_f.source_id == source_id, _f.document.is_(None))
            .order_by(_f.last_failed_at, _f.identifier)
            .limit(limit)
        )
        with self._db.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def documents(self, source_id: str) -> set[str]:
        """Files of a files source that hold failing records (to be read again)."""
        query = select(_f.document).where(_f.source_id == source_id, _f.document.is_not(None))
        with self._db.engine.connect() as conn:
            return {str(d) for d in conn.execute(query).scalars()}
