"""A harvest killed with SIGKILL at several instants is completed exactly by the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from records import tables as t
from tests.oai.harvest.conftest import ROOT, assert_mirrors, events, make_hub, make_partner
from tests.oai.harvest.faultserver import FaultServer


def _wait_for_pages(log: RunLog, pages: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90  # a liveness wait: a loaded machine starts slowly
    while time.monotonic() < deadline:
        running = log.runs.running("partner")
        if running is not None and running.pid == process.pid and running.pages >= pages:
            return
        assert process.poll() is None, "the harvest ended before it could be killed"
        time.sleep(0.01)
    raise AssertionError(f"the harvest did not reach page {pages}")


def test_sigkill_mid_run_then_next_run_completes_exactly(tmp_path: Path) -> None:
    partner = make_partner(count=200, page_size=10)
    with FaultServer(partner).start() as server, make_hub(server.url, tmp_path) as hub:
        server.delay = 0.03
        log = RunLog(hub.engine)
        for pages, extra_wait in ((2, 0.0), (6, 0.017), (4, 0.041)):
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.oai.harvest.killme", server.url, str(tmp_path)],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            _wait_for_pages(log, pages, process)
            time.sleep(extra_wait)  # land at another instant of the page's work
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait() == -signal.SIGKILL
        server.delay = 0.0
        result = run_harvest(hub, "partner")
        assert result.status == "ok"
        assert events(hub, result.run_id, "resume")
        assert_mirrors(hub, partner)
        runs = log.runs.newest(source_id="partner")
        assert [r.status for r in runs] == ["ok", "failed", "failed", "failed"]
        assert sum(r.counts.added for r in runs) == 200  # each record added exactly once
        # each run went on from the last checkpoint: at most the killed page is fetched again
        assert sum(r.counts.total for r in runs) <= 200 + 3 * 10
        with hub.engine.connect() as conn:
            versions = conn.execute(
                select(func.count()).select_from(t.record_versions)
            ).scalar_one()
        assert versions == 200


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    """The process runs (it is neither gone nor a zombie)."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_sigkill_with_worker_pool_leaves_no_orphans(tmp_path: Path) -> None:
    partner = make_partner(count=800, page_size=100)
    with FaultServer(partner).start() as server, make_hub(server.url, tmp_path) as hub:
        server.delay = 0.05
        log = RunLog(hub.engine)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oai.harvest.killme", server.url, str(tmp_path), "2"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        _wait_for_pages(log, 2, process)
        workers = _children(process.pid)
        assert len(workers) >= 2  # the pool is at work (and its resource tracker)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 15
        # a zombie is gone too (only its exit status waits for a parent to reap it, and
        # the orphans' new parent, PID 1, may never do so)
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)]
        server.delay = 0.0
        result = run_harvest(hub, "partner")
        assert result.status == "ok"
        assert_mirrors(hub, partner)
        runs = log.runs.newest(source_id="partner")
        assert sum(r.counts.added for r in runs) == 800
