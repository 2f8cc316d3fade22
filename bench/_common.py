"""What the provider and harvest benchmarks share: a bulk-loaded SQLite store, a
gunicorn provider on 127.0.0.1 serving it, and the machine's CPU clock.

Imported by the scripts beside it (`python bench/x.py` puts this folder on sys.path).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import requests

__all__ = [
    "bulk_insert",
    "free_port",
    "generated_form",
    "machine_busy",
    "provider_env",
    "start_provider",
]

Row = tuple[Any, ...]


def bulk_insert(
    conn: sqlite3.Connection,
    records: Iterable[Row],
    memberships: Iterable[Row],
    rendered: Iterable[Row],
) -> None:
    """Rows straight into the store's tables (a fresh, migrated SQLite file) and commit.

    records: (pk, local_id, datestamp, deleted, title, content, content_hash, version,
    created_at); memberships: (set_spec, record_pk, datestamp, direct); rendered:
    (record_pk, prefix, xml, crosswalk_version). Times are integer seconds, as stored."""
    conn.executemany(
        "INSERT INTO records (pk, local_id, datestamp, deleted, title, content, "
        "content_hash, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        records,
    )
    conn.executemany(
        "INSERT INTO record_sets (set_spec, record_pk, datestamp, direct) VALUES (?, ?, ?, ?)",
        memberships,
    )
    conn.executemany(
        "INSERT INTO rendered_metadata (record_pk, prefix, xml, crosswalk_version) "
        "VALUES (?, ?, ?, ?)",
        rendered,
    )
    conn.commit()


SUBJECTS = ["Cold War", "Czechoslovakia", "Soviet Union", "Diplomacy", "Intelligence"]


def generated_form(i: int) -> dict[str, object]:
    """The benchmark record number i, in the record JSON form (what the peers serve)."""
    return {
        "id": f"g{i}",
        "title": f"Generated record {i}: memorandum on talks",
        "summary": f"Summary of generated document {i}, with enough text to be realistic.",
        "date": {"text": "1961", "start": "1961", "end": "1961", "precision": "year"},
        "creators": [{"name": "Ministry of Foreign Affairs"}],
        "subjects": [SUBJECTS[i % 5], SUBJECTS[(i + 2) % 5]],
        "languages": ["ces"],
        "rights": "Public domain",
        "collections": [{"spec": f"coll:{i % 10}", "name": f"Collection {i % 10}"}],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def provider_env(db: Path, data_dir: Path, secret: str, **more: str) -> dict[str, str]:
    """The environment of `oai serve` for a benchmark: this store, no rate limit (a
    benchmark client is one client asking as fast as it can), no config file."""
    env = {
        **os.environ,
        "OAI_DATABASE_URL": f"sqlite:///{db}",
        "OAI_SECRET_KEY": secret,
        "OAI_DATA_DIR": str(data_dir),
        "OAI_REPOSITORY__RATE_LIMIT_PER_MINUTE": "0",
        "OAI_REPOSITORY__MAX_CONCURRENT_LISTS": "64",
        **more,
    }
    env.pop("OAI_CONFIG", None)
    return env


def start_provider(env: Mapping[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """`oai serve` (gunicorn) on 127.0.0.1:port, returned once it answers Identify.

    --no-refresh: a benchmark store holds only the formats it generated; rendering the
    others first would only slow the start."""
    oai = Path(sys.executable).parent / "oai"
    command = [str(oai), "serve", "--port", str(port), "--workers", str(workers), "--no-refresh"]
    proc = subprocess.Popen(
        command, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/oai?verb=Identify"
    for _ in range(600):
        if proc.poll() is not None:
            break
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return proc
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    error = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
    raise SystemExit(f"the provider did not start:\n{error}")


def machine_busy() -> float:
    """CPU seconds all processes of this machine have used (Linux /proc/stat), else 0."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")
