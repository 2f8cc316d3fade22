"""The records page (search, filters, keyset pages), the record page's additions
(human dates, folded texts, finding-aid links, landing page, re-harvest) and the admin's
own 404 and 500 pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from oai.app import create_app
from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SourceSettings, load_settings
from oai.web.admin import human_time
from records.model import Record
from tests.oai.harvest.faultserver import FaultServer, Partner
from tests.oai.web.admin.conftest import PASSWORD, Data, csrf_of, log_in


def rows(client: FlaskClient, query: str) -> list[str]:
    html = etree.HTML(client.get(f"/admin/records{query}").get_data(as_text=True))
    return [str(v) for v in html.xpath("//tr/@data-record")]


def test_search_filters_and_pages(admin: FlaskClient, admin_hub: Hub, data: Data) -> None:
    for n in range(60):
        admin_hub.store.put(Record.from_dict({"id": f"memo-{n:02d}", "title": f"Memo {n}"}))
    newest = rows(admin, "?q=memo")
    assert len(newest) == 50 and newest[:2] == ["memo-59", "memo-58"]
    first = etree.HTML(admin.get("/admin/records?q=memo&sort=title").get_data(as_text=True))
    shown = [str(v) for v in first.xpath("//tr/@data-record")]
    assert len(shown) == 50
    following = first.xpath('//a[@id="next-page"]/@href')[0]
    rest = [
        str(v)
        for v in etree.HTML(admin.get(following).get_data(as_text=True)).xpath("//tr/@data-record")
    ]
    assert len(rest) == 10 and not set(rest) & set(shown)
    assert rows(admin, "?kind=harvested") == ["partner-1"]
    assert rows(admin, "?source=partner&q=script") == ["partner-1"], "a word of the title"
    assert rows(admin, "?q=oai:admin.test:partner-1") == ["partner-1"], "our OAI identifier"
    assert rows(admin, "?state=deleted") == []
    assert admin.get("/admin/records?sort=sideways").status_code == 400
    assert admin.get("/admin/records?q=" + "x" * 201).status_code == 400


def test_a_row_shows_title_date_source_datestamp_state(admin: FlaskClient, data: Data) -> None:
    html = etree.HTML(admin.get("/admin/records?kind=harvested").get_data(as_text=True))
    cells = [
        " ".join(td.itertext()).strip() for td in html.xpath('//tr[@data-record="partner-1"]/td')
    ]
    assert "<script>" in cells[0], "the hostile title shown as text"
    assert cells[2] == "partner"
    assert "UTC" in cells[3] and "ago" in cells[3]
    assert cells[4] == "live"


def test_failed_in_the_last_run_lists_rejected_records(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    log = RunLog(admin_hub.engine)
    run = log.runs.start("partner", trigger="manual")
    log.events.add(
        run, "error", "record", "record rejected: no title", identifier="oai:partner:1", raw=b"<r/>"
    )
    log.events.add(
        run, "error", "record", "record rejected: bad", identifier="oai:partner:404", raw=b"<x/>"
    )
    log.runs.finish(run, "ok")
    html = admin.get("/admin/records?failed=1").get_data(as_text=True)
    assert [str(v) for v in etree.HTML(html).xpath("//tr/@data-record")] == ["partner-1"]
    assert "oai:partner:404" in html, "a rejected record that is not stored is named"


def test_record_page_dates_folding_and_finding_aid_links(
    admin: FlaskClient, admin_hub: Hub
) -> None:
    origin = {"kind": "harvested", "source_id": "partner", "base_url": "http://127.0.0.1:9/oai"}
    aid = Record.from_dict(
        {
            "id": "partner:fa",
            "title": "Finding aid",
            "transcript": "long text " * 100,
            "url": "https://partner.example/fa",
            "origin": {**origin, "remote_identifier": "oai:p:fa"},
        }
    )
    part = Record.from_dict(
        {
            "id": "partner:fa-c1",
            "title": "Component one",
            "related": [{"relation": "isPartOf", "id": "fa", "title": "Finding aid"}],
            "origin": {**origin, "remote_identifier": "oai:p:fa#c1"},
        }
    )
    admin_hub.store.put_many([aid, part])
    html = admin.get("/admin/records/partner:fa").get_data(as_text=True)
    page = etree.HTML(html)
    assert page.xpath('//ul[@id="components"]//a/@href') == ["/admin/records/partner:fa-c1"]
    assert page.xpath('//a[@id="landing"]/@href') == ["https://partner.example/fa"]
    assert page.xpath("//details[@class='long']/summary"), "the transcript is folded"
    assert "ago)" in html
    back = etree.HTML(admin.get("/admin/records/partner:fa-c1").get_data(as_text=True))
    assert back.xpath('//p[@id="part-of"]/a/@href') == ["/admin/records/partner:fa"]


def test_human_time() -> None:
    now = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert human_time(now - timedelta(hours=2), now) == "3 Dec 2026, 15:00 UTC (2 hours ago)"
    assert human_time(now + timedelta(minutes=5), now) == "3 Dec 2026, 17:05 UTC (in 5 minutes)"
    assert human_time(None) == "—"


def test_missing_record_and_run_get_the_styled_404(admin: FlaskClient, data: Data) -> None:
    for path in ("/admin/records/nope", "/admin/runs/99999", "/admin/nowhere"):
        response = admin.get(path)
        assert response.status_code == 404
        page = etree.HTML(response.get_data(as_text=True))
        assert page.xpath('//section[@id="error-page"]'), path
        assert page.xpath("//header[@class='top']//nav"), "the menu is there"
    assert admin.get("/api/records/nope").json["error"] == "not_found"


def test_a_failure_gets_the_styled_500(admin_hub: Hub, data: Data) -> None:
    app = create_app(hub=admin_hub)

    @app.get("/admin/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    client = app.test_client()
    log_in(client)
    response = client.get("/admin/boom")
    assert response.status_code == 500
    assert b'id="error-page"' in response.data
    assert b"boom" not in response.data, "no internals shown"


@pytest.fixture
def partner_server() -> Iterator[tuple[Partner, FaultServer]]:
    partner = Partner(page_size=10)
    partner.put("doc-1", "First title")
    partner.tick(60)
    server = FaultServer(partner).start()
    yield partner, server
    server.stop()


def test_reharvest_one_record_through_reconcile(
    partner_server: tuple[Partner, FaultServer], tmp_path: Path
) -> None:
    partner, server = partner_server
    settings = load_settings(
        env={},
        overrides={
            "data_dir": str(tmp_path),
            "secret_key": "s",
            "admin.password_hash": __import__("werkzeug.security").security.generate_password_hash(
                PASSWORD
            ),
            "harvest.max_retries": 0,
        },
    ).with_sources((SourceSettings(id="partner", base_url=server.url),))
    with Hub.from_settings(settings, migrate=True) as hub:
        assert run_harvest(hub, "partner").ok
        local = hub.store.find_by_origin("partner", partner.items["doc-1"].identifier)
        assert local is not None
        partner.put("doc-1", "Second title")
        app: Flask = create_app(hub=hub)
        client = app.test_client()
        log_in(client)
        page = client.get(f"/admin/records/{local.id}").get_data(as_text=True)
        assert 'name="reharvest"' in page
        response = client.post(
            f"/admin/records/{local.id}/reharvest", data={"csrf_token": csrf_of(page)}
        )
        assert response.status_code == 302
        assert hub.store.get(local.id).title == "Second title"
        run = RunLog(hub.engine).runs.newest(limit=1)[0]
        assert (run.trigger, run.status, run.counts.updated) == ("record", "ok", 1)
        assert any(r.get("verb") == "GetRecord" for r in server.requests)
        assert "run " + str(run.id) in client.get(f"/admin/records/{local.id}").get_data(
            as_text=True
        )
        local_only = client.post("/admin/records/x/reharvest", data={"csrf_token": csrf_of(page)})
        assert local_only.status_code == 404


def test_search_every_field_ranked_with_snippets(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    put = admin_hub.store.put
    put(Record.from_dict({"id": "ctk-1", "title": "Návštěva delegace", "places": ["Praha"]}))
    put(Record.from_dict({"id": "ctk-2", "title": "Praha, Praha a Praha"}))
    assert rows(admin, "?q=Praze") == ["ctk-2", "ctk-1"], "ranked: the title thrice first"
    assert rows(admin, "?q=prahy&sort=datestamp") == ["ctk-2", "ctk-1"]
    html = etree.HTML(admin.get("/admin/records?q=Praze").get_data(as_text=True))
    found = html.xpath('//tr[@data-record="ctk-1"]//small[@class="snippet"]')
    assert isinstance(found, list) and isinstance(found[0], etree._Element)
    snippet = found[0]
    assert " ".join("".join(str(t) for t in snippet.itertext()).split()) == "coverage: Praha"
    assert snippet.xpath("mark/text()") == ["Praha"]
    assert html.xpath('//select[@name="sort"]/option[@selected]/@value') == ["relevance"]


def test_the_record_page_reads_as_an_archival_description(
    admin: FlaskClient, admin_hub: Hub
) -> None:
    origin = {"kind": "harvested", "source_id": "partner", "base_url": "http://127.0.0.1:9/oai"}
    levels = [("fonds", "oai:p:f", "Fonds"), ("series", "oai:p:f#s", "Series"),
              ("file", "oai:p:f#s1", "File")]  # fmt: skip
    records = [
        Record.from_dict(
            {
                "id": f"partner:{level}",
                "title": title,
                "date": {"text": "1930-1950", "start": "1930", "end": "1950", "precision": "year"},
                "creators": [{"name": "Městský úřad", "role": "creator"}],
                "places": ["Praha"],
                "identifiers": [{"value": "https://partner.example/u/1", "type": "url"}],
                "related": (
                    [{"relation": "isPartOf", "id": "s", "title": "Series"}]
                    if level == "file"
                    else []
                ),
                "origin": {**origin, "remote_identifier": remote},
            }
        )
        for level, remote, title in levels
    ]
    admin_hub.store.put_many(records)
    page = etree.HTML(admin.get("/admin/records/partner:file").get_data(as_text=True))
    crumbs = page.xpath('//nav[@id="breadcrumbs"]/a/text()')
    assert crumbs == ["Fonds", "Series"], "breadcrumbs up the hierarchy, the top first"
    labels = page.xpath('//table[@id="fields"]//th/text()')
    assert labels[:2] == ["Date", "Creators"] and "Places" in labels
    date_row = page.xpath('//table[@id="fields"]//tr[th="Date"]//div[@class="value"]')
    assert len(date_row) == 1, "a date is one line"
    assert "1930-1950" in "".join(date_row[0].itertext())
    links = page.xpath('//table[@id="fields"]//a/@href')
    assert "https://partner.example/u/1" in links, "every URL is a link"
    assert page.xpath('//a[@id="json-form"]/@href') == ["/api/records/partner:file"]
