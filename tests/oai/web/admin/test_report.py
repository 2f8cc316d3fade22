"""A run's validation report: rejected records with identifiers, reasons and raw XML, as
CSV and JSON from the run page and from GET /api/runs/<id>/report."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient
from lxml import etree

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.oai.web.admin.conftest import API_TOKEN, Data
from tests.oai.web.admin.test_api import conforms

RAW = "<record><header><identifier>oai:partner:7</identifier></header><x>ž</x></record>"


def rejected_run(hub: Hub) -> int:
    log = RunLog(hub.engine)
    run = log.runs.start("partner", trigger="manual")
    log.events.add(run, "info", "page", "page 1", page=1)
    log.events.add(
        run,
        "error",
        "record",
        "record rejected: no title",
        page=1,
        identifier="oai:partner:7",
        raw=RAW.encode(),
        detail={"error": "no title"},
    )
    log.runs.bump(run, failed=1)
    log.runs.finish(run, "ok")
    return run


def test_csv_and_json_downloads_from_the_run_page(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    run = rejected_run(admin_hub)
    page = etree.HTML(admin.get(f"/admin/runs/{run}").get_data(as_text=True))
    link = page.xpath('//a[@id="report-csv"]/@href')[0]
    response = admin.get(link)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["identifier"], r["reason"], r["raw_xml"]) for r in rows] == [
        ("oai:partner:7", "no title", RAW)
    ]
    body = admin.get(page.xpath('//a[@id="report-json"]/@href')[0]).json
    assert body["rejected"] == 1 and body["records"][0]["raw_xml"] == RAW


def test_the_api_report(anon: FlaskClient, admin_hub: Hub, data: Data) -> None:
    run = rejected_run(admin_hub)
    headers = {"X-API-Token": API_TOKEN}
    body = anon.get(f"/api/runs/{run}/report", headers=headers).json
    conforms(body, "/api/runs/{run_id}/report")
    assert body["records"][0]["identifier"] == "oai:partner:7"
    assert anon.get(f"/api/runs/{run}/report?format=csv", headers=headers).mimetype == "text/csv"
    assert anon.get(f"/api/runs/{run}/report?format=xls", headers=headers).status_code == 400
    assert anon.get("/api/runs/9999/report", headers=headers).status_code == 404
    assert anon.get(f"/api/runs/{run}/report").status_code == 401
    empty = anon.get(f"/api/runs/{data.ok_run}/report", headers=headers).json
    assert empty["records"] == []
