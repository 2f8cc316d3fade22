"""Engines and migrations: SQLite by default (WAL, foreign keys), PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

__all__ = ["create_store_engine", "current_revision", "insert_ignore", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


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


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` (Alembic)."""
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if value is None else str(value)


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
