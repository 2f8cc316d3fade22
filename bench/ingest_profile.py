"""Where an ingest's CPU goes, stage by stage, for each way records come in.

    python bench/ingest_profile.py [N] [--kind oai-pmh|aron|files|import|all] [--out DIR]

For each kind it ingests N generated records into a fresh SQLite store as in production
(the producer thread, the worker pool for the harvests, the partner on 127.0.0.1) under
py-spy, sampling every process and thread, and prints the CPU of every stage a record
passes, per record: fetching, cutting into items, the fingerprint look-up, the crosswalk,
the record model, the rendering of every format, the reconciliation, every group of
database statements, the run log, the commit, the worker pool's hand-offs. Each sample
counts for the innermost stage on its stack, so the stages add up to the whole. It saves
the samples (DIR/<kind>.txt, collapsed stacks: speedscope, inferno) and a flame graph
(DIR/<kind>.svg). Where py-spy cannot attach (it needs ptrace), it falls back to
cProfile in one thread, whose shares are rough (it slows small calls most).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import free_port, provider_env, start_provider  # noqa: E402
from aron_bench import start_portal  # noqa: E402
from harvest_bench import generate  # noqa: E402
from import_bench import write_dump  # noqa: E402

import oai.ingest.driver  # noqa: E402
from oai.harvest import run_harvest  # noqa: E402
from oai.hub import Hub  # noqa: E402
from oai.importing import import_paths  # noqa: E402
from oai.settings import SourceSettings, load_settings  # noqa: E402

KINDS = ("oai-pmh", "aron", "files", "import")
WORKERS = [0]  # harvest.workers of the hubs made here (2 as in production; 0 under cProfile)
RATE = 250  # samples a second, per thread
# anchors: the innermost of these on a sample's stack says its stage
# (path ending, function name or its start "Class."), stage
ANCHORS: list[tuple[str, str, str]] = [
    ("oai/harvest/client.py", "Client.get", "fetch (HTTP, JSON)"),
    ("oai/harvest/client.py", "Client.post_json", "fetch (HTTP, JSON)"),
    ("oai/harvest/parse.py", "_page", "cut into items"),
    ("oai/ingest/documents.py", "oai_items", "cut into items"),
    ("oai/ingest/documents.py", "FileItems.", "cut into items"),
    ("oai/harvest/kinds/aron.py", "_items", "cut into items"),
    ("oai/harvest/kinds/aron_hash.py", "content_hash", "fingerprint"),
    ("oai/ingest/commit.py", "Ingest.unchanged", "fingerprint"),
    ("oai/ingest/commit.py", "fingerprint_of", "fingerprint"),
    ("oai/ingest/read.py", "Reader.read", "crosswalk (read)"),
    ("records/model.py", "Record.from_dict", "record model (from_dict, to_dict)"),
    ("records/model.py", "Record.to_dict", "record model (from_dict, to_dict)"),
    ("records/model.py", "canonical_json", "canonical JSON"),
    ("oai/rendering.py", "render_record", "render: every outbound format"),
    ("oai/ingest/reconcile.py", "Reconciler._decide", "reconcile (decide, merge)"),
    ("oai/ingest/reconcile.py", "Reconciler._orphans", "reconcile (decide, merge)"),
    ("oai/ingest/reconcile.py", "Reconciler._identified", "identity (local ids)"),
    ("records/harvested.py", "HarvestedRecords.states_by_remote_id", "DB: read states"),
    ("records/writer.py", "BatchWriter._existing", "DB: read states"),
    ("records/writer.py", "BatchWriter._insert_rows", "DB: record rows"),
    ("records/writer.py", "BatchWriter._update_rows", "DB: record rows"),
    ("records/writer.py", "BatchWriter._versions", "DB: versions"),
    ("records/writer.py", "BatchWriter._sets", "DB: sets"),
    ("records/writer.py", "BatchWriter._renderings", "DB: renderings"),
    ("records/harvested.py", "HarvestedRecords.set_remote_contents", "DB: merge bases"),
    ("records/bulk.py", "Bulk.", "DB: list counts and full text, per batch"),
    ("oai/harvest/journal.py", "RunJournal.", "run log (counts, events, ...)"),
    ("oai/importing.py", "_SummaryJournal.", "run log (counts, events, ...)"),
    ("records/db.py", "_Checkpoints.", "DB: WAL checkpoints (a thread)"),
    ("oai/ingest/commit.py", "Ingest.commit", "commit and the rest of a batch's writes"),
    ("oai/ingest/prepare.py", "Preparer.prepare", "prepare (the rest)"),
    ("concurrent/futures/process.py", "", "worker pool hand-offs (pickling)"),
    ("multiprocessing/", "", "worker pool hand-offs (pickling)"),
    ("<frozen importlib._bootstrap>", "", "process start-up (imports)"),
]
SETUP = tuple(  # (not "_gcd_import (", which every import in a worker has)
    f"{name} (ingest_profile.py" for name in ("_oai_pmh", "_aron", "_files", "_import", "main")
)
# a thread waiting (py-spy cannot always tell; left out of the CPU)
WAITING = ("Condition.wait (", "Event.wait (", "Queue.get (", "Queue.put (", "select (")
ELSEWHERE = ("gunicorn", "oai.demo.aron", "oai serve")  # the partner: not the ingest's CPU
_FRAME = re.compile(r"^(?P<name>.*) \((?P<path>[^()]*?)(?::\d+)?\)$")


def _settings(work: Path, name: str, source: SourceSettings | None) -> object:
    settings = load_settings(
        env={},
        overrides={
            "database_url": f"sqlite:///{work / (name + '.sqlite')}",
            "data_dir": str(work / name),
            "secret_key": name,
            "harvest.workers": WORKERS[0],
        },
    )
    return settings.with_sources((source,)) if source else settings


def _oai_pmh(n: int, work: Path) -> tuple[Callable[[], object], Callable[[], None]]:
    partner_db = work / "partner.sqlite"
    base = {"secret_key": "p", "repository.rate_limit_per_minute": 0}
    partner = load_settings(
        env={},
        overrides={**base, "database_url": f"sqlite:///{partner_db}", "data_dir": str(work / "p")},
    )
    Hub.from_settings(partner, migrate=True).close()
    generate(partner_db, n)
    port = free_port()
    server = start_provider(provider_env(partner_db, work / "p", "p"), port, 2)
    source = SourceSettings(id="bench", base_url=f"http://127.0.0.1:{port}/oai")
    hub = Hub.from_settings(_settings(work, "oai", source), migrate=True)  # type: ignore[arg-type]

    def close() -> None:
        server.terminate()
        hub.close()

    return (lambda: run_harvest(hub, "bench")), close


def _aron(n: int, work: Path) -> tuple[Callable[[], object], Callable[[], None]]:
    port = free_port()
    portal = start_portal(port, n)
    url = f"http://127.0.0.1:{port}/aron/api/aron"
    source = SourceSettings(id="bench", base_url=url, kind="aron", pause_seconds=0.0)
    hub = Hub.from_settings(_settings(work, "aron", source), migrate=True)  # type: ignore[arg-type]

    def close() -> None:
        portal.terminate()
        hub.close()

    return (lambda: run_harvest(hub, "bench")), close


def _files(n: int, work: Path) -> tuple[Callable[[], object], Callable[[], None]]:
    folder = work / "exports"
    folder.mkdir(exist_ok=True)
    write_dump(folder / "dump.xml", n)
    source = SourceSettings(id="bench", base_url=str(folder), kind="files")
    hub = Hub.from_settings(_settings(work, "files", source), migrate=True)  # type: ignore[arg-type]
    return (lambda: run_harvest(hub, "bench")), hub.close


def _import(n: int, work: Path) -> tuple[Callable[[], object], Callable[[], None]]:
    dump = work / "import.xml"
    write_dump(dump, n)
    hub = Hub.from_settings(_settings(work, "import", None), migrate=True)  # type: ignore[arg-type]
    return (lambda: import_paths(hub, [dump])), hub.close


SETUPS = {"oai-pmh": _oai_pmh, "aron": _aron, "files": _files, "import": _import}


def _stage_of(frames: list[str]) -> str:
    """The stage of one sampled stack (outermost frame first): its innermost anchor."""
    for frame in reversed(frames):
        found = _FRAME.match(frame)
        if found is None:
            continue
        name, path = found["name"], found["path"]
        for end, function, stage in ANCHORS:
            where = path.endswith(end) or (end.endswith("/") and end in path)
            named = (
                not function
                or name == function
                or (function.endswith(".") and name.startswith(function))
            )
            if where and named:
                return stage
    return "other (driver, SQLAlchemy and driver glue, threads)"


def stages_of_samples(raw: Path) -> dict[str, int]:
    """Samples per stage in py-spy's collapsed stacks (setup and the partner left out)."""
    counts: dict[str, int] = {}
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        frames = stack.split(";")
        # py-spy names the process, then its parents (outermost first): a child of the
        # partner's process (a gunicorn worker) is the partner's too
        processes = [f for f in frames if f.startswith("process ")]
        frames = frames[len(processes) - 1 :] if processes else frames
        process = " ".join(processes)
        if any(word in process for word in ELSEWHERE) or len(frames) < 2:
            continue  # the partner, or no Python frame at all (a thread in C, waiting)
        if any(frames[-1].startswith(wait) for wait in WAITING):
            continue
        text = ";".join(frames[1:])
        measured = "<lambda> (ingest_profile.py" in text
        if not measured and any(marker in text for marker in SETUP):
            continue  # making the partner, the store, importing: not the ingest
        if not measured and "<module> (ingest_profile.py" in text:
            continue
        stage = _stage_of(frames[1:])
        counts[stage] = counts.get(stage, 0) + int(number)
    return counts


