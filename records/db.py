"""Engines: SQLite by default (WAL, foreign keys), PostgreSQL by URL; write connections.

The schema itself is made by the hub's one Alembic history (`oai.schema.upgrade`), whose
environment compares it with `metadata`, the record tables' declarations.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from records.tables import metadata

__all__ = [
    "create_store_engine",
    "insert_ignore",
    "metadata",
    "writer_connection",
]

AUTOCHECKPOINT_PAGES = 1000  # SQLite's default wal_autocheckpoint
log = logging.getLogger(__name__)


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the store: SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # let SQLAlchemy, not pysqlite, decide when transactions begin (BEGIN IMMEDIATE
        # for writes would need more; WAL lets readers go on during a write)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_begin(conn: Connection) -> None:
    # A transaction that reads and then writes while another connection commits cannot
    # upgrade its stale snapshot (SQLITE_BUSY at once, no busy wait): such transactions
    # ask for `execution_options(sqlite_begin_immediate=True)` and take the lock first.
    immediate = conn.get_execution_options().get("sqlite_begin_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # autocommit mode in the driver; transactions are begun explicitly above
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows, skipping those whose primary key exists (both dialects)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).on_conflict_do_nothing(), list(rows))
    elif conn.dialect.name == "sqlite":
        conn.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows))
    else:  # pragma: no cover - only the two dialects are supported
        raise NotImplementedError(conn.dialect.name)


@contextmanager
def writer_connection(engine: Engine, *, checkpoint_every: float = 0.5) -> Iterator[Connection]:
    """One connection for a long run of write transactions (a harvest's pages).

    Write transactions on it begin IMMEDIATE. On a SQLite file, the connection does not
    checkpoint the WAL itself: a thread with a connection of its own does, every
    `checkpoint_every` seconds. A commit that crosses SQLite's autocheckpoint threshold
    would otherwise copy the WAL into the database and wait for its fsyncs there and
    then; the thread does that work beside the writer, which goes on writing (WAL lets
    a checkpoint and a writer run at once). The usual autocheckpoint is restored before
    the connection goes back to the pool, and a last checkpoint runs at the end.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin_immediate=True)
        if not database or database == ":memory:":
            yield conn
            return
        # on the driver's connection: through SQLAlchemy it would begin a transaction
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA wal_autocheckpoint=0")
        checkpoints = _Checkpoints(database, checkpoint_every)
        try:
            yield conn
        finally:
            checkpoints.stop()
            if conn.in_transaction():  # left open by an error: the pool would roll it back
                conn.rollback()
            raw.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")


class _Checkpoints:
    """A daemon thread that checkpoints a SQLite database's WAL (PASSIVE) now and then."""

    def __init__(self, database: str, every: float) -> None:
        self._database, self._every = database, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="wal-checkpoints")
        self._thread.start()

    def _run(self) -> None:
        # sqlite3 releases the GIL while it copies pages and waits for fsync
        conn = sqlite3.connect(self._database, timeout=30, isolation_level=None)
        try:
            while not self._stop.wait(self._every):
                self._checkpoint(conn)
            self._checkpoint(conn)
        finally:
            conn.close()

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # a busy or closing database: the next one catches up
            log.warning("WAL checkpoint failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
