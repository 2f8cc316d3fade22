"""Large batches written without SQLite's row triggers, their effects added per batch.

On SQLite the triggers that keep the list counts (`records.counts`) and the full-text
index (`records.search`) cost more than the rows they follow: ~15-25 us for every
rendering and set row, ~35 us of FTS5 for every record. A `BatchWriter` write of
`BULK_FROM` changed records or more is therefore made inside a `Bulk`: before it, the
count of what the stored records of the batch count for is taken and their full-text
entries are removed, and the triggers are dropped; after it, the triggers are created
again, the batch's records are indexed in one statement and the change of every count
is added in one statement. SQLite's DDL is transactional and all of it happens in the
writer's transaction: no other connection ever sees the database without its
triggers, and a batch rolled back (or a savepoint) takes everything back with it. The
counts and the index are exactly what the triggers would have made.

PostgreSQL's list-count triggers are statement triggers and its full-text index an
expression index: there a `Bulk` does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from records.counts import CountedFor
from records.fulltext import FullTextRows

__all__ = ["BULK_FROM", "Bulk"]

# changed records in one write from which its triggers are dropped for it (dropping and
# creating them again costs about what the triggers of 50 records cost)
BULK_FROM = 64


class Bulk:
    """`Bulk(conn, pks)` before a batch is written (`pks`: the stored records it will
    change), `done(pks)` after it (every record it wrote, new ones included)."""

    def __init__(self, conn: Connection, pks: Sequence[int]) -> None:
        self.active = conn.dialect.name == "sqlite"
        if not self.active:
            return
        self.counts = CountedFor(conn, pks)
        self.text = FullTextRows(conn)
        self.text.drop(pks)

    def done(self, pks: Sequence[int]) -> None:
        if not self.active:
            return
        self.text.add(pks)
        self.counts.done(pks)
