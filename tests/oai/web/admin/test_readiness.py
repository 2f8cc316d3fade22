"""Readiness for the aggregators on the admin pages, in the API and as the partner's CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oai.app import create_app
from oai.demo import load_demo_records
from oai.hub import Hub
from oai.readiness import problems, record_readiness, source_report
from records.model import Record
from tests.oai.web.admin.conftest import API_TOKEN, log_in, make_admin_hub
from tests.oai.web.admin.test_api import conforms
from tests.oai.web.conftest import T0, put

EDM = {
    "edm.provider": "Czech aggregator",
    "edm.default_rights": "http://rightsstatements.org/vocab/CNE/1.0/",
    "public_url": "http://hub.example.org",
}


@pytest.fixture
def ready_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    with make_admin_hub(database_url, tmp_path, **EDM) as hub:
        load_demo_records(hub)
        for i in range(3):  # three records of one title, one with a title of two letters
            put(hub, Record.from_dict({"id": f"same-{i}", "title": "Dopisy"}), T0)
        put(hub, Record.from_dict({"id": "short", "title": "Xy", "summary": "xy"}), T0)
        yield hub


@pytest.fixture
def app(ready_hub: Hub) -> Flask:
    app = create_app(hub=ready_hub)
    app.config["TESTING"] = True
    return app


def test_a_record_says_whether_it_is_ready_and_why_not(ready_hub: Hub) -> None:
    seed = record_readiness(ready_hub, ready_hub.store.get("301006"))
    assert seed.edm_ready
    assert seed.failures == ()
    assert any("rights" in note for note in seed.notes)  # its text rights: the default
    assert seed.tiers.content == 1
    assert seed.tiers.contextual == "C"  # a TimeSpan, agents, places and concepts linked
    assert seed.tiers.enabling in ("B", "C")
    assert seed.tiers.language == "0"  # no literal carries a language tag
    other = record_readiness(ready_hub, ready_hub.store.get("miller-1961-01-09"))
    assert not other.edm_ready
    assert [f.split(":")[0] for f in other.failures] == ["language-for-text"]


def test_the_common_problems_are_found() -> None:
    short = Record.from_dict({"id": "a", "title": "Xy", "summary": "xy"})
    assert problems(short) == ["very short title (2 characters)", "title equal to the description"]
    bare = Record.from_dict({"id": "b", "title": "Dopisy"})
    assert problems(bare, same_title=2) == [
        "same title as other records of the source (2 others)",
        "no description",
    ]


def test_a_sources_report_has_a_row_a_record_and_a_summary(ready_hub: Hub) -> None:
    report = source_report(ready_hub, "local")
    summary = report.summary()
    assert summary["records"] == 12
    assert summary["edm_ready"] == 1
    assert summary["failed_rules"]["language-for-text"] == 11
    assert summary["problems"]["same title as other records of the source"] == 3
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[0][:3] == ["id", "title", "edm_ready"]
    assert len(rows) == 13
    assert [rows[1][0], rows[1][2]] == ["301006", "yes"]


def test_the_api_and_the_pages_show_readiness(app: Flask) -> None:
    client: FlaskClient = app.test_client()
    body = client.get("/api/sources/local/readiness", headers={"X-API-Token": API_TOKEN}).json
    assert body is not None
    conforms(body, "/api/sources/{source_id}/readiness")
    assert body["summary"]["edm_ready"] == 1
    assert client.get("/api/sources/local/readiness").status_code == 401
    assert client.get("/admin/sources/local/readiness.csv").status_code in (302, 401)
    assert log_in(client).status_code == 302
    response = client.get("/admin/sources/local/readiness.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    page = client.get("/admin/records/miller-1961-01-09").get_data(as_text=True)
    assert "not ready" in page and "language-for-text" in page
    assert "metadata tier" in page
