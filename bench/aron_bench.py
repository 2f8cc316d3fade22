"""ARON benchmark: sweep N entities from the fake ARON portal into a fresh store.

    python bench/aron_bench.py N [--api old|v1|both] [--harvest-workers 2] [--keep DIR]

Starts the fake portal (`python -m oai.demo.aron`, N generated entities with Czech text)
in a process of its own on 127.0.0.1, and for each API asked for harvests it with
`run_harvest` into a fresh SQLite store: the old API (`/aron/api/aron`: listview pages,
IDS batches of 100) or ARON 2.0's (`/aron/api/v1`: search pages under the window, one
detail a unit), two requests in flight, no pause. Prints entities/s end to end (list,
fetch, hash, crosswalk, reconcile, store, render), requests and bytes received (bodies,
after gzip decoding); then sweeps again without a change and prints the same for that
sweep (on v1 mostly 304s), and that it wrote nothing.
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
from oai.harvest.runlog import RunLog  # noqa: E402
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


PATHS = {"old": "/aron/api/aron", "v1": "/aron/api/v1"}


def transfer(hub: Hub, run_id: int) -> tuple[int, int]:
    """(requests, body bytes) of one run."""
    info = RunLog(hub.engine).runs.get(run_id)
    assert info is not None
    return info.requests, info.bytes


def sweep_twice(n: int, url: str, work: Path, harvest_workers: int, api: str) -> None:
    settings = load_settings(
        env={}, overrides={"data_dir": str(work), "harvest.workers": harvest_workers}
    )
    source = SourceSettings(id="nacr", base_url=url, kind="aron", pause_seconds=0.0)
    with Hub.from_settings(settings.with_sources((source,)), migrate=True) as hub:
        cpu, busy, started = own_cpu(), machine_busy(), time.perf_counter()
        result = run_harvest(hub, "nacr")
        took = time.perf_counter() - started
        cpu, busy = own_cpu() - cpu, machine_busy() - busy
        assert result.status == "ok", result.message
        assert result.counts.added == n, result.counts
        requests, received = transfer(hub, result.run_id)
        full = n / took
        print(
            f"[{api}] full sweep: {n:,} entities in {took:.2f}s = {n / took:,.0f} entities/s "
            f"end to end ({result.pages} batches, {requests:,} requests, {received:,} bytes)"
        )
        print(
            f"[{api}] CPU per entity: harvesting process and its workers {cpu * 1e6 / n:.0f} us;"
            f" whole machine {busy * 1e6 / n:.0f} us (the portal and anything else "
            f"running included) on {os.cpu_count()} cores"
        )
        before = snapshot(hub)
        started = time.perf_counter()
        again = run_harvest(hub, "nacr")
        took = time.perf_counter() - started
        after = snapshot(hub)
        assert again.counts.unchanged == n and again.counts.changed == 0, again.counts
        wrote = "wrote nothing" if after == before else f"WROTE: {before} -> {after}"
        requests2, received2 = transfer(hub, again.run_id)
        share = received2 / received if received else 0.0
        print(
            f"[{api}] no-change sweep: {took:.2f}s ({n / took:,.0f} entities/s), {wrote} "
            f"({after[0]:,} records, {after[1]:,} versions); {requests2:,} requests, "
            f"{received2:,} bytes ({share:.1%} of the full sweep's); the full sweep ran at "
            f"{full / (n / took):.0%} of its rate"
        )


def run(n: int, work: Path, harvest_workers: int, apis: list[str]) -> None:
    port = free_port()
    started = time.perf_counter()
    portal = start_portal(port, n)
    print(f"fake ARON portal with {n:,} entities up in {time.perf_counter() - started:.1f}s")
    try:
        for api in apis:
            url = f"http://127.0.0.1:{port}{PATHS[api]}"
            sweep_twice(n, url, work / api, harvest_workers, api)
    finally:
        portal.terminate()
        portal.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--api", choices=("old", "v1", "both"), default="both")
    parser.add_argument("--harvest-workers", type=int, default=2, help="harvest.workers")
    parser.add_argument("--keep", type=Path, help="Work in DIR and keep it.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="aron-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        apis = ["old", "v1"] if args.api == "both" else [args.api]
        run(args.n, work, args.harvest_workers, apis)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
