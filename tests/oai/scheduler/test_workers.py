"""Harvests across machines: two `oai worker` processes, six sources, the real PostgreSQL.

Each worker is a separate process, as on separate machines, and the jobs reach them
only through the queue in the database (Procrastinate)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from oai.app import create_app
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.scheduler.queue import Deferrer, ensure_queue_schema, workers_overview
from oai.settings import load_settings
from records import tables as t
from tests.databases import fresh_schema
from tests.oai.harvest.conftest import FAST, ROOT, make_partner
from tests.oai.harvest.faultserver import FaultServer, Partner
from tests.oai.web.admin.conftest import PASSWORD, log_in

SOURCES = 6


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema of its own (the queue's tables go in it too)."""
    with fresh_schema(postgres_url) as url:
        yield url


def _config(tmp_path: Path, url: str, servers: list[FaultServer]) -> Path:
    lines = [
        f'database_url = "{url}"',
        f'data_dir = "{tmp_path}"',
        "[harvest]",
        *(f"{k.split('.')[1]} = {v}" for k, v in FAST.items() if k.startswith("harvest.")),
        "[admin]",
        f'password_hash = "{generate_password_hash(PASSWORD)}"',
        "[scheduler]",
        "heartbeat_seconds = 1",
        "stale_after_seconds = 600",
        "worker_concurrency = 1",
        "worker_stalled_seconds = 3",
    ]
    for n, server in enumerate(servers):
        lines += ["[[sources]]", f'id = "s{n}"', f'base_url = "{server.url}"']
    path = tmp_path / "oaihub.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _worker(config: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "oai", "--config", str(config), "worker", "--name", name],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _live(hub: Hub, source_id: str) -> int:
    r = t.records.c
    query = select(func.count()).where(r.source_id == source_id, r.deleted.is_(False))
    with hub.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        if process.poll() is None:
            process.terminate()
    for process in workers:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_two_workers_harvest_each_source_exactly_once(tmp_path: Path, pg_url: str) -> None:
    partners: list[Partner] = [make_partner(count=30 + 5 * n, page_size=10) for n in range(6)]
    servers = [FaultServer(p).start() for p in partners]
    config = _config(tmp_path, pg_url, servers)
    settings = load_settings(config, env={})
    workers: list[subprocess.Popen[bytes]] = []
    with Hub.from_settings(settings, migrate=True) as hub:
        ensure_queue_schema(hub.engine)
        deferrer = Deferrer(settings)
        try:
            for server in servers:
                server.delay = 0.05  # long enough for both workers to get work
            for n in range(SOURCES):
                assert deferrer.defer(f"s{n}", trigger="schedule") is not None
                # one waiting job per source: a second trigger is not queued twice
                assert deferrer.defer(f"s{n}", trigger="schedule") is None
            workers = [_worker(config, "w1"), _worker(config, "w2")]
            log = RunLog(hub.engine)
            seen_running: set[str] = set()

            def all_done() -> bool:
                for info in workers_overview(hub.engine):
                    if info.run_worker:
                        seen_running.add(info.run_worker)
                runs = [log.runs.newest(source_id=f"s{n}", limit=5) for n in range(SOURCES)]
                return all(r and r[0].status == "ok" for r in runs)

            _wait(all_done, timeout=90)
            for n, partner in enumerate(partners):
                runs = log.runs.newest(source_id=f"s{n}", limit=5)
                assert [r.status for r in runs] == ["ok"], runs  # exactly one run each
                assert runs[0].worker and runs[0].worker.split("@")[0] in ("w1", "w2")
                assert _live(hub, f"s{n}") == len(partner.live())
            used = {
                str(log.runs.newest(source_id=f"s{n}", limit=1)[0].worker).split("@")[0]
                for n in range(SOURCES)
            }
            assert used == {"w1", "w2"}  # both machines took work
            names = {worker.split("@")[0] for worker in seen_running}
            assert names and names <= {"w1", "w2"}  # the overview saw them at work
            assert len(workers_overview(hub.engine)) == 2
            # the dashboard lists them
            client = create_app(hub=hub).test_client()
            assert log_in(client, PASSWORD).status_code == 302
            page = client.get("/admin/").get_data(as_text=True)
            assert 'id="workers"' in page and page.count("data-worker=") == 2
        finally:
            _stop(workers)
            deferrer.close()
            for server in servers:
                server.stop()


def test_a_killed_worker_s_harvest_is_finished_by_the_other(tmp_path: Path, pg_url: str) -> None:
    partner = make_partner(count=300, page_size=10)
    server = FaultServer(partner).start()
    server.delay = 0.05
    config = _config(tmp_path, pg_url, [server])
    settings = load_settings(config, env={})
    first = second = None
    with Hub.from_settings(settings, migrate=True) as hub:
        ensure_queue_schema(hub.engine)
        deferrer = Deferrer(settings)
        try:
            first = _worker(config, "w1")
            deferrer.defer("s0", trigger="schedule")
            log = RunLog(hub.engine)

            def deep_enough() -> bool:
                running = log.runs.running("s0")
                return running is not None and running.pages >= 3

            _wait(deep_enough)
            second = _worker(config, "w2")
            time.sleep(1.0)  # w2 is up and idle: the only job is w1's
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)

            def finished() -> bool:
                runs = log.runs.newest(source_id="s0", limit=5)
                return bool(runs) and runs[0].status == "ok"

            _wait(finished, timeout=90)
            runs = log.runs.newest(source_id="s0", limit=5)
            named = [(r.status, str(r.worker).split("@")[0]) for r in runs]
            assert named == [("ok", "w2"), ("failed", "w1")]
            assert sum(r.counts.added for r in runs) == 300  # each record added once
            assert _live(hub, "s0") == 300
            # the second run went on from the first's checkpoint
            assert runs[0].counts.total <= 300 - 3 * 10 + 10
        finally:
            _stop([p for p in (first, second) if p is not None])
            deferrer.close()
            server.stop()


def test_sigterm_to_a_worker_interrupts_its_harvest_at_once(tmp_path: Path, pg_url: str) -> None:
    partner = make_partner(count=300, page_size=10)
    server = FaultServer(partner).start()
    server.delay = 0.1  # 30 pages: about 3 s, far longer than the stop may take
    config = _config(tmp_path, pg_url, [server])
    settings = load_settings(config, env={})
    worker = None
    with Hub.from_settings(settings, migrate=True) as hub:
        ensure_queue_schema(hub.engine)
        deferrer = Deferrer(settings)
        try:
            worker = _worker(config, "w1")
            deferrer.defer("s0", trigger="schedule")
            log = RunLog(hub.engine)

            def started() -> bool:
                running = log.runs.running("s0")
                return running is not None and running.pages >= 2

            _wait(started)
            worker.terminate()
            assert worker.wait(20) == 0  # it waited for the run to stop, then ended
            (run,) = log.runs.newest(source_id="s0", limit=5)
            assert run.status == "interrupted"
            assert 2 <= run.pages < 30
            checkpoint = log.runs.last_checkpoint("s0")
            assert checkpoint is not None and checkpoint.run_id == run.id
        finally:
            _stop([worker] if worker is not None else [])
            deferrer.close()
            server.stop()
