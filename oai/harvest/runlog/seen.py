"""What a full harvest saw: the records its sweep must keep.

The sweep of a full harvest that was interrupted and resumed spans several runs, so
what the earlier runs saw is kept in the database until the sweep is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, select

from oai.harvest.runlog.database import Database
from oai.harvest.runlog.tables import harvest_seen
from records.db import insert_ignore

__all__ = ["Seen"]


class Seen:
    """Reads and writes of `harvest_seen`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def mark(self, run_id: int, local_ids: Iterable[str], conn: Connection | None = None) -> None:
        """Remember records a full run saw (in the caller's page transaction, with `conn`)."""
        rows = [{"run_id": run_id, "local_id": i} for i in sorted(set(local_ids))]
        if not rows:
            return
        if conn is not None:
            insert_ignore(conn, harvest_seen, rows)
            return
        with self._db.writes.begin() as own:
            insert_ignore(own, harvest_seen, rows)

    def by(self, run_ids: Sequence[int]) -> set[str]:
        """Every record seen by these runs (a full harvest and the runs that resumed it)."""
        query = select(harvest_seen.c.local_id).where(harvest_seen.c.run_id.in_(run_ids))
        with self._db.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def forget(self, run_ids: Sequence[int]) -> None:
        """Drop what these runs saw (their sweep is done)."""
        self._db.execute(delete(harvest_seen).where(harvest_seen.c.run_id.in_(run_ids)))
