"""`writer_connection`: a long run of writes whose WAL checkpoints happen beside it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from records.db import AUTOCHECKPOINT_PAGES, create_store_engine, writer_connection


def _autocheckpoint(conn: object) -> int:
    raw = conn.connection.dbapi_connection  # type: ignore[attr-defined]
    return int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def _write_pages(conn: object, pages: int, rows: int = 50) -> None:
    for page in range(pages):
        with conn.begin():  # type: ignore[attr-defined]
            conn.execute(  # type: ignore[attr-defined]
                text("INSERT INTO t (page, body) VALUES (:page, :body)"),
                [{"page": page, "body": "x" * 2000} for _ in range(rows)],
            )


def test_sqlite_writer_leaves_checkpoints_to_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    engine = create_store_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, page INT, body TEXT)"))
    with writer_connection(engine, checkpoint_every=0.05) as conn:
        assert _autocheckpoint(conn) == 0
        assert not conn.in_transaction()  # setting it up began nothing
        _write_pages(conn, 40)  # ~4 MB: past SQLite's own threshold of 1000 pages
        deadline = time.monotonic() + 10
        while path.stat().st_size < 3_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        # the database file holds the pages: the thread checkpointed them
        assert path.stat().st_size >= 3_000_000
    with engine.connect() as conn:
        # back in the pool with SQLite's usual threshold
        assert _autocheckpoint(conn) == AUTOCHECKPOINT_PAGES
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 40 * 50
    # after the run, the WAL holds nothing that is not in the database
    with sqlite3.connect(path) as raw:
        busy, frames, done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, frames) == (0, done)
    engine.dispose()


def test_sqlite_writer_begins_immediate_so_a_second_writer_waits(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, page INT, body TEXT)"))
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with engine.execution_options(sqlite_begin_immediate=True).begin() as other:
                other.execute(text("INSERT INTO t (page, body) VALUES (-1, 'other')"))
        except BaseException as exc:
            errors.append(exc)

    with writer_connection(engine) as conn:
        with conn.begin():
            # the lock is taken at BEGIN: read, let the other writer try, then write
            conn.execute(text("SELECT count(*) FROM t")).scalar_one()
            thread = threading.Thread(target=other_writer)
            thread.start()
            time.sleep(0.2)
            conn.execute(text("INSERT INTO t (page, body) VALUES (0, 'mine')"))
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()


def test_writer_connection_rolls_back_what_an_error_left_open(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, page INT, body TEXT)"))

    def killed_mid_page() -> None:
        with writer_connection(engine) as conn:
            conn.begin()
            conn.execute(text("INSERT INTO t (page, body) VALUES (0, 'lost')"))
            raise RuntimeError("killed mid-page")

    with pytest.raises(RuntimeError):
        killed_mid_page()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
        assert _autocheckpoint(conn) == AUTOCHECKPOINT_PAGES
    engine.dispose()


def test_postgres_writer_is_a_plain_connection(postgres_url: str) -> None:
    engine = create_store_engine(postgres_url)
    with writer_connection(engine) as conn, conn.begin():
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()
