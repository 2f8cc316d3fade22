"""Store benchmark: import N generated records, then time keyset pages at depth.

    .venv/bin/python bench/store_bench.py [N] [--postgres URL] [--sqlite-only]

For SQLite (a fresh file) and PostgreSQL (a fresh schema in the test database), prints
import throughput in records/s and the median time of the first page and of a page
90% deep (100 records a page with their oai_dc XML, read by the store's listing from a
cursor as a resumption token would give it). Figures depend on the machine; compare
the ratio deep/first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oai.schema import upgrade
from records.db import create_store_engine
from records.listing import Cursor, Selection
from records.model import Record
from records.store import Rendering, Store

PAGE = 100
T0 = datetime(2020, 1, 1, tzinfo=UTC)


def generate(n: int) -> Iterator[Record]:
    for i in range(n):
        yield Record.from_dict(
            {
                "id": f"gen-{i:07d}",
                "title": f"Generated document {i}",
                "date": {
                    "text": str(1900 + i % 100),
                    "start": str(1900 + i % 100),
                    "precision": "year",
                },
                "summary": "A generated record for the store benchmark. " * 3,
                "creators": [{"name": f"Author {i % 997}", "kind": "person"}],
                "subjects": ["Cold War", f"Subject {i % 50}"],
                "languages": ["eng"],
                "collections": [{"spec": f"bench:c{i % 10}"}],
            }
        )


def renderer(record: Record) -> dict[str, Rendering]:
    return {"oai_dc": (f"<dc>{record.title}</dc>".encode(), "bench")}


def import_all(store: Store, n: int, batch: int = 1000) -> float:
    started = time.perf_counter()
    chunk: list[Record] = []
    for i, record in enumerate(generate(n)):
        chunk.append(record)
        if len(chunk) == batch:
            # one second per batch keeps datestamps spread like a real history
            store.put_many(chunk, renderer=renderer, now=T0 + timedelta(seconds=i // batch))
            chunk = []
    if chunk:
        store.put_many(chunk, renderer=renderer, now=T0 + timedelta(seconds=n))
    return n / (time.perf_counter() - started)


def cursor_at(store: Store, position: int) -> Cursor | None:
    """The cursor a harvester holds after `position` records (walked once, not timed)."""
    if position == 0:
        return None
    after: Cursor | None = None
    remaining = position
    while remaining:
        step = min(remaining, 5000)
        page = store.listing.page(Selection(), after, step)
        after, remaining = page[-1].cursor, remaining - step
    return after


def time_page(store: Store, after: Cursor | None, repeat: int = 25) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        page = store.listing.page(Selection(prefix="oai_dc"), after, PAGE, xml=True)
        times.append(time.perf_counter() - started)
        assert len(page) == PAGE
    return statistics.median(times)


def run(label: str, url: str, n: int) -> None:
    engine = create_store_engine(url)
    upgrade(engine)
    store = Store(engine)
    rate = import_all(store, n)
    if engine.dialect.name == "postgresql":
        # as autovacuum would after a bulk load: with statistics taken mid-import the
        # planner may sort a whole table to merge-join a 100-row page
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    first = time_page(store, None)
    # 90% deep, or the last full page of a small N
    deep = time_page(store, cursor_at(store, min(int(n * 0.9), max(n - PAGE, 0))))
    in_set = Selection(prefix="oai_dc", set_spec="bench:c3")
    started = time.perf_counter()
    store.listing.page(in_set, None, PAGE, xml=True)
    set_page = time.perf_counter() - started
    print(
        f"{label:10s} import {rate:8.0f} records/s | first page {first * 1000:6.2f} ms | "
        f"90% page {deep * 1000:6.2f} ms (x{deep / first:.2f}) | set page {set_page * 1000:.2f} ms"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "OAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"store benchmark: {args.n} records, {PAGE} a page; {machine}")
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.sqlite", args.n)
    if args.sqlite_only:
        return
    schema = f"bench_{os.getpid()}"
    admin = create_engine(args.postgres)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        run("postgresql", f"{args.postgres}?options=-csearch_path%3D{schema}", args.n)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
