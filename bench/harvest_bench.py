"""Harvester benchmark: N records from the project's own provider into a fresh store.

    python bench/harvest_bench.py N [--workers 2] [--prefix oai_dc] [--keep DIR]

Generates N records into a partner SQLite store (oai_dc rendered by the real crosswalk),
serves it as in production (`oai serve`: gunicorn, 100 records a page), then harvests it
with `run_harvest` into a fresh SQLite store and prints records/s end to end (fetch,
parse, crosswalk, reconcile, store, render) and the time of a no-change incremental run.
As a yardstick it then runs a bare fetch-and-parse loop with Sickle over the same
provider (every record's metadata read into a dict, nothing stored) and prints the
harvest's rate as a share of that loop's.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import (  # noqa: E402
    bulk_insert,
    free_port,
    generated_form,
    machine_busy,
    provider_env,
    start_provider,
)

from crosswalks import default_registry  # noqa: E402
from oai.harvest import run_harvest  # noqa: E402
from oai.hub import Hub  # noqa: E402
from oai.settings import SourceSettings, load_settings  # noqa: E402
from records.model import Record, canonical_json, content_hash  # noqa: E402

T0 = 1_600_000_000


def generate(db: Path, n: int) -> None:
    """N records straight into the partner's tables, with their oai_dc rendered."""
    dc = default_registry().get("oai_dc")
    assert dc.write is not None
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO sets (spec, name, description) VALUES (?, ?, NULL)",
        [("coll", "coll")] + [(f"coll:{k}", f"Collection {k}") for k in range(10)],
    )
    for start in range(0, n, 20_000):
        recs, sets, rendered = [], [], []
        for i in range(start, min(n, start + 20_000)):
            form = generated_form(i)
            record = Record.from_dict(form)
            pk, stamp = i + 1, T0 + i
            content = canonical_json(record.content())
            digest = content_hash(record)
            recs.append((pk, f"g{i}", stamp, 0, record.title, content, digest, 1, stamp))
            sets += [("coll", pk, stamp, 0), (f"coll:{i % 10}", pk, stamp, 1)]
            rendered.append((pk, "oai_dc", dc.write(form), dc.version))
        bulk_insert(conn, recs, sets, rendered)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def own_cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its waited-for children (the pool workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def sickle_loop(url: str, prefix: str) -> tuple[int, float, float]:
    """Records, seconds and machine CPU seconds of a bare Sickle ListRecords loop."""
    from sickle import Sickle

    count, started, busy = 0, time.perf_counter(), machine_busy()
    for record in Sickle(url, timeout=60).ListRecords(metadataPrefix=prefix):
        count += 1
        record.metadata  # noqa: B018 - parsed into a dict on first access
    return count, time.perf_counter() - started, machine_busy() - busy


def breakdown(url: str, prefix: str, pages: int = 20) -> None:
    """CPU per record of each stage, in this process, over the first pages of the list."""
    from oai.harvest.client import Client, ClientConfig
    from oai.harvest.parse import parse_list_records

    registry = default_registry()
    reader = registry.get(prefix).read
    assert reader is not None
    client = Client(ClientConfig())
    bodies, params = [], {"verb": "ListRecords", "metadataPrefix": prefix}
    for _ in range(pages):
        body = client.get(url, params).body
        bodies.append(body)
        page = parse_list_records(body)
        if page.token is None:
            break
        params = {"verb": "ListRecords", "resumptionToken": page.token.value}
    clock = time.process_time
    t0 = clock()
    parsed = [parse_list_records(b) for b in bodies]
    t1 = clock()
    items = [r for p in parsed for r in p.items("bench")]
    t1b = clock()
    forms = [reader(r.element) for r in items if r.element is not None]
    t2 = clock()
    records = [Record.from_dict({**f[0], "id": f"x{i}"}) for i, f in enumerate(forms)]
    t3 = clock()
    per_format = {}
    dicts = [r.to_dict() for r in records]
    for fmt in registry.outbound():
        assert fmt.write is not None
        start = clock()
        for data in dicts:
            fmt.write(data)
        per_format[fmt.prefix] = clock() - start
    n = len(records)
    us = 1e6 / n
    print(
        f"CPU per record over {n} records: parse page {(t1 - t0) * us:.0f} us, "
        f"cut into items {(t1b - t1) * us:.0f} us, crosswalk {prefix} {(t2 - t1b) * us:.0f} us, "
        f"Record.from_dict {(t3 - t2) * us:.0f} us, "
        f"render "
        + ", ".join(f"{k} {v * us:.0f}" for k, v in per_format.items())
        + f" us (all formats {sum(per_format.values()) * us:.0f} us)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--prefix", default="oai_dc")
    parser.add_argument("--harvest-workers", type=int, default=2, help="harvest.workers")
    parser.add_argument("--keep", type=Path, help="Work in DIR and keep it.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args.n, work, args.workers, args.prefix, args.harvest_workers)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def run(n: int, work: Path, workers: int, prefix: str, harvest_workers: int) -> None:
    partner_db = work / "partner.sqlite"
    partner_db.unlink(missing_ok=True)
    base = {
        "secret_key": "harvest-bench",
        "repository.rate_limit_per_minute": 0,
        "repository.max_concurrent_lists": 64,
    }
    settings = load_settings(
        env={},
        overrides={
            **base,
            "database_url": f"sqlite:///{partner_db}",
            "data_dir": str(work / "partner"),
        },
    )
    Hub.from_settings(settings, migrate=True).close()
    started = time.perf_counter()
    generate(partner_db, n)
    print(f"generated {n:,} partner records in {time.perf_counter() - started:.1f}s")
    port = free_port()
    env = provider_env(partner_db, work / "partner", "harvest-bench")
    server = start_provider(env, port, workers)
    try:
        rate = harvest(n, work, f"http://127.0.0.1:{port}/oai", prefix, harvest_workers)
        count, took, busy = sickle_loop(f"http://127.0.0.1:{port}/oai", prefix)
        print(
            f"yardstick, a bare Sickle fetch-and-parse loop: {count:,} records in {took:.2f}s "
            f"= {count / took:,.0f} records/s, machine CPU {busy * 1e6 / count:.0f} us per "
            f"record; the harvest ran at {rate / (count / took):.0%} of its rate"
        )
        breakdown(f"http://127.0.0.1:{port}/oai", prefix)
    finally:
        server.terminate()
        server.wait(timeout=30)


def harvest(n: int, work: Path, url: str, prefix: str, workers: int) -> float:
    """Harvest N records into a fresh store; the full harvest's records/s."""
    hub_db = work / "hub.sqlite"
    for path in work.glob("hub.sqlite*"):
        path.unlink()
    settings = load_settings(
        env={},
        overrides={
            "database_url": f"sqlite:///{hub_db}",
            "data_dir": str(work / "hub"),
            "secret_key": "hub",
            "harvest.workers": workers,
        },
    ).with_sources((SourceSettings(id="bench", base_url=url, metadata_prefix=prefix),))
    with Hub.from_settings(settings, migrate=True) as hub:
        started, busy, (main0, pool0) = time.perf_counter(), machine_busy(), own_cpu()
        first = run_harvest(hub, "bench")  # its worker pool is shut down (waited for) at the end
        took, busy = time.perf_counter() - started, machine_busy() - busy
        rate = n / took
        main, pool = own_cpu()
        main, pool = main - main0, pool - pool0
        assert first.status == "ok", first.message
        assert first.counts.added == n, first.counts
        print(
            f"full harvest: {n:,} records in {took:.2f}s = {rate:,.0f} records/s "
            f"end to end ({first.pages} pages, {prefix})"
        )
        us = 1e6 / n
        print(
            f"CPU per record: harvesting process {main * us:.0f} us, its worker pool "
            f"{pool * us:.0f} us; whole machine {busy * us:.0f} us (provider and anything "
            f"else running included) on {os.cpu_count()} cores = {busy / took:.2f} cores "
            f"busy; at full use of every core that CPU allows "
            f"{(os.cpu_count() or 1) / busy * n:,.0f} records/s"
        )
        started = time.perf_counter()
        second = run_harvest(hub, "bench")
        took = time.perf_counter() - started
        assert second.status == "ok", second.message
        assert second.counts.changed == 0, second.counts
        print(
            f"no-change incremental run: {took:.3f}s "
            f"({second.counts.unchanged} unchanged in the overlap window)"
        )
    return rate


if __name__ == "__main__":
    main()
