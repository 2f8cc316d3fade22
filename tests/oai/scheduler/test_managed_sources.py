"""Sources added in the browser reach the scheduler without a restart."""

from __future__ import annotations

from pathlib import Path

from oai.harvest.notify import wait_for_deliveries
from oai.harvest.runlog import RunLog
from oai.harvest.sources import all_sources, find_source, table_of
from oai.scheduler.jobs import job_id
from oai.scheduler.service import SchedulerService
from oai.settings import SourceSettings
from tests.oai.harvest import test_notify
from tests.oai.harvest.test_notify import Receiver
from tests.oai.scheduler import test_service
from tests.oai.scheduler.test_service import (
    RecordingRunner,
    age_heartbeat,
    make_settings,
    new_service,
    source,
    wait_for,
)

services = test_service.services  # the fixture that stops the services a test made
receiver = test_notify.receiver  # a webhook receiver on 127.0.0.1


def test_a_stored_source_is_scheduled_run_and_unscheduled(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    runner = RecordingRunner()
    service = new_service(services, make_settings(database_url, tmp_path, source("conf")), runner)
    assert service.start()
    assert service.scheduler is not None
    added = SourceSettings(id="web", base_url="http://127.0.0.1:9/oai", schedule="* * * * * *")
    log = RunLog(service.hub.engine)
    log.managed.save("web", table_of(added), who="test", action="add")
    assert [s.id for s in all_sources(service.hub)] == ["conf", "web"]
    service.tick()
    assert service.scheduler.get_job(job_id("web")) is not None
    wait_for(lambda: runner.count("schedule") >= 1, what="the stored source's cron to fire")
    assert log.sources.get("web") is not None and log.sources.require("web").enabled
    disabled = table_of(added) | {"enabled": False}
    log.managed.save("web", disabled, who="test", action="disable")
    service.tick()
    assert service.scheduler.get_job(job_id("web")) is None
    assert not log.sources.require("web").enabled
    assert not service.pick_up_source_changes(), "no change: nothing to do"
    actions = [c.action for c in log.managed.changes("web")]
    assert actions == ["disable", "add"]


def test_the_configuration_wins_over_a_stored_source_of_its_id(
    database_url: str, tmp_path: Path, services: list[SchedulerService]
) -> None:
    service = new_service(
        services, make_settings(database_url, tmp_path, source("conf")), RecordingRunner()
    )
    stored = SourceSettings(id="conf", base_url="http://127.0.0.1:8/other")
    RunLog(service.hub.engine).managed.save("conf", table_of(stored), who="t", action="add")
    assert find_source(service.hub, "conf").base_url == "http://127.0.0.1:9/oai"
    assert len(all_sources(service.hub)) == 1


def test_a_stale_run_is_notified(
    database_url: str,
    tmp_path: Path,
    services: list[SchedulerService],
    receiver: tuple[Receiver, str],
) -> None:
    hook, url = receiver
    settings = make_settings(
        database_url,
        tmp_path,
        source("p1"),
        scheduler__stale_after_seconds=1,
        notify__webhook_urls=[url],
    )
    service = new_service(services, settings, RecordingRunner())
    service.runlog.sources.sync([("p1", "p1", "http://127.0.0.1:9/oai", "oai_dc", "{}")])
    run_id = service.runlog.runs.start("p1", trigger="schedule", pid=999_999_999)
    age_heartbeat(service.hub, run_id)  # older than stale_after_seconds
    assert service.start()  # it ticks once: the stale run is failed
    wait_for(lambda: len(hook.bodies) == 1, what="the webhook of the killed run")
    assert (hook.bodies[0]["event"], hook.bodies[0]["run"]) == ("failed", run_id)
    assert "heartbeat" in hook.bodies[0]["error"]
    assert wait_for_deliveries(30)
    sent = service.runlog.events.of_run(run_id, kind="notify")
    assert [e.level for e in sent] == ["info"]
