"""The JSON API answers what the pages show, in the shapes its OpenAPI document gives."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from oai.web.admin.api import openapi_document
from tests.oai.web.admin.conftest import API_TOKEN, Data
from tests.oai.web.admin.openapi_check import errors

TOKEN = {"X-API-Token": API_TOKEN}


def conforms(body: Any, path: str, status: str = "200") -> None:
    document = openapi_document()
    operation = document["paths"][path]["get"]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    found = errors(body, schema, document)
    assert not found, "\n".join(found)


def test_the_openapi_document_is_3_1_and_covers_every_api_route(anon: FlaskClient) -> None:
    document = anon.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.1")
    routes = {str(r) for r in anon.application.url_map.iter_rules() if str(r).startswith("/api")}
    documented = {
        p.replace("{run_id}", "<id:run_id>")
        .replace("{event_id}", "<id:event_id>")
        .replace("{record_id}", "<path:record_id>")
        .replace("{source_id}", "<source_id>")
        for p in document["paths"]
    }
    assert routes == documented


def test_sources(anon: FlaskClient, data: Data) -> None:
    body = anon.get("/api/sources", headers=TOKEN).json
    conforms(body, "/api/sources")
    (source,) = body["sources"]
    assert source["id"] == "partner"
    assert source["last_run"]["id"] == data.failed_run
    assert source["records"] == 1
    assert body["totals"]["runs"] == 2
    assert body["scheduler_running"] is False


def test_runs_with_filters_and_paging(anon: FlaskClient, data: Data) -> None:
    body = anon.get("/api/runs?limit=1", headers=TOKEN).json
    conforms(body, "/api/runs")
    assert [r["id"] for r in body["runs"]] == [data.failed_run]
    following = anon.get(body["next"], headers=TOKEN).json
    conforms(following, "/api/runs")
    assert [r["id"] for r in following["runs"]] == [data.ok_run]
    ok = anon.get("/api/runs?status=ok", headers=TOKEN).json
    assert [(r["id"], r["counts"]["added"]) for r in ok["runs"]] == [(data.ok_run, 1)]
    bad = anon.get("/api/runs?status=nope", headers=TOKEN)
    assert bad.status_code == 400
    conforms(bad.json, "/api/runs", "400")


@pytest.mark.parametrize("which", ["ok", "failed"])
def test_run(anon: FlaskClient, data: Data, which: str) -> None:
    run_id = data.ok_run if which == "ok" else data.failed_run
    body = anon.get(f"/api/runs/{run_id}", headers=TOKEN).json
    conforms(body, "/api/runs/{run_id}")
    assert body["run"]["status"] == which
    if which == "failed":
        raw_url = body["events"][0]["raw_url"]
        assert raw_url == f"/api/runs/{run_id}/events/{data.raw_event}/raw"
        assert anon.get(raw_url, headers=TOKEN).data == b"<OAI-PMH><broken"
        assert anon.get(raw_url).status_code == 401
        assert body["run"]["checkpoint"] == {"": {"token": "tok-2"}}
    else:
        assert {r["id"] for r in body["records"]} == {"partner-1"}
    missing = anon.get("/api/runs/999", headers=TOKEN)
    assert missing.status_code == 404
    conforms(missing.json, "/api/runs/{run_id}", "404")


def test_record(anon: FlaskClient, data: Data) -> None:
    body = anon.get("/api/records/partner-1", headers=TOKEN).json
    conforms(body, "/api/records/{record_id}")
    assert body["identifier"] == "oai:admin.test:partner-1"
    assert body["origin"]["source_id"] == "partner"
    assert [v["version"] for v in body["versions"]] == [2, 1]
    assert [c["field"] for c in body["versions"][0]["changes"]] == ["summary"]
    assert "oai_dc" in body["formats"]
    assert anon.get("/api/records/none", headers=TOKEN).status_code == 404


def test_the_checker_catches_a_wrong_shape() -> None:
    document = openapi_document()
    schema = {"$ref": "#/components/schemas/Run"}
    assert errors({"id": "one"}, schema, document)
