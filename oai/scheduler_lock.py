"""One scheduler per database, held with the database's own lock.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) taken on a connection
kept open for the life of the process. The key is derived from the current schema, so
two hubs sharing one PostgreSQL database in different schemas do not block each other.
The server drops the lock when the connection ends, including when the process is
killed, so a crashed scheduler never leaves a stale lock behind.

SQLite: `BEGIN EXCLUSIVE` held on a separate lock database next to the main file
(`<file>.scheduler-lock`). Holding an exclusive transaction on the main database
would stop every other reader and writer; on a file of its own it only stops a second
scheduler. SQLite takes an OS file lock for it, which the OS releases when the
process dies, so again nothing stale is left behind.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

__all__ = ["SchedulerLock", "lock_path_of"]

# `hashtext` keeps the key a stable int4 computed by the server itself
_PG_TRY = "SELECT pg_try_advisory_lock(hashtext('oaihub.scheduler:' || current_schema()))"
_PG_RELEASE = "SELECT pg_advisory_unlock(hashtext('oaihub.scheduler:' || current_schema()))"


def lock_path_of(engine: Engine) -> Path:
    """The SQLite lock database beside the main file."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be shared by schedulers")
    return Path(database).with_name(Path(database).name + ".scheduler-lock")


class SchedulerLock:
    """`acquire()` is True for exactly one holder per database at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pg: Connection | None = None
        self._pg_engine: Engine = engine
        self._sqlite: sqlite3.Connection | None = None

    @property
    def held(self) -> bool:
        return self._pg is not None or self._sqlite is not None

    def acquire(self) -> bool:
        """Try once, without waiting; True when this process now holds the lock."""
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            return self._acquire_pg()
        return self._acquire_sqlite()

    def _acquire_pg(self) -> bool:
        # a connection of its own, outside the pool: pool resets or disposals (APScheduler's
        # job store disposes the engine it is given on shutdown) must not touch it
        self._pg_engine = create_engine(self.engine.url, poolclass=NullPool)
        conn = self._pg_engine.connect()
        got = bool(conn.execute(text(_PG_TRY)).scalar())
        # end the implicit transaction; the session-level lock outlives it
        conn.commit()
        if not got:
            conn.close()
            self._pg_engine.dispose()
            return False
        self._pg = conn
        return True

    def _acquire_sqlite(self) -> bool:
        path = lock_path_of(self.engine)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            conn.close()
            return False
        self._sqlite = conn
        return True

    def release(self) -> None:
        """Give the lock up (also happens by itself when the process ends)."""
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.execute(text(_PG_RELEASE))
                self._pg.commit()
            self._pg.close()
            self._pg = None
            self._pg_engine.dispose()
        if self._sqlite is not None:
            with contextlib.suppress(sqlite3.Error):
                self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
            self._sqlite = None

    def __enter__(self) -> SchedulerLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
