"""The harvest run log on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from oai.harvest.errors import RunInProgress
from oai.harvest.runlog import Counts, RunLog, final_status, utcnow
from oai.harvest.runlog import tables as t
from oai.schema import upgrade
from records.db import create_store_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine: Engine) -> RunLog:
    log = RunLog(engine)
    log.sync_sources(
        [
            ("a", "Archive A", "http://127.0.0.1:1/oai", "oai_dc", '{"sets": []}'),
            ("b", "Archive B", "http://127.0.0.1:2/oai", "oai_dc", "{}"),
        ]
    )
    return log


def test_sync_sources_updates_and_disables(log: RunLog) -> None:
    log.sync_sources([("a", "Renamed", "http://127.0.0.1:3/oai", "oai_dc", '{"x": 1}')])
    a, b = log.sources()
    assert (a.name, a.base_url, a.settings, a.enabled) == (
        "Renamed",
        "http://127.0.0.1:3/oai",
        {"x": 1},
        True,
    )
    assert b.id == "b"
    assert not b.enabled
    assert log.source("zzz") is None


def test_one_running_run_per_source(log: RunLog) -> None:
    first = log.start_run("a", trigger="cli", pid=1)
    with pytest.raises(RunInProgress) as caught:
        log.start_run("a", trigger="schedule")
    assert caught.value.run_id == first
    other = log.start_run("b")  # another source is free
    log.finish(first, "ok")
    again = log.start_run("a")
    assert len({first, other, again}) == 3


def test_concurrent_starts_one_wins(engine: Engine, log: RunLog) -> None:
    outcomes: list[str] = []

    def start() -> None:
        try:
            RunLog(engine).start_run("a")
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
    run_id = log.start_run("a", full=True, window_from="2020-01-01")
    log.set_window(run_id, "2020-01-01", "2026-01-01T00:00:00Z")
    log.bump(run_id, pages=1, bytes=100, requests=2, retries=1, added=3)
    log.bump(run_id, pages=1, added=1, unchanged=4)
    log.checkpoint(run_id, {"streams": {"": {"token": "t2"}}})
    assert log.heartbeat(run_id)
    run = log.finish(run_id, "ok", "done")
    assert run.status == "ok"
    assert run.finished_at is not None
    assert run.message == "done"
    assert (run.pages, run.bytes, run.requests, run.retries) == (2, 100, 2, 1)
    assert run.counts == Counts(added=4, unchanged=4)
    assert run.checkpoint == {"streams": {"": {"token": "t2"}}}
    assert run.window_until == "2026-01-01T00:00:00Z"
    assert not log.heartbeat(run_id)  # no longer running
    assert json.loads(json.dumps(run.to_dict()))["counts"]["added"] == 4
    with pytest.raises(ValueError):
        log.bump(run_id, nonsense=1)


def test_most_records_failed_is_never_ok(log: RunLog) -> None:
    run_id = log.start_run("a")
    log.bump(run_id, added=1, failed=5)
    assert log.finish(run_id, "ok").status == "failed"
    assert final_status("ok", Counts(added=9, failed=1)) == "partial"
    assert final_status("ok", Counts(added=9)) == "ok"
    assert final_status("failed", Counts(added=9)) == "failed"


def test_runs_filters_and_keyset(log: RunLog) -> None:
    ids = []
    for status in ("ok", "failed", "ok", "partial"):
        run_id = log.start_run("a")
        log.finish(run_id, status)
        ids.append(run_id)
    b_run = log.start_run("b")
    assert [r.id for r in log.runs()] == [b_run, *reversed(ids)]
    assert [r.id for r in log.runs(source_id="a", status="ok")] == [ids[2], ids[0]]
    page1 = log.runs(source_id="a", limit=2)
    page2 = log.runs(source_id="a", limit=2, before_id=page1[-1].id)
    assert [r.id for r in page1 + page2] == list(reversed(ids))
    assert log.runs(since=utcnow() + timedelta(days=1)) == []
    assert log.run(10**6) is None
    last = log.last_run("a")
    assert last is not None
    assert last.id == ids[3]


def test_last_checkpoint_only_after_last_success(log: RunLog) -> None:
    assert log.last_checkpoint("a") is None
    run1 = log.start_run("a", window_from="2020-01-01")
    log.set_window(run1, "2020-01-01", "2021-01-01")
    log.checkpoint(run1, {"streams": {"": {"token": "abc"}}})
    log.finish(run1, "failed", "boom")
    found = log.last_checkpoint("a")
    assert found is not None
    assert (found.run_id, found.window_from, found.window_until) == (
        run1,
        "2020-01-01",
        "2021-01-01",
    )
    assert found.state == {"streams": {"": {"token": "abc"}}}
    run2 = log.start_run("a")
    log.finish(run2, "ok")
    assert log.last_checkpoint("a") is None


def test_events_and_raw(log: RunLog) -> None:
    run_id = log.start_run("a")
    first = log.add_event(run_id, "info", "page", "page 1", page=1)
    second = log.add_event(
        run_id,
        "error",
        "record",
        "bad record",
        page=1,
        identifier="oai:x:1",
        raw=b"<record/>",
        detail={"error": "no title"},
    )
    events = log.events(run_id)
    assert [e.id for e in events] == [first, second]
    assert events[1].has_raw
    assert not events[0].has_raw
    assert events[1].detail == {"error": "no title"}
    assert log.events(run_id, level="error")[0].identifier == "oai:x:1"
    assert [e.id for e in log.events(run_id, after_id=first)] == [second]
    assert log.event_raw(second) == b"<record/>"
    assert log.event_raw(first) is None


def test_stale_runs_by_heartbeat(engine: Engine, log: RunLog) -> None:
    old = log.start_run("a")
    fresh = log.start_run("b")
    with engine.begin() as conn:
        conn.execute(
            update(t.harvest_runs)
            .where(t.harvest_runs.c.id == old)
            .values(heartbeat_at=utcnow() - timedelta(hours=1))
        )
    assert log.mark_stale_runs(timedelta(minutes=5)) == [old]
    stale = log.run(old)
    assert stale is not None
    assert stale.status == "failed"
    assert "stale" in (stale.message or "")
    running = log.running_run("b")
    assert running is not None
    assert running.id == fresh
    log.start_run("a")  # the source is free again


def test_failure_counters(log: RunLog) -> None:
    for count, failing in ((1, False), (2, False), (3, True)):
        source = log.record_failure("a", max_failures=3)
        assert (source.consecutive_failures, source.failing) == (count, failing)
    log.record_success("a")
    a = log.source("a")
    assert a is not None
    assert not a.failing
    assert a.consecutive_failures == 0
    log.set_high_water("a", "2026-01-01T00:00:00Z", "YYYY-MM-DDThh:mm:ssZ")
    a = log.source("a")
    assert a is not None
    assert a.high_water == "2026-01-01T00:00:00Z"


def test_request_queue_each_taken_once(engine: Engine, log: RunLog) -> None:
    first = log.request_run("a", full=True, by="admin")
    second = log.request_run("b")
    assert [r.id for r in log.pending_requests()] == [first, second]
    taken: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        request = RunLog(engine).take_request()
        if request is not None:
            with lock:
                taken.append(request.id)

    threads = [threading.Thread(target=take) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [first, second]
    assert log.take_request() is None
    run_id = log.start_run("a")
    log.attach_request(first, run_id)


def test_seen_by_a_full_harvest(log: RunLog) -> None:
    first = log.start_run("a", full=True)
    log.mark_seen(first, ["a:1", "a:2"])
    log.mark_seen(first, ["a:2", "a:3"])  # seen again: no error
    log.finish(first, "failed")
    second = log.start_run("a", full=True)
    log.mark_seen(second, ["a:4"])
    assert log.seen([first, second]) == {"a:1", "a:2", "a:3", "a:4"}
    assert log.seen([second]) == {"a:4"}
    log.forget_seen([first, second])
    assert log.seen([first, second]) == set()
