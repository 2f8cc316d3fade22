"""Runs an admin asks for: one queue per database (oai.scheduler.asked)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import text

from oai.app import create_app
from oai.harvest import sync_sources
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.scheduler.asked import ask_for_run, runs_waiting
from tests.databases import fresh_schema, migrated_sqlite
from tests.oai.web.admin.conftest import csrf_of, log_in, make_admin_hub

QUEUE = {"scheduler.job_queue": True}


def _jobs(hub: Hub) -> list[tuple[str, str]]:
    with hub.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT args->>'source_id', status FROM procrastinate_jobs ORDER BY id")
        ).all()
    return [(str(source), str(status)) for source, status in rows]


def test_on_postgresql_a_run_asked_for_is_a_job_of_the_queue(
    postgres_url: str, tmp_path: Path
) -> None:
    with fresh_schema(postgres_url) as url, make_admin_hub(url, tmp_path, **QUEUE) as hub:
        first = ask_for_run(hub, "partner", by="admin")
        again = ask_for_run(hub, "partner", by="admin")
        assert first.queued and first.what.startswith("job ")
        assert not again.queued  # one job waits per source
        assert _jobs(hub) == [("partner", "todo")]
        assert RunLog(hub.engine).queue.pending() == []  # not through harvest_requests
        assert runs_waiting(hub) == {"partner": 1}


def test_on_sqlite_a_run_asked_for_waits_for_the_scheduler(tmp_path: Path) -> None:
    with make_admin_hub(migrated_sqlite(tmp_path / "hub.sqlite"), tmp_path) as hub:
        sync_sources(hub)
        assert ask_for_run(hub, "partner", full=True, by="admin").what.startswith("request ")
        assert not ask_for_run(hub, "partner", full=True).queued
        assert ask_for_run(hub, "partner").queued  # an incremental run beside a full one
        assert [r.full for r in RunLog(hub.engine).queue.pending("partner")] == [True, False]
        assert runs_waiting(hub) == {"partner": 2}


def test_harvest_now_in_the_browser_on_postgresql_defers_a_job(
    postgres_url: str, tmp_path: Path
) -> None:
    with fresh_schema(postgres_url) as url, make_admin_hub(url, tmp_path, **QUEUE) as hub:
        sync_sources(hub)
        client: FlaskClient = create_app(hub=hub).test_client()
        log_in(client)
        token = csrf_of(client.get("/admin/").get_data(as_text=True))
        form = {"action": "now", "csrf_token": token}
        page = client.post("/admin/sources/partner/harvest", data=form, follow_redirects=True)
        assert "queued (job " in page.get_data(as_text=True)
        page = client.post("/admin/sources/partner/harvest", data=form, follow_redirects=True)
        assert "already queued" in page.get_data(as_text=True)
        assert _jobs(hub) == [("partner", "todo")]
        assert "1 queued" in client.get("/admin/").get_data(as_text=True)