def sample(kind: str, n: int, out: Path, spy: str) -> bool:
    """The ingest as in production under py-spy; the stage table; False if py-spy
    could not sample (no ptrace)."""
    raw = out / f"{kind}.txt"
    command = [
        spy, "record", "--format", "raw", "--rate", str(RATE), "--subprocesses",
        "--nonblocking", "-o", str(raw), "--",
        sys.executable, __file__, str(n), "--kind", kind, "--production",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0 or not raw.exists():
        print(f"  py-spy could not sample ({done.stderr.strip()[-300:]})")
        return False
    # every stage is named, one no sample fell in too (a small N samples little)
    counts = {stage: 0 for _end, _function, stage in ANCHORS} | stages_of_samples(raw)
    total = max(1, sum(counts.values()))
    us = 1e6 / RATE / n
    print(f"\n{kind}: {n:,} records, {took:.1f}s with set-up; CPU per record by stage (py-spy):")
    for stage, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<52} {count * us:8.0f} us  {count / total:6.1%}")
    print(f"  {'all stages':<52} {total * us:8.0f} us")
    svg = out / f"{kind}.svg"
    flame = [spy, "record", "--format", "flamegraph", "--rate", str(RATE), "--subprocesses"]
    flame += ["--nonblocking", "-o", str(svg), "--", *command[command.index("--") + 1 :]]
    drawn = subprocess.run(flame, capture_output=True, text=True, check=False)
    print(f"  samples: {raw}; flame graph: {svg if drawn.returncode == 0 else '(failed)'}")
    return True


