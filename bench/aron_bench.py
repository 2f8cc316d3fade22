"""ARON benchmark: sweep N entities from the fake ARON portal into a fresh store.

    python bench/aron_bench.py N [--harvest-workers 2] [--keep DIR]

Starts the fake portal (`python -m oai.demo.aron`, N generated entities with Czech text)
in a process of its own on 127.0.0.1, harvests it with `run_harvest` (an `aron` source:
listview pages, IDS batches of 100, two requests in flight, no pause) into a fresh
SQLite store and prints entities/s end to end (list, fetch, hash, crosswalk, reconcile,
store, render); then sweeps again without a change and prints that sweep's time and
that it wrote nothing (no record, version or datestamp changed).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import free_port, machine_busy  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from oai.harvest import run_harvest  # noqa: E402
from oai.hub import Hub  # noqa: E402
from oai.settings import SourceSettings, load_settings  # noqa: E402
from records import tables as t  # noqa: E402


def own_cpu() -> float:
    """CPU seconds of this process and its waited-for children (the pool workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def start_portal(port: int, n: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "oai.demo.aron", "--port", str(port), "--count", str(n)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # printed once it is listening
    if "entities" not in line:
        process.kill()
        raise SystemExit(f"the fake portal did not start: {line!r}")
    return process


def snapshot(hub: Hub) -> tuple[int, int, object, int]:
    """(records, versions, newest datestamp, sum of versions): what a write would move."""
    with hub.engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(t.records)).scalar_one()
        versions = conn.execute(select(func.count()).select_from(t.record_versions)).scalar_one()
        newest = conn.execute(select(func.max(t.records.c.datestamp))).scalar_one()
        total = conn.execute(select(func.sum(t.records.c.version))).scalar_one()
    return int(records), int(versions), newest, int(total or 0)


def run(n: int, work: Path, harvest_workers: int) -> None:
    port = free_port()
    started = time.perf_counter()
    portal = start_portal(port, n)
    print(f"fake ARON portal with {n:,} entities up in {time.perf_counter() - started:.1f}s")
    try:
        settings = load_settings(
            env={},
            overrides={"data_dir": str(work / "hub"), "harvest.workers": harvest_workers},
        )
        url = f"http://127.0.0.1:{port}/aron/api/aron"
        source = SourceSettings(id="nacr", base_url=url, kind="aron", pause_seconds=0.0)
        with Hub.from_settings(settings.with_sources((source,)), migrate=True) as hub:
            cpu, busy, started = own_cpu(), machine_busy(), time.perf_counter()
            result = run_harvest(hub, "nacr")
            took = time.perf_counter() - started
            cpu, busy = own_cpu() - cpu, machine_busy() - busy
            assert result.status == "ok", result.message
            assert result.counts.added == n, result.counts
            full = n / took
            print(
                f"full sweep: {n:,} entities in {took:.2f}s = {full:,.0f} entities/s "
                f"end to end ({result.pages} batches)"
            )
            print(
                f"CPU per entity: harvesting process and its workers {cpu * 1e6 / n:.0f} us; "
                f"whole machine {busy * 1e6 / n:.0f} us (the portal and anything else "
                f"running included) on {os.cpu_count()} cores"
            )
            before = snapshot(hub)
            started = time.perf_counter()
            again = run_harvest(hub, "nacr")
            took = time.perf_counter() - started
            after = snapshot(hub)
            assert again.counts.unchanged == n and again.counts.changed == 0, again.counts
            wrote = "wrote nothing" if after == before else f"WROTE: {before} -> {after}"
            print(
                f"no-change sweep: {took:.2f}s ({n / took:,.0f} entities/s), {wrote} "
                f"({after[0]:,} records, {after[1]:,} versions); the full sweep ran at "
                f"{full / (n / took):.0%} of its rate"
            )
    finally:
        portal.terminate()
        portal.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--harvest-workers", type=int, default=2, help="harvest.workers")
    parser.add_argument("--keep", type=Path, help="Work in DIR and keep it.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="aron-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args.n, work, args.harvest_workers)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
