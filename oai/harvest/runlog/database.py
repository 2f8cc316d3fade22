"""How the parts of the run log reach the database, and the clock they stamp rows with.

Reads use the engine as it is. Write transactions begin IMMEDIATE on SQLite: one that
read first could not take the write lock later while another connection commits
(SQLITE_BUSY at once, no waiting). A write given the caller's `conn` runs in the
caller's transaction instead (a harvested page, its counters and its checkpoint commit
together).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, Executable

from records.times import utcnow

__all__ = ["Database", "load_json", "utcnow"]


def load_json(value: str | None) -> dict[str, Any] | None:
    """A JSON object column as a dict; None stays None."""
    return None if value is None else dict(json.loads(value))


class Database:
    """The engine for reads and the write transactions of the run log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writes = engine.execution_options(sqlite_begin_immediate=True)

    def execute(self, statement: Executable, conn: Connection | None = None) -> Any:
        """Run one write in the caller's transaction (`conn`) or in a transaction of its own."""
        if conn is not None:
            return conn.execute(statement)
        with self.writes.begin() as own:
            return own.execute(statement)
