"""Import benchmark: `oai records import` of an OAI-PMH ListRecords dump, streamed.

    .venv/bin/python bench/import_bench.py [N] [--postgres URL] [--sqlite-only] [--big M]

Writes a ListRecords response of N benchmark records (oai_dc, the records the peers of
the harvest benchmark serve) and imports it with the `oai` command into a fresh SQLite
file and a fresh PostgreSQL schema, printing records/s, the CPU per record and the peak
memory of the importing process (PostgreSQL's own CPU is not in it), and the import's
rate as a share of a bare read of the same dump in this process (parse, cut, crosswalk
into record forms: nothing rendered, nothing stored). `--big M` also imports a dump of
M records into SQLite, to show that memory does not grow with the file. The machine
is noted; figures are noisy on a shared machine: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import generated_form

from crosswalks import default_registry

OAI = "http://www.openarchives.org/OAI/2.0/"
ROOT = Path(__file__).resolve().parents[1]


def write_dump(path: Path, n: int) -> int:
    """A ListRecords response of n records; its size in bytes."""
    dc = default_registry().get("oai_dc")
    assert dc.write is not None
    with path.open("wb") as out:
        out.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{OAI}">'
            "<responseDate>2024-01-01T00:00:00Z</responseDate>"
            '<request verb="ListRecords">http://127.0.0.1/oai</request><ListRecords>'.encode()
        )
        for i in range(n):
            out.write(
                f"<record><header><identifier>oai:bench:{i}</identifier>"
                f"<datestamp>2024-01-01T00:00:00Z</datestamp></header><metadata>".encode()
            )
            out.write(dc.write(generated_form(i)))
            out.write(b"</metadata></record>\n")
        out.write(b"</ListRecords></OAI-PMH>\n")
    return path.stat().st_size


def bare_read(dump: Path) -> tuple[int, float]:
    """Records and seconds of a bare read of the dump: the yardstick of the import."""
    from lxml import etree

    dc = default_registry().get("oai_dc")
    assert dc.read is not None
    started, count = time.perf_counter(), 0
    for _event, element in etree.iterparse(str(dump), tag=f"{{{OAI}}}record"):
        metadata = element.find(f"{{{OAI}}}metadata")
        if metadata is not None and len(metadata):
            dc.read(metadata[0])
            count += 1
        element.clear()
    return count, time.perf_counter() - started


def run_import(
    dump: Path, database_url: str, data_dir: Path, workers: int
) -> tuple[float, int, str, float]:
    """(seconds, peak KiB of the child, last line of its output, its CPU seconds) of
    one import."""
    env = dict(os.environ)
    env.update(
        {
            "OAI_DATABASE_URL": database_url,
            "OAI_DATA_DIR": str(data_dir),
            "OAI_CONFIG": "",
        }
    )
    oai = Path(sys.executable).with_name("oai")
    subprocess.run([str(oai), "db", "upgrade"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    child = subprocess.Popen(
        [str(oai), "records", "import", "--no-progress", "--workers", str(workers), str(dump)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"import failed ({child.returncode}): {output}")
    summary = (output.strip().splitlines() or [""])[-1]
    return seconds, usage.ru_maxrss, summary, usage.ru_utime + usage.ru_stime


def fresh_schema(url: str) -> str:
    schema = f"bench_import_{os.getpid()}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def drop_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "bench_import_{os.getpid()}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "OAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--big", type=int, default=0, help="also import M records (memory)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[2], help="render processes; several: each"
    )
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dump = work / "dump.xml"
        size = write_dump(dump, args.n)
        print(f"dump: {args.n} records, {size / 1e6:.1f} MB ({size / args.n:.0f} bytes a record)")
        count, took = bare_read(dump)
        yardstick = count / took
        print(
            f"yardstick, a bare read of the dump (parse, cut, crosswalk): {count} records"
            f" in {took:.2f} s = {yardstick:.0f} records/s"
        )
        targets = [("sqlite", f"sqlite:///{work / 'import.sqlite'}")]
        if not args.sqlite_only:
            targets.append(("postgresql", fresh_schema(args.postgres)))
        for round_, workers in enumerate(args.workers):
            for name, url in targets:
                if name == "postgresql":
                    url = fresh_schema(args.postgres)
                else:
                    url = f"sqlite:///{work / f'import-{round_}.sqlite'}"
                seconds, peak, summary, cpu = run_import(dump, url, work, workers)
                rate = args.n / seconds
                print(
                    f"{name:<10} import {rate:8.0f} records/s | {workers} workers"
                    f" | {seconds:6.1f} s | {rate / yardstick:4.0%} of the bare read"
                    f" | CPU {cpu * 1e6 / args.n:5.0f} us a record"
                    f" | peak memory {peak / 1024:6.0f} MiB | {summary}"
                )
        if not args.sqlite_only:
            drop_schema(args.postgres)
        if args.big:
            big = work / "big.xml"
            size = write_dump(big, args.big)
            seconds, peak, summary, _cpu = run_import(
                big, f"sqlite:///{work / 'big.sqlite'}", work / "big", args.workers[-1]
            )
            print(
                f"sqlite     import of {size / 1e6:.0f} MB: {args.big / seconds:8.0f} records/s"
                f" | peak memory {peak / 1024:6.0f} MiB | {summary}"
            )


if __name__ == "__main__":
    main()