def stage_table(stats: pstats.Stats, n: int, total: float) -> list[tuple[str, float]]:
    """cProfile's fallback: (stage, µs of CPU per record, inclusive of what it calls)."""
    rows: dict[str, float] = {}
    for (path, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        for end, function, stage in ANCHORS[:-3]:
            short = function.rpartition(".")[2] if not function.endswith(".") else ""
            if path.endswith(end) and function and (name == short or not short):
                rows[stage] = rows.get(stage, 0.0) + row[3] * 1e6 / n
    return [*rows.items(), ("whole ingest (profiled)", total * 1e6 / n)]


def profile_in_one_thread(kind: str, n: int, out: Path, work: Path) -> None:
    """cProfile of the ingest in one thread (no py-spy here): rough shares, inclusive."""
    run, close = SETUPS[kind](n, work)
    oai.ingest.driver.FETCH_AHEAD = 0  # one thread: what cProfile sees
    profiler = cProfile.Profile(time.process_time)
    try:
        started = time.process_time()
        profiler.enable()
        run()
        profiler.disable()
        total = time.process_time() - started
    finally:
        oai.ingest.driver.FETCH_AHEAD = 2
        close()
    profiler.dump_stats(str(out / f"{kind}.prof"))
    stats = pstats.Stats(str(out / f"{kind}.prof"))
    print(f"\n{kind}: {n:,} records, CPU per record by stage (cProfile, inclusive):")
    for stage, us in stage_table(stats, n, total):
        print(f"  {stage:<52} {us:8.0f} us")


def _spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=5_000)
    parser.add_argument("--kind", choices=(*KINDS, "all"), default="all")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "profiles")
    parser.add_argument("--production", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    kinds = KINDS if args.kind == "all" else (args.kind,)
    for kind in kinds:
        work = Path(tempfile.mkdtemp(prefix=f"ingest-profile-{kind}-"))
        try:
            if args.production:  # run by --flame under py-spy: as in production
                WORKERS[0] = 2
                run, close = SETUPS[kind](args.n, work)
                try:
                    run()
                finally:
                    close()
                continue
            spy = _spy()
            if spy is None or not sample(kind, args.n, args.out, spy):
                profile_in_one_thread(kind, args.n, args.out, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
