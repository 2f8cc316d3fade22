"""Fixtures of the admin tests: a hub with a source, runs, events and a harvested record
whose title is hostile, an app, and clients logged out and logged in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from oai.app import create_app
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SourceSettings, load_settings
from records.model import Record
from tests.databases import hub_at_head

PASSWORD = "correct horse battery staple"
# made once, and with scrypt's cost factor at 1024 instead of werkzeug's 32768: the login
# checks the password exactly as with any hash, without spending 0.2 s of CPU on each
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
API_TOKEN = "test-api-token-0123456789"
XSS = "<script>alert('xss')</script>"
SOURCE = SourceSettings(
    id="partner", base_url="http://127.0.0.1:9/oai", name=f"Partner {XSS}", schedule="0 3 * * *"
)


@dataclass(frozen=True)
class Data:
    ok_run: int
    failed_run: int
    raw_event: int
    record_id: str


def make_admin_hub(database_url: str, data_dir: Path, **overrides: Any) -> Hub:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": str(data_dir),
        "secret_key": "admin-test-secret",
        "repository.identifier": "admin.test",
        "admin.password_hash": PASSWORD_HASH,
        "admin.api_tokens": [API_TOKEN],
        "admin.max_login_attempts": 3,
        # runs asked for wait in harvest_requests on both databases here; the job
        # queue's way on PostgreSQL is tests/oai/scheduler/test_asked.py's
        "scheduler.job_queue": False,
    }
    values.update(overrides)
    settings = load_settings(env={}, overrides=values).with_sources((SOURCE,))
    return hub_at_head(settings)


def populate(hub: Hub) -> Data:
    """One ok run that added a hostile record then changed it; one failed run with a
    rejected page kept raw."""
    log = RunLog(hub.engine)
    log.sources.sync(
        [(SOURCE.id, SOURCE.name, SOURCE.base_url, "oai_dc", '{"schedule": "0 3 * * *"}')]
    )
    ok = log.runs.start("partner", trigger="schedule")
    record = Record.from_dict(
        {
            "id": "partner-1",
            "title": XSS,
            "summary": "First summary",
            "languages": ["cs"],
            "origin": {
                "kind": "harvested",
                "source_id": "partner",
                "remote_identifier": "oai:partner:1",
                "base_url": SOURCE.base_url,
            },
        }
    )
    hub.store.put(record, renderer=hub.render, reason="harvest", run_id=ok)
    changed = Record.from_dict({**record.to_dict(), "summary": f"Second summary {XSS}"})
    hub.store.put(changed, renderer=hub.render, reason="harvest", run_id=ok)
    log.runs.bump(ok, pages=1, requests=1, bytes=2048, added=1, updated=1, unchanged=3)
    log.events.add(ok, "info", "page", f"page 1: 5 records {XSS}", page=1)
    log.runs.set_window(ok, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
    log.runs.finish(ok, "ok")
    failed = log.runs.start("partner", trigger="manual")
    raw = log.events.add(
        failed, "error", "page", "page 1 does not parse", page=1, raw=b"<OAI-PMH><broken"
    )
    log.runs.checkpoint(failed, {"": {"token": "tok-2"}})
    log.runs.bump(failed, pages=1)  # one page committed: the checkpoint is worth resuming
    log.runs.finish(failed, "failed", "stream failed: page 1 does not parse")
    return Data(ok, failed, raw, "partner-1")


@pytest.fixture
def admin_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    with make_admin_hub(database_url, tmp_path) as hub:
        yield hub


@pytest.fixture
def data(admin_hub: Hub) -> Data:
    return populate(admin_hub)


@pytest.fixture
def admin_app(admin_hub: Hub, data: Data) -> Flask:
    app = create_app(hub=admin_hub)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def anon(admin_app: Flask) -> FlaskClient:
    return admin_app.test_client()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: FlaskClient, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"password": password, "csrf_token": token})


@pytest.fixture
def admin(admin_app: Flask) -> FlaskClient:
    client = admin_app.test_client()
    response = log_in(client)
    assert response.status_code == 302
    return client


def age_failures(app: Flask, seconds: int) -> None:
    """Move every failed login `seconds` into the past (instead of waiting); row by row,
    as SQLite keeps times as text that SQL arithmetic would spoil."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from oai.web.admin.state import login_failures

    c = login_failures.c
    with app.extensions["oaihub"].engine.begin() as conn:
        for row_id, at in conn.execute(select(c.id, c.at)).all():
            moved = at - timedelta(seconds=seconds)
            conn.execute(update(login_failures).where(c.id == row_id).values(at=moved))
