"""Export benchmark: `oai records export` of a source's records, streamed.

    .venv/bin/python bench/export_bench.py [N] [--factor F]

Stores N harvested records of one source in a fresh SQLite file (and F times as many
in another), then runs `oai records export --source bench` in each format as its own
process, writing to /dev/null, and prints records/s and the peak memory (RSS) of the
exporting process: the peak stays flat as the number of records grows, because the
export is written a batch of records at a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oai.hub import Hub  # noqa: E402
from oai.settings import load_settings  # noqa: E402
from records.model import Record  # noqa: E402

BATCH = 1000
RUNS = (("jsonl", "oai_dc"), ("listrecords", "oai_dc"), ("listrecords", "oaihub"))


def fill(folder: Path, n: int) -> dict[str, str]:
    """A hub in `folder` holding n records harvested from source `bench`; its env."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OAI_")},
        "OAI_DATABASE_URL": f"sqlite:///{folder / 'hub.sqlite'}",
        "OAI_DATA_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    settings = load_settings(env={}, overrides={"database_url": env["OAI_DATABASE_URL"]})
    with Hub.from_settings(settings, migrate=True) as hub:
        for start in range(0, n, BATCH):
            hub.store.put_many(
                [_record(i) for i in range(start, min(n, start + BATCH))], renderer=hub.render
            )
    return env


def _record(i: int) -> Record:
    return Record.from_dict(
        {
            "id": f"bench-{i}",
            "title": f"Kronika obce {i}, zápisy z let 1920-1938",
            "summary": "Pamětní kniha obce s popisem událostí, počasí a úrody. " * 4,
            "creators": [{"name": f"Kronikář {i % 97}", "kind": "person", "role": "author"}],
            "subjects": ["kroniky", "obce"],
            "places": ["Praha"],
            "origin": {
                "kind": "harvested",
                "source_id": "bench",
                "remote_identifier": f"oai:partner:{i}",
            },
        }
    )


def export(env: dict[str, str], fmt: str, prefix: str) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one export process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        args = ["records", "export", "--source", "bench", "--format", fmt, "--prefix", prefix]
        subprocess.run(
            [sys.executable, "-m", "oai", *args],
            env=env,
            stdout=sink,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("--factor", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.n, args.n * args.factor):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            env = fill(folder, n)
            for fmt, prefix in RUNS:
                seconds, peak = export(env, fmt, prefix)
                label = fmt if fmt == "jsonl" else f"{fmt} {prefix}"
                print(
                    f"{n:>9,} records | {label:<19} | {n / seconds:>9,.0f} records/s"
                    f" | peak RSS {peak / 1024:,.0f} MiB (max so far)"
                )


if __name__ == "__main__":
    main()
