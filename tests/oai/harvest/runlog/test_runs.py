"""Harvest runs: one per source at a time, counters, checkpoints, stale runs."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from oai.harvest.errors import RunInProgress, RunLogError
from oai.harvest.runlog import Counts, RunLog, final_status, utcnow
from oai.harvest.runlog import tables as t


def test_one_running_run_per_source(log: RunLog) -> None:
    first = log.runs.start("a", trigger="cli", pid=1)
    with pytest.raises(RunInProgress) as caught:
        log.runs.start("a", trigger="schedule")
    assert caught.value.run_id == first
    other = log.runs.start("b")  # another source is free
    log.runs.finish(first, "ok")
    again = log.runs.start("a")
    assert len({first, other, again}) == 3


def test_concurrent_starts_one_wins(engine: Engine, log: RunLog) -> None:
    outcomes: list[str] = []

    def start() -> None:
        try:
            RunLog(engine).runs.start("a")
            outcomes.append("started")
        except RunInProgress:
            outcomes.append("refused")

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 5 + ["started"]


def test_counters_checkpoint_and_finish(log: RunLog) -> None:
    run_id = log.runs.start("a", full=True, window_from="2020-01-01")
    log.runs.set_window(run_id, "2020-01-01", "2026-01-01T00:00:00Z")
    log.runs.bump(run_id, pages=1, bytes=100, requests=2, retries=1, added=3)
    log.runs.bump(run_id, pages=1, added=1, unchanged=4)
    log.runs.checkpoint(run_id, {"streams": {"": {"token": "t2"}}})
    assert log.runs.heartbeat(run_id)
    run = log.runs.finish(run_id, "ok", "done")
    assert run.status == "ok"
    assert run.finished_at is not None
    assert run.message == "done"
    assert (run.pages, run.bytes, run.requests, run.retries) == (2, 100, 2, 1)
    assert run.counts == Counts(added=4, unchanged=4)
    assert run.checkpoint == {"streams": {"": {"token": "t2"}}}
    assert run.window_until == "2026-01-01T00:00:00Z"
    assert not log.runs.heartbeat(run_id)  # no longer running
    assert json.loads(json.dumps(run.to_dict()))["counts"]["added"] == 4
    with pytest.raises(ValueError):
        log.runs.bump(run_id, nonsense=1)


def test_most_records_failed_is_never_ok(log: RunLog) -> None:
    run_id = log.runs.start("a")
    log.runs.bump(run_id, added=1, failed=5)
    assert log.runs.finish(run_id, "ok").status == "failed"
    assert final_status("ok", Counts(added=9, failed=1)) == "partial"
    assert final_status("ok", Counts(added=9)) == "ok"
    assert final_status("failed", Counts(added=9)) == "failed"


def test_runs_filters_and_keyset(log: RunLog) -> None:
    ids = []
    for status in ("ok", "failed", "ok", "partial"):
        run_id = log.runs.start("a")
        log.runs.finish(run_id, status)
        ids.append(run_id)
    b_run = log.runs.start("b")
    assert [r.id for r in log.runs.newest()] == [b_run, *reversed(ids)]
    assert [r.id for r in log.runs.newest(source_id="a", status="ok")] == [ids[2], ids[0]]
    page1 = log.runs.newest(source_id="a", limit=2)
    page2 = log.runs.newest(source_id="a", limit=2, before_id=page1[-1].id)
    assert [r.id for r in page1 + page2] == list(reversed(ids))
    assert log.runs.newest(since=utcnow() + timedelta(days=1)) == []
    assert log.runs.get(10**6) is None
    last = log.runs.last("a")
    assert last is not None
    assert last.id == ids[3]


def test_last_checkpoint_only_after_last_success(log: RunLog) -> None:
    assert log.runs.last_checkpoint("a") is None
    run1 = log.runs.start("a", window_from="2020-01-01")
    log.runs.set_window(run1, "2020-01-01", "2021-01-01")
    log.runs.checkpoint(run1, {"streams": {"": {"token": "abc"}}})
    log.runs.finish(run1, "failed", "boom")
    assert log.runs.last_checkpoint("a") is None  # not one page committed: nothing to resume
    log.runs.add_counts(run1, {"pages": 1})
    found = log.runs.last_checkpoint("a")
    assert found is not None
    assert (found.run_id, found.window_from, found.window_until) == (
        run1,
        "2020-01-01",
        "2021-01-01",
    )
    assert found.state == {"streams": {"": {"token": "abc"}}}
    run2 = log.runs.start("a")
    log.runs.finish(run2, "ok")
    assert log.runs.last_checkpoint("a") is None


def test_stale_runs_by_heartbeat(engine: Engine, log: RunLog) -> None:
    old = log.runs.start("a")
    fresh = log.runs.start("b")
    with engine.begin() as conn:
        conn.execute(
            update(t.harvest_runs)
            .where(t.harvest_runs.c.id == old)
            .values(heartbeat_at=utcnow() - timedelta(hours=1))
        )
    assert log.runs.mark_stale(timedelta(minutes=5)) == [old]
    stale = log.runs.get(old)
    assert stale is not None
    assert stale.status == "failed"
    assert "stale" in (stale.message or "")
    running = log.runs.running("b")
    assert running is not None
    assert running.id == fresh
    log.runs.start("a")  # the source is free again


def test_start_for_an_unknown_source(log: RunLog) -> None:
    with pytest.raises(RunLogError) as caught:
        log.runs.start("zzz")
    assert not isinstance(caught.value, RunInProgress)
    with pytest.raises(RunLogError):
        log.runs.require(10**6)


def test_abandon_only_a_running_run(log: RunLog) -> None:
    run_id = log.runs.start("a")
    assert log.runs.abandon(run_id, "its process 1 is gone")
    assert not log.runs.abandon(run_id, "again")
    run = log.runs.require(run_id)
    assert (run.status, run.message) == ("failed", "its process 1 is gone")
    assert run.finished_at is not None
    with pytest.raises(ValueError):
        log.runs.finish(run_id, "running")


def test_counts_and_newest_finished(log: RunLog) -> None:
    assert log.runs.count() == 0
    done = []
    for source, status in (("a", "ok"), ("b", "failed"), ("a", "failed"), ("a", "partial")):
        run_id = log.runs.start(source)
        log.runs.bump(run_id, added=1, updated=2, deleted=3, unchanged=4)
        log.runs.finish(run_id, status)
        done.append(run_id)
    running = log.runs.start("a")
    assert log.runs.count() == 5
    assert log.runs.count(status="failed") == 2
    assert log.runs.count(status="running") == 1
    finished = log.runs.newest_finished()
    assert [r.id for r in finished] == list(reversed(done))
    assert running not in [r.id for r in finished]
    assert [r.id for r in log.runs.newest_finished(source_id="a", limit=2)] == [done[3], done[2]]
    assert {r.counts.changed for r in finished} == {6}
