"""The scheduler: one per database, cron jobs, coalescing, stale runs, backoff, the queue.

Runs go through a recording runner that opens and closes real runs in the run log the
way `run_harvest` does; the harvest itself is tested with the harvester (and end to
end against the demo partner in tests/oai/demo).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from oai.harvest.runlog import RunLog
from oai.harvest.runlog import tables as t
from oai.hub import Hub
from oai.scheduler.jobs import next_runs
from oai.scheduler.lock import scheduler_running
from oai.scheduler.runner import RunOutcome
from oai.scheduler.service import (
    JOBSTORE_TABLE,
    SchedulerService,
    job_id,
)
from oai.settings import Settings, SourceSettings, load_settings

ROOT = Path(__file__).resolve().parents[3]
HOURLY_LATER = f"{(datetime.now(UTC).minute + 30) % 60} * * * *"  # next fire >= 29 min away


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Poll until `condition()` holds (not a speed assertion: the limit is generous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what or condition}")


def make_settings(url: str, tmp_path: Path, *sources: SourceSettings, **values: object) -> Settings:
    overrides = {
        "database_url": url,
        "data_dir": str(tmp_path / "data"),
        "secret_key": "test-secret",
        "scheduler.poll_seconds": 1,
        **{k.replace("__", "."): v for k, v in values.items()},
    }
    return load_settings(env={}, overrides=overrides).with_sources(tuple(sources))


def source(source_id: str = "p1", schedule: str = HOURLY_LATER) -> SourceSettings:
    return SourceSettings(id=source_id, base_url="http://127.0.0.1:9/oai", schedule=schedule)


class RecordingRunner:
    """Opens a run, optionally waits for a go, closes it with `status`; keeps failures
    counted as `run_harvest` does."""

    def __init__(self, status: str = "ok") -> None:
        self.status = status
        self.calls: list[tuple[str, str, bool]] = []
        self.lock = threading.Lock()

    def __call__(self, hub: Hub, source_id: str, trigger: str, full: bool) -> RunOutcome:
        log = RunLog(hub.engine)
        run_id = log.runs.start(source_id, trigger=trigger, full=full, pid=os.getpid())
        with self.lock:
            self.calls.append((source_id, trigger, full))
        info = log.runs.finish(run_id, self.status)
        if info.status == "failed":
            log.sources.record_failure(source_id, hub.settings.scheduler.max_failures)
        else:
            log.sources.record_success(source_id)
        return RunOutcome(run_id, info.status)

    def count(self, trigger: str | None = None) -> int:
        with self.lock:
            return len([c for c in self.calls if trigger is None or c[1] == trigger])


@pytest.fixture
def services() -> Iterator[list[SchedulerService]]:
    """Services made by a test, stopped (and their hubs closed) after it."""
    made: list[SchedulerService] = []
    yield made
    for service in made:
        service.stop(wait=True)
        service.hub.close()


def new_service(
    made: list[SchedulerService], settings: Settings, runner: RecordingRunner
) -> SchedulerService:
    service = SchedulerService(Hub.from_settings(settings, migrate=True), runner=runner)
    made.append(service)
    return service


def test_one_scheduler_per_database(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    settings = make_settings(database_url, tmp_path, source())
    first = new_service(services, settings, RecordingRunner())
    second = new_service(services, settings, RecordingRunner())
    assert first.start()
    assert not second.start(), "a second scheduler on the same database must not start"
    first.stop()
    assert second.start(), "the lock is free again once the first scheduler stopped"


def test_a_job_fires_on_its_cron(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    runner = RecordingRunner()
    settings = make_settings(database_url, tmp_path, source(schedule="* * * * * *"))
    service = new_service(services, settings, runner)
    assert service.start()
    wait_for(lambda: runner.count("schedule") >= 2, what="two scheduled runs")
    runs = RunLog(service.hub.engine).runs.newest(source_id="p1")
    assert {r.trigger for r in runs} == {"schedule"}
    assert all(r.status in ("ok", "running") for r in runs)


def test_missed_fires_are_coalesced_into_one_run(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    # hourly job; the scheduler was "down" for five hours: five fires were missed
    settings = make_settings(database_url, tmp_path, source(schedule=HOURLY_LATER))
    first = new_service(services, settings, RecordingRunner())
    assert first.start()
    first.stop()
    _move_next_fire(first.hub, job_id("p1"), datetime.now(UTC) - timedelta(hours=5))
    runner = RecordingRunner()
    scheduler = replace(settings.scheduler, misfire_grace_seconds=6 * 3600)
    settings = replace(settings, scheduler=scheduler)
    service = new_service(services, settings, runner)
    assert service.start()
    wait_for(lambda: runner.count("schedule") >= 1, what="the catch-up run")
    wait_for(
        lambda: (
            (next_runs(service.hub.engine)["p1"] or datetime.min.replace(tzinfo=UTC))
            > datetime.now(UTC)
        ),
        what="the next fire in the future",
    )
    time.sleep(1.0)  # room for (wrong) further catch-up runs to show up
    assert runner.count("schedule") == 1


def _move_next_fire(hub: Hub, jid: str, when: datetime) -> None:
    """As if the scheduler had been down since `when`: set the stored next fire time."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    # through the job store alone: a (paused) scheduler would process due jobs on shutdown
    store = SQLAlchemyJobStore(engine=hub.engine, tablename=JOBSTORE_TABLE)
    store.start(BackgroundScheduler(timezone=UTC), "default")
    job = store.lookup_job(jid)
    assert job is not None
    job._modify(next_run_time=when)
    store.update_job(job)


