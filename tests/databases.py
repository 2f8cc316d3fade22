"""Databases for the tests: the Alembic history runs once per session, not once per test.

Running every migration takes 0.3-0.8 s on either database, and almost every test wants
a database at head and nothing else. So:

- SQLite: the history runs once, into a template file; a test gets a copy of that file
  (`migrated_sqlite`, or `prepare` for a file named by a URL). A copy is byte for byte
  what the migrations made: the same tables, triggers, indexes and rows.
- PostgreSQL (`PostgresSchemas`): the history runs once into a template schema and once
  into a working schema. A test gets the working schema; after the test it is put back
  to the template's state: tables the test added (APScheduler's job store) dropped, every
  table's rows deleted (triggers and foreign keys off meanwhile, as
  `session_replication_role = replica` does), the template's own rows (the Alembic
  version, the list counts) copied back, and every sequence set to the template's. A
  schema that differs from the template in any other way (a test that migrated it up or
  down, Procrastinate's functions), or that a connection of the test still uses, is not
  reset: it is dropped and a new one is migrated. Without superuser rights (needed for
  `session_replication_role`) each test gets a newly migrated schema, as before.

Tests that are about migrating use an empty database (`empty_database_url`).
"""

from __future__ import annotations

import atexit
import functools
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from oai.hub import Hub
from oai.schema import MIGRATIONS, current_revision, upgrade
from oai.settings import Settings
from records.db import create_store_engine

