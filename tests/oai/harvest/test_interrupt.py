"""Ctrl-C, SIGTERM and shutdowns end a run `interrupted` with its checkpoint at once, and
Resume is offered only where there is a checkpoint to resume (issue 13)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from oai.cli import main
from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import Settings, load_settings
from tests.databases import migrated_sqlite
from tests.oai.harvest.conftest import ROOT, Harvest, assert_mirrors, events, make_partner
from tests.oai.harvest.faultserver import FaultServer, Partner


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "oaihub.toml"
    migrated_sqlite(tmp_path / "oaihub.sqlite")  # a command never makes a new database
    path.write_text(
        f'data_dir = "{tmp_path}"\n'
        "[harvest]\nread_timeout = 2.0\nbackoff_seconds = 0.01\nmax_retries = 1\nworkers = 0\n"
        f'[[sources]]\nid = "partner"\nbase_url = "{url}"\n'
    )
    return path


def _oai(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.stdout + result.stderr


def test_sigterm_marks_the_run_interrupted_and_resume_finishes_it(tmp_path: Path) -> None:
    partner = make_partner(count=120, page_size=10)
    with FaultServer(partner).start() as server:
        server.delay = 0.15
        config = _config(tmp_path, server.url)
        Hub.from_settings(_settings(config), migrate=True).close()
        command = [str(Path(sys.executable).with_name("oai")), "--config", str(config)]
        with subprocess.Popen(
            [*command, "harvest", "partner"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            with Hub.from_settings(_settings(config)) as hub:
                _wait_for_pages(RunLog(hub.engine), 2, process)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 130
            assert process.stderr is not None
            assert "interrupted" in process.stderr.read()
        with Hub.from_settings(_settings(config)) as hub:
            log = RunLog(hub.engine)
            (run,) = log.runs.newest(source_id="partner")
            assert run.status == "interrupted"  # at once, not `running` until a scheduler
            assert 2 <= run.pages < 12
            (note,) = events(hub, run.id, "interrupt")
            assert "checkpoint" in note.message
            saved = log.runs.last_checkpoint("partner")
            assert saved is not None and saved.run_id == run.id
        code, out = _oai(config, "runs", "show", str(run.id))
        assert "resumable: `oai harvest partner --resume`" in out
        server.delay = 0.0
        code, out = _oai(config, "harvest", "partner", "--resume")
        assert code == 0, out
        with Hub.from_settings(_settings(config)) as hub:
            log = RunLog(hub.engine)
            runs = log.runs.newest(source_id="partner")
            assert [r.status for r in runs] == ["ok", "interrupted"]
            assert events(hub, runs[0].id, "resume")
            assert sum(r.counts.added for r in runs) == 120  # none lost, none twice
            assert_mirrors(hub, partner)
            assert log.runs.last_checkpoint("partner") is None
        code, out = _oai(config, "harvest", "partner", "--resume")
        assert code != 0
        assert "nothing to resume for partner: its last run (" in out and "completed" in out


def test_a_shutdown_stops_a_run_at_its_next_page(hub: Hub, server: FaultServer) -> None:
    server.delay = 0.05

    def stop_after_two_pages(progress: object) -> None:
        if getattr(progress, "pages", 0) == 2:
            hub.stopping.set()  # what `oai scheduler` and `oai worker` do on SIGTERM

    try:
        result = run_harvest(hub, "partner", progress=stop_after_two_pages)
    finally:
        hub.stopping.clear()
    assert (result.status, result.pages, result.counts.added) == ("interrupted", 2, 20)
    again = run_harvest(hub, "partner")
    assert (again.status, again.counts.added) == ("ok", 5)


def test_a_configuration_error_is_not_resumable(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest, tmp_path: Path
) -> None:
    partner.prefix = "something_else"  # cannotDisseminateFormat
    result = harvest()
    assert result.status == "failed"
    log = RunLog(hub.engine)
    assert log.runs.last_checkpoint("partner") is None
    assert any("not resumable" in e.message for e in events(hub, result.run_id, "resume"))
    code, out = _oai(_config(tmp_path, server.url), "harvest", "partner", "--resume")
    assert code != 0
    assert f"nothing to resume for partner: run {result.run_id} (failed) left no page" in out


def test_a_run_that_failed_before_its_first_page_offers_no_resume(
    hub: Hub, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("status", at=[2, 3, 4, 5], status=503)  # every try of the first page
    result = harvest()
    assert (result.status, result.pages) == ("failed", 0)
    assert RunLog(hub.engine).runs.last_checkpoint("partner") is None


def _settings(config: Path) -> Settings:
    return load_settings(config, env={})


def _wait_for_pages(log: RunLog, pages: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = log.runs.running("partner")
        if running is not None and running.pages >= pages:
            return
        assert process.poll() is None, "the harvest ended before it could be stopped"
        time.sleep(0.02)
    raise AssertionError(f"the harvest did not reach page {pages}")


def test_keyboard_interrupt_in_process_marks_the_run(hub: Hub, server: FaultServer) -> None:
    def interrupt(progress: object) -> None:
        if getattr(progress, "pages", 0) == 1:
            raise KeyboardInterrupt

    try:
        run_harvest(hub, "partner", progress=interrupt)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the KeyboardInterrupt must reach the caller")
    (run,) = RunLog(hub.engine).runs.newest(source_id="partner")
    assert (run.status, run.pages) == ("interrupted", 1)