def age_heartbeat(hub: Hub, run_id: int, by: timedelta = timedelta(minutes=10)) -> None:
    """As if the run's process had sent no heartbeat for `by`: its last one is set back."""
    run = RunLog(hub.engine).runs.get(run_id)
    assert run is not None
    assert run.heartbeat_at is not None
    query = update(t.harvest_runs).where(t.harvest_runs.c.id == run_id)
    with hub.engine.begin() as conn:
        conn.execute(query.values(heartbeat_at=run.heartbeat_at - by))


def test_unchanged_jobs_keep_their_next_fire_and_reload_applies_changes(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    settings = make_settings(database_url, tmp_path, source("a"), source("b"))
    service = new_service(services, settings, RecordingRunner())
    assert service.start()
    before = service.next_run_times()
    assert set(before) == {"a", "b"}
    service.reload(settings.with_sources((source("a"), source("c", "0 4 * * *"))))
    after = service.next_run_times()
    assert set(after) == {"a", "c"}
    assert after["a"] == before["a"]
    assert after["c"] is not None
    assert after["c"].hour == 4
    sources = {s.id: s for s in service.runlog.sources.all()}
    assert not sources["b"].enabled
    assert sources["c"].enabled


def test_queued_requests_run_and_are_linked_to_their_run(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    runner = RecordingRunner()
    service = new_service(services, make_settings(database_url, tmp_path, source()), runner)
    assert service.start()
    request_id = service.runlog.queue.add("p1", full=True, by="admin")
    service.tick()
    service.wait_idle(timeout=30)
    assert runner.calls == [("p1", "manual", True)]
    with service.hub.engine.connect() as conn:
        row = conn.execute(
            select(t.harvest_requests).where(t.harvest_requests.c.id == request_id)
        ).one()
    assert row.taken_at is not None
    run = service.runlog.runs.get(row.run_id)
    assert run is not None
    assert (run.trigger, run.full, run.status) == ("manual", True, "ok")


def test_failing_source_backs_off_and_says_why(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    settings = make_settings(
        database_url, tmp_path, source(schedule="0 * * * *"), scheduler__max_failures=2
    )
    service = new_service(services, settings, RecordingRunner(status="failed"))
    assert service.start()
    natural = service.next_run_times()["p1"]
    assert natural is not None
    assert service.run_source("p1", trigger="schedule") == "failed"
    assert service.next_run_times()["p1"] == natural, "one failure does not back off yet"
    assert service.run_source("p1", trigger="schedule") == "failed"
    info = service.runlog.sources.get("p1")
    assert info is not None
    assert info.failing
    assert info.consecutive_failures == 2
    backed_off = service.next_run_times()["p1"]
    assert backed_off is not None
    assert backed_off >= natural + timedelta(hours=1)
    last = service.runlog.runs.newest(source_id="p1", limit=1)[0]
    events = service.runlog.events.of_run(last.id, kind="backoff")
    assert len(events) == 1
    assert "failing" in events[0].message
    assert "scheduler.max_failures = 2" in events[0].message
    # a third failure backs off further
    assert service.run_source("p1", trigger="schedule") == "failed"
    further = service.next_run_times()["p1"]
    assert further is not None
    assert further > backed_off


_KILLED_RUN = textwrap.dedent(
    """
    import os, sys, time
    from records.db import create_store_engine
    from oai.harvest.runlog import RunLog
    log = RunLog(create_store_engine(sys.argv[1]))
    run_id = log.runs.start("p1", trigger="schedule", pid=os.getpid())
    log.runs.checkpoint(run_id, {"": {"token": "page-3-token", "cursor": 300}})
    log.runs.add_counts(run_id, {"pages": 3})
    print(run_id, flush=True)
    time.sleep(600)
    """
)


def test_a_killed_run_is_marked_failed_and_its_checkpoint_resumed(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    settings = make_settings(database_url, tmp_path, source(), scheduler__stale_after_seconds=1)
    runner = RecordingRunner()
    service = new_service(services, settings, runner)
    service.runlog.sources.sync([("p1", "p1", "http://127.0.0.1:9/oai", "oai_dc", "{}")])
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUN, database_url], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    run_id = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert service.runlog.runs.get(run_id).status == "running"  # type: ignore[union-attr]
    age_heartbeat(service.hub, run_id)  # older than stale_after_seconds
    assert service.start()  # start() ticks once: stale runs are failed first
    run = service.runlog.runs.get(run_id)
    assert run is not None
    assert run.status == "failed"
    stale = service.runlog.events.of_run(run_id, kind="stale")
    assert len(stale) == 1
    assert "resumes from its checkpoint" in stale[0].message
    checkpoint = service.runlog.runs.last_checkpoint("p1")
    assert checkpoint is not None
    assert checkpoint.run_id == run_id
    assert checkpoint.state == {"": {"token": "page-3-token", "cursor": 300}}
    # the source is free again: the next run starts
    assert service.run_source("p1", trigger="manual") == "ok"


def _scheduler_process(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "oai", "scheduler", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )


def test_scheduler_processes_lock_and_reload(database_url: str, tmp_path: Path) -> None:
    """Real processes: a second `oai scheduler` exits; `--reload` applies a new config."""
    config = tmp_path / "oaihub.toml"
    config.write_text(_config_text([("a", HOURLY_LATER)]))
    env = {
        **os.environ,
        "OAI_CONFIG": str(config),
        "OAI_DATABASE_URL": database_url,
        "OAI_DATA_DIR": str(tmp_path / "data"),
    }
    first = _scheduler_process(env)
    try:
        assert first.stdout is not None
        for line in first.stdout:
            if "scheduler running" in line:
                break
        else:
            pytest.fail(f"the scheduler did not start: exit {first.wait()}")
        second = subprocess.run(
            [sys.executable, "-m", "oai", "scheduler"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 3, second.stdout + second.stderr
        assert "another scheduler already runs" in second.stdout
        config.write_text(_config_text([("a", HOURLY_LATER), ("b", "0 5 * * *")]))
        reload = subprocess.run(
            [sys.executable, "-m", "oai", "scheduler", "--reload"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert reload.returncode == 0, reload.stdout + reload.stderr
        with Hub.from_settings(load_settings(config, env=env)) as hub:
            wait_for(lambda: set(next_runs(hub.engine)) == {"a", "b"}, what="job b after reload")
            assert scheduler_running(hub.engine)
    finally:
        first.send_signal(signal.SIGTERM)
        status = first.wait(timeout=60)
        if first.stdout is not None:
            first.stdout.close()
    assert status == 0
    with Hub.from_settings(load_settings(config, env=env)) as hub:
        assert not scheduler_running(hub.engine)


def _config_text(sources: list[tuple[str, str]]) -> str:
    parts = ["[scheduler]\npoll_seconds = 1\n"]
    for source_id, schedule in sources:
        parts.append(
            f'[[sources]]\nid = "{source_id}"\nbase_url = "http://127.0.0.1:9/oai"\n'
            f'schedule = "{schedule}"\n'
        )
    return "\n".join(parts)


def test_harvest_all_now_runs_every_enabled_source_as_scheduled(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    runner = RecordingRunner()
    disabled = SourceSettings(id="off", base_url="http://127.0.0.1:9/oai", enabled=False)
    settings = make_settings(database_url, tmp_path, source("a"), source("b"), disabled)
    service = new_service(services, settings, runner)
    assert service.start()
    service.harvest_all_now()
    service.wait_idle(timeout=30)
    assert sorted(runner.calls) == [("a", "schedule", False), ("b", "schedule", False)]


def test_with_the_real_harvester_failures_are_counted_once_and_back_off(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    """The contract with `run_harvest`: it counts failures, the scheduler backs off."""
    from oai.scheduler.runner import harvest_runner

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    unreachable = SourceSettings(
        id="p1", base_url=f"http://127.0.0.1:{dead}/oai", schedule="0 * * * *"
    )
    settings = make_settings(
        database_url,
        tmp_path,
        unreachable,
        scheduler__max_failures=2,
        harvest__max_retries=0,
        harvest__backoff_seconds=0.01,
        harvest__connect_timeout=2.0,
    )
    service = SchedulerService(Hub.from_settings(settings, migrate=True), runner=harvest_runner)
    services.append(service)
    assert service.start()
    natural = service.next_run_times()["p1"]
    assert service.run_source("p1", trigger="schedule") == "failed"
    assert service.runlog.sources.get("p1").consecutive_failures == 1  # type: ignore[union-attr]
    assert service.run_source("p1", trigger="schedule") == "failed"
    info = service.runlog.sources.get("p1")
    assert info is not None
    assert (info.consecutive_failures, info.failing) == (2, True)
    assert service.next_run_times()["p1"] > natural  # type: ignore[operator]
    last = service.runlog.runs.newest(source_id="p1", limit=1)[0]
    assert service.runlog.events.of_run(last.id, kind="backoff")


class GatedRunner(RecordingRunner):
    """A recording runner whose runs wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def __call__(self, hub: Hub, source_id: str, trigger: str, full: bool) -> RunOutcome:
        assert self.gate.wait(timeout=30), "the test never opened the gate"
        return super().__call__(hub, source_id, trigger, full)


def test_requests_are_claimed_only_when_a_worker_is_free(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    """Requests beyond the free workers stay queued in the database: stopping the
    scheduler loses none, and the next scheduler runs them."""
    settings = make_settings(database_url, tmp_path, source("p1"), source("p2"), source("p3"))
    runner = GatedRunner()
    service = SchedulerService(Hub.from_settings(settings, migrate=True), runner=runner, workers=1)
    services.append(service)
    assert service.start()
    for source_id in ("p1", "p2", "p3"):
        service.runlog.queue.add(source_id, full=False, by="admin")
    service.tick()
    service.tick()
    assert len(service.runlog.queue.pending()) == 2, "only one worker: one request taken"
    runner.gate.set()
    service.stop(wait=True)
    assert runner.count("manual") == 1
    assert len(service.runlog.queue.pending()) == 2, "the stop lost a queued request"

    again = new_service(services, settings, runner)
    assert again.start()  # its first tick takes what its four workers can run
    wait_for(lambda: runner.count("manual") == 3, what="the queued requests to run")
    again.wait_idle(timeout=30)
    assert again.runlog.queue.pending() == []
