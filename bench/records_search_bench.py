"""Records page search on SQLite: load N records in batches, then time searches.

    python bench/records_search_bench.py 1000000 [--pg]

Rows go into a fresh, migrated SQLite file with executemany in batches of 10,000, each
with its search text made as the store makes it (`records.search_text.index_text`; the
FTS5 triggers of migration 0014 index them as they land, as in any import). A third of
the records have a Czech place (coverage) in one of its cases. Then each query shape of
the admin's records page runs 15 times and its median and worst times are printed: rare
and common words, a two-word prefix search, an identifier, a search within a source,
sorted by title, ranked, an inflected Czech place, and a deep keyset page. `--pg` runs
the same on the PostgreSQL of OAI_TEST_POSTGRES_URL in a schema of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, text

from oai.schema import upgrade
from records.db import create_store_engine
from records.search import RecordSearch, SearchQuery
from records.search_text import index_text

BATCH = 10_000
START = 1_600_000_000
WORDS = [
    "report", "letter", "embassy", "memorandum", "minutes", "meeting", "conversation",
    "telegram", "ministry", "committee", "soviet", "cuba", "prague", "warsaw", "berlin",
    "moscow", "party", "central", "foreign", "affairs", "military", "economic", "aid",
    "delegation", "visit", "treaty", "agreement", "crisis", "missile", "intelligence",
]  # fmt: skip
PLACES = ["Praha", "Brno", "Ostrava", "Plzeň", "Olomouc", "Liberec", "České Budějovice"]
RARE = [f"{a}{b}" for a in "bcdfghklmnprstvz" for b in ("ova", "ski", "ek", "an", "er", "ov")]


def rows(n: int, seed: int = 15) -> Iterator[list[tuple[Any, ...]]]:
    """(pk, local_id, datestamp, deleted, title, content, hash, version, created_at,
    source_id, remote_identifier, search_text) in batches."""
    rnd = random.Random(seed)
    batch: list[tuple[Any, ...]] = []
    for pk in range(1, n + 1):
        words = [*rnd.choices(WORDS, k=5), rnd.choice(RARE) + str(pk % 997)]
        title = " ".join(words).capitalize() + f", {1945 + pk % 50}"
        harvested = pk % 3 == 0
        data: dict[str, Any] = {"id": f"r{pk}", "title": title, "date": {"text": "1961"}}
        if pk % 3 == 1:
            data["places"] = [PLACES[pk % len(PLACES)]]
        content = json.dumps(data)
        remote = f"oai:partner.example:{pk}" if harvested else None
        batch.append(
            (
                pk,
                f"r{pk}",
                START + pk,
                pk % 50 == 0,
                title,
                content,
                f"{pk:064x}",
                1,
                START,
                f"partner{pk % 4}" if harvested else None,
                remote,
                index_text(data, f"r{pk}", remote),
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load(engine: Engine, n: int) -> float:
    insert = text(
        "INSERT INTO records (pk, local_id, datestamp, deleted, title, content, content_hash,"
        " version, created_at, source_id, remote_identifier, search_text) VALUES (:pk, :local_id,"
        " :ds, :deleted, :title, :content, :hash, :version, :created, :source, :remote, :words)"
    )
    keys: tuple[str, ...] = ("pk", "local_id", "ds", "deleted", "title", "content", "hash")
    keys += ("version", "created", "source", "remote", "words")
    started = time.perf_counter()
    for batch in rows(n):
        with engine.begin() as conn:
            conn.execute(insert, [dict(zip(keys, row, strict=True)) for row in batch])
    return time.perf_counter() - started


def timed(search: RecordSearch, query: SearchQuery, repeat: int = 15) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        page = search.page(query)
        times.append(time.perf_counter() - started)
        found = len(page.rows)
    return statistics.median(times) * 1000, max(times) * 1000, found


def queries(n: int) -> dict[str, SearchQuery]:
    return {
        "no search, newest first": SearchQuery(),
        "no search, by title": SearchQuery(sort="title"),
        "rare word (kova12)": SearchQuery(text="kova12"),
        "common word (report)": SearchQuery(text="report"),
        "common word, by title": SearchQuery(text="report", sort="title"),
        "word and prefix (embassy sov)": SearchQuery(text="embassy sov"),
        "no match (zzzzq)": SearchQuery(text="zzzzq"),
        "rare word, ranked": SearchQuery(text="kova12", sort="relevance"),
        "common word, ranked": SearchQuery(text="report", sort="relevance"),
        "Czech place (Plzni)": SearchQuery(text="Plzni"),
        "Czech place, ranked (v Budějovicích)": SearchQuery(
            text="v Budějovicích", sort="relevance"
        ),
        "two words, ranked (sov cuba)": SearchQuery(text="cuba sov", sort="relevance"),
        "identifier r{n/2}": SearchQuery(text=f"r{n // 2}"),
        "partner identifier": SearchQuery(text=f"oai:partner.example:{(n // 3) * 3}"),
        "word + source partner1": SearchQuery(text="missile", source_id="partner1"),
        "deleted only": SearchQuery(deleted=True),
        "deep page (after pk n/2)": SearchQuery(text="report", after=n // 2),
    }


def run(label: str, engine: Engine, n: int) -> None:
    upgrade(engine)
    seconds = load(engine, n)
    print(f"{label}: loaded {n:,} records in {seconds:.1f} s ({n / seconds:,.0f} records/s)")
    search = RecordSearch(engine)
    worst = 0.0
    for name, query in queries(n).items():
        median, slowest, found = timed(search, query)
        worst = max(worst, median)
        order = search.page(query).order
        print(
            f"  {name:30s} median {median:8.2f} ms   max {slowest:8.2f} ms   rows {found:3d}"
            f"   {order}"
        )
    method = search.page(SearchQuery(text="x")).full_text
    print(f"  full text by {method}; slowest median {worst:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="also PostgreSQL")
    args = parser.parse_args()
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((ln.split(":", 1)[1].strip() for ln in info if "model name" in ln), "")
    except OSError:
        pass
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(
        f"records search benchmark, {args.n:,} records; {platform.machine()} {cpu}, "
        f"{os.cpu_count()} cores, SQLite {__import__('sqlite3').sqlite_version}, "
        f"load {load_avg:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_store_engine(f"sqlite:///{tmp}/search.sqlite")
        run("sqlite", engine, args.n)
        engine.dispose()
    if args.pg:
        url = os.environ.get(
            "OAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        schema = f"bench_search_{os.getpid()}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            engine = create_store_engine(f"{url}?options=-csearch_path%3D{schema}")
            run("postgresql", engine, args.n)
            engine.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
