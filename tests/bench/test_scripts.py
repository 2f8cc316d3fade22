"""The benchmark scripts run with one command each and print their figures.

Small N keeps this quick; the point is that `bench/` does not rot between the times
someone measures with it, not the figures themselves (benchmarks are not timed tests).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
RATE = r"[\d,]+ records/s"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_harvest_bench_harvests_every_record_and_measures_against_sickle() -> None:
    out = run("harvest_bench.py", "300")
    assert re.search(rf"full harvest: 300 records in [\d.]+s = {RATE} end to end", out), out
    assert re.search(r"whole machine \d+ us", out), out
    assert re.search(r"no-change incremental run: [\d.]+s", out), out
    assert re.search(rf"Sickle fetch-and-parse loop: 300 records .* = {RATE}", out), out
    assert "render oai_dc" in out and "marcxml" in out, out


def test_provider_bench_reports_rates_latency_and_memory() -> None:
    out = run("provider_bench.py", "500", "--streams", "2")
    assert re.search(rf"fetch-only, 1 stream\(s\): 500 records in .* = {RATE}", out), out
    assert re.search(rf"parsing every record, 2 stream\(s\): 500 records in .* = {RATE}", out)
    assert re.search(r"deep/first [\d.]+x", out), out
    assert "server peak RSS" in out, out


def test_store_bench_imports_and_pages_on_both_databases(postgres_url: str) -> None:
    out = run("store_bench.py", "500", "--postgres", postgres_url)
    for label in ("sqlite", "postgresql"):
        line = next(x for x in out.splitlines() if x.startswith(label))
        assert re.search(r"import +\d+ records/s \| first page +[\d.]+ ms \| 90% page", line)


def test_crosswalk_bench_rates_every_format_both_ways() -> None:
    out = run("crosswalk_bench.py", "--seconds", "0.01")
    writing, reading = out.split("record -> format", 1)[1].split("format -> record", 1)
    for section in (writing, reading):
        assert re.search(rf"oai_dc.* {RATE}", section), out
        assert re.search(rf"marcxml.* {RATE}", section), out
    aggregators = out.split("aggregators (µs per record", 1)[1]
    assert re.search(r"edm +[\d,.]+ µs per record", aggregators), out
    assert re.search(r"ape_ead +[\d,.]+ µs per unit of a finding aid of \d+ units", aggregators), (
        out
    )


def test_import_bench_streams_a_dump_into_both_databases(postgres_url: str) -> None:
    out = run("import_bench.py", "300", "--postgres", postgres_url, "--workers", "0", "2")
    for label in ("sqlite", "postgresql"):
        line = next(x for x in out.splitlines() if x.startswith(label))
        assert re.search(rf"import +{RATE} \| 0 workers .* peak memory +\d+ MiB .* 300 added", line)
        assert re.search(r"\d+% of the bare read \| CPU +\d+ us a record", line), line


def test_pg_scale_loads_serves_harvests_and_explains(postgres_url: str) -> None:
    # at this N the planner may rightly scan small tables: the figures and the verdicts
    # are printed, and mean something at 1,000,000 records (see the README)
    out = run("pg_scale.py", "400", "--postgres", postgres_url)
    assert re.search(r"postgresql loaded 400 records", out), out
    assert re.search(r"postgresql first page [\d.]+ ms .* 90% deep [\d.]+ ms", out), out
    assert re.search(rf"postgresql ListRecords fetch-only: 400 records .* = {RATE}", out), out
    assert re.search(r"postgresql/sqlite fetch-only: \d+%", out), out
    assert re.search(r"postgresql size [\d,]+ bytes a record", out), out
    assert re.search(r"harvest of the demo partner into 400 records: ok", out), out
    assert re.search(r"EXPLAIN: \d+ statements, \d+ flagged", out), out


def test_aron_bench_sweeps_every_entity_and_a_no_change_sweep_writes_nothing() -> None:
    out = run("aron_bench.py", "300")
    for api in ("old", "v1"):  # both APIs by default
        full = rf"\[{api}\] full sweep: 300 entities in [\d.]+s = [\d,]+ entities/s end to end"
        assert re.search(full + r" \(\d+ batches, [\d,]+ requests, [\d,]+ bytes\)", out), out
        assert re.search(rf"\[{api}\] CPU per entity: .* whole machine \d+ us", out), out
        again = rf"\[{api}\] no-change sweep: [\d.]+s \([\d,]+ entities/s\), wrote nothing"
        assert re.search(again + r" .*[\d,]+ requests, [\d,]+ bytes", out), out
        assert re.search(rf"\[{api}\] .*the full sweep ran at \d+% of its rate", out), out


def test_ingest_profile_names_every_stage_of_each_kind(tmp_path: Path) -> None:
    out = run("ingest_profile.py", "200", "--kind", "files", "--out", str(tmp_path))
    assert re.search(r"files: 200 records, .*CPU per record by stage", out), out
    for stage in ("render: every outbound format", "crosswalk (read)", "DB: record rows"):
        assert re.search(rf"{re.escape(stage)}\s+\d+ us", out), out
    assert any(tmp_path.glob("files.*")), "the profile is saved"


def test_export_bench_reports_rates_and_peak_memory() -> None:
    out = run("export_bench.py", "100", "--factor", "2")
    for n in ("100", "200"):
        for label in ("jsonl", "listrecords oai_dc", "listrecords oaihub"):
            assert re.search(rf"{n} records \| {label} +\| +{RATE} \| peak RSS", out), out