__all__ = [
    "PostgresSchemas",
    "contents",
    "hub_at_head",
    "migrated_sqlite",
    "prepare",
    "sqlite_url",
    "unchanged",
]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@functools.cache
def _sqlite_template() -> Path:
    """A SQLite file at head, made once per process (each xdist worker has its own)."""
    folder = Path(tempfile.mkdtemp(prefix="oaihub-test-template-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "template.sqlite"
    engine = create_store_engine(sqlite_url(path))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    # the WAL folded into the file, so that the file alone is the whole database
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    return path


def migrated_sqlite(path: Path) -> str:
    """Put a SQLite database at head at `path` (a copy of the template); its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template(), path)
    return sqlite_url(path)


def prepare(url: str) -> str:
    """A SQLite file named by `url` that does not exist yet becomes a database at head;
    any other URL is left alone (the hub's own migration then does what is left)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        if not path.exists():
            migrated_sqlite(path)
    return url


@functools.cache
def head_revision() -> str:
    """The newest revision of the Alembic history."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def hub_at_head(settings: Settings) -> Hub:
    """`Hub.from_settings(settings, migrate=True)` for the tests: a new SQLite file starts
    as a copy of the template, and Alembic runs only on a database not at head already
    (it would change nothing there, but loading the history takes 30-70 ms)."""
    prepare(settings.database_url)
    hub = Hub.from_settings(settings)
    if current_revision(hub.engine) != head_revision():
        upgrade(hub.engine)
    return hub


def contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return {
            table: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr
            )
            for table in tables
        }


@contextmanager
def unchanged(engine: Engine) -> Iterator[None]:
    """Fails when the body changed any row: for tests that share a database they only
    read (a module-scoped fixture fills it once)."""
    before = contents(engine)
    yield
    after = contents(engine)
    changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
    assert not changed, f"a test changed the shared read-only database: {changed}"


# the objects of a schema, written without the schema's name, for comparing two schemas
_OBJECTS = """
SELECT 'rel ' || c.relkind::text || ' ' || c.relname::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s
UNION ALL
SELECT 'col ' || c.relname::text || '.' || a.attname::text
       || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
       || coalesce(replace(pg_get_expr(d.adbin, d.adrelid), :prefix, ''), '')
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = :s AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'con ' || c.conname::text || ' ' || replace(pg_get_constraintdef(c.oid), :prefix, '')
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = :s
UNION ALL
SELECT 'idx ' || replace(pg_get_indexdef(i.indexrelid), :prefix, '')
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :s
UNION ALL
SELECT 'trg ' || replace(pg_get_triggerdef(t.oid), :prefix, '')
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :s AND NOT t.tgisinternal
UNION ALL
SELECT 'fun ' || p.proname::text || ' ' || md5(replace(p.prosrc, :prefix, ''))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s
UNION ALL
SELECT 'typ ' || t.typname::text
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = :s
"""

# connections of the test still at work in the schema, or holding an advisory lock (the
# scheduler's is named after the schema): it cannot be reset under them
_BUSY = """
SELECT count(*) FROM pg_stat_activity a
 WHERE a.application_name = :app AND a.pid <> pg_backend_pid()
   AND (a.state <> 'idle'
        OR EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'))
"""


class PostgresSchemas:
    """Schemas at head in the test PostgreSQL: one per test, reset after it."""

    def __init__(self, base_url: str) -> None:
        self._base = base_url
        self._admin = create_engine(base_url)
        self._names = (f"t_{os.getpid()}_{n}" for n in itertools.count())
        self._made: list[str] = []
        self._free: list[str] = []
        with self._admin.connect() as conn:
            self._resets = conn.execute(text("SELECT current_setting('is_superuser')")).scalar()
        self._template = self._migrated()
        with self._admin.connect() as conn:
            self._objects = self._objects_of(conn, self._template)
            self._tables = self._names_of(conn, "r")
            self._sequences = self._names_of(conn, "S")
            self._filled = [t for t in self._tables if self._has_rows(conn, t)]

    # -- handing schemas out --------------------------------------------------------------

    def url(self, schema: str) -> str:
        sep = "&" if "?" in self._base else "?"
        return f"{self._base}{sep}options=-csearch_path%3D{schema}&application_name={schema}"

    def checkout(self) -> str:
        """The URL of a schema at head that no other test is using."""
        schema = self._free.pop() if self._free else self._migrated()
        return self.url(schema)

    def checkin(self, url: str) -> None:
        """The test is done with the schema: reset it for the next test, or drop it."""
        schema = make_url(url).query["application_name"]
        assert isinstance(schema, str)
        if self._resets == "on" and self._reset(schema):
            self._free.append(schema)
        else:
            self._drop(schema)

    def empty(self) -> str:
        """A new schema with nothing in it (drop it with `drop`)."""
        schema = next(self._names)
        self._made.append(schema)
        with self._admin.begin() as conn:  # a name left by a crashed run of the same pid
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return schema

    def drop(self, schema: str) -> None:
        self._drop(schema)

    def close(self) -> None:
        for schema in list(self._made):
            self._drop(schema)
        self._admin.dispose()

    # -- making and resetting -------------------------------------------------------------

    def _migrated(self) -> str:
        schema = self.empty()
        engine = create_store_engine(self.url(schema))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        return schema

    def _reset(self, schema: str) -> bool:
        """Put the schema back to the template's state; False where that cannot be done."""
        try:
            with self._admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                if conn.execute(text(_BUSY), {"app": schema}).scalar():
                    return False
                if not self._same_objects(conn, schema):
                    return False
                self._restore(conn, schema)
        except Exception:  # a lock not given up in time: a new schema is safer
            return False
        return True

    def _restore(self, conn: Connection, schema: str) -> None:
        """The template's rows and sequences in place of the test's (in one transaction)."""
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in self._tables:
            conn.execute(text(f'DELETE FROM "{schema}"."{table}"'))
        for table in self._filled:
            copy = f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{self._template}"."{table}"'
            conn.execute(text(copy))
        for sequence in self._sequences:
            name = f'"{schema}"."{sequence}"'
            source = f'"{self._template}"."{sequence}"'
            conn.execute(text(f"SELECT setval('{name}', last_value, is_called) FROM {source}"))

    def _same_objects(self, conn: Connection, schema: str) -> bool:
        """True when the schema has the template's objects, once tables the test made
        (APScheduler's job store) are dropped."""
        found = self._objects_of(conn, schema)
        if found == self._objects:
            return True
        extra = {o.split(" ", 2)[2] for o in found - self._objects if o.startswith("rel r ")}
        for table in extra:
            conn.execute(text(f'DROP TABLE "{schema}"."{table}" CASCADE'))
        return bool(extra) and self._objects_of(conn, schema) == self._objects

    def _objects_of(self, conn: Connection, schema: str) -> frozenset[str]:
        rows = conn.execute(text(_OBJECTS), {"s": schema, "prefix": f"{schema}."})
        return frozenset(str(row[0]) for row in rows)

    def _names_of(self, conn: Connection, kind: str) -> list[str]:
        query = text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind = :k ORDER BY c.relname"
        )
        return [
            str(name) for name in conn.execute(query, {"s": self._template, "k": kind}).scalars()
        ]

    def _has_rows(self, conn: Connection, table: str) -> bool:
        query = text(f'SELECT EXISTS (SELECT 1 FROM "{self._template}"."{table}")')
        return bool(conn.execute(query).scalar())

    def _drop(self, schema: str) -> None:
        if schema in self._free:
            self._free.remove(schema)
        try:
            with self._admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '30s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except Exception:  # still locked by a stray connection: the server keeps it
            return
        self._made.remove(schema)

    @property
    def engine(self) -> Engine:
        return self._admin


@contextmanager
def fresh_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own, empty (no migrations), dropped afterwards: for
    tests whose processes install more than the hub's tables (the job queue's)."""
    schema = f"w_{os.getpid()}_{next(_FRESH)}_{os.urandom(3).hex()}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


_FRESH = itertools.count()
