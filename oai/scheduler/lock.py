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

__all__ = ["SchedulerLock", "lock_path_of", "scheduler_running"]

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


# -- is a scheduler running? (for the dashboard; never takes the lock) ---------------------

_PG_HELD = """
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((classid::bigint << 32) | objid::bigint)
      = hashtext('oaihub.scheduler:' || current_schema())::bigint
"""
# SQLite's lock bytes start at its PENDING_BYTE (0x40000000): PENDING, RESERVED, and the
# 510-byte SHARED range. An exclusive transaction write-locks them.
_SQLITE_LOCK_START, _SQLITE_LOCK_LEN = 0x40000000, 512


def scheduler_running(engine: Engine) -> bool:
    """True when some process holds the scheduler lock of this database.

    It only looks: PostgreSQL's `pg_locks`; for SQLite an `F_GETLK` query on the lock
    file's lock bytes (which cannot see locks of the asking process itself).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return bool(conn.execute(text(_PG_HELD)).scalar())
    try:
        path = lock_path_of(engine)
    except ValueError:
        return False
    if not path.exists():
        return False
    return _posix_lock_held(path)


def _posix_lock_held(path: Path) -> bool:
    import fcntl
    import os
    import struct

    # struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len,
    # pid_t l_pid (and padding)
    query = struct.pack(
        "hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, _SQLITE_LOCK_START, _SQLITE_LOCK_LEN, 0
    )
    fd = os.open(path, os.O_RDONLY)
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    finally:
        os.close(fd)
    lock_type = struct.unpack("hhqqi4x", answer)[0]
    return bool(lock_type != fcntl.F_UNLCK)
