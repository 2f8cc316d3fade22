"""The admin pages show what the run log and the store hold, and queue what admins ask."""

from __future__ import annotations

from flask.testing import FlaskClient
from lxml import etree
from markupsafe import escape

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.oai.web.admin.conftest import Data, csrf_of


def test_dashboard_lists_sources_with_last_run_and_totals(admin: FlaskClient, data: Data) -> None:
    html = etree.HTML(admin.get("/admin/").get_data(as_text=True))
    row = html.xpath('//tr[@data-source="partner"]')[0]
    text = " ".join(row.itertext())
    assert "failed" in text, "the last run (the failed one) is shown"
    assert f"run {data.failed_run}" in text
    assert row.xpath('string(td[@class="num"][1])').strip() == "1"  # one live record
    totals = " ".join(html.xpath('//section[@id="totals"]')[0].itertext())
    assert "1 records" in " ".join(totals.split())
    assert "2 runs" in " ".join(totals.split())
    assert html.xpath("//figure[@class='chart']//*[local-name()='svg']")
    assert "not running" in " ".join(html.xpath('//p[@id="scheduler"]')[0].itertext())


def test_runs_list_filters_by_source_status_and_date(admin: FlaskClient, data: Data) -> None:
    def run_ids(query: str) -> list[int]:
        html = etree.HTML(admin.get(f"/admin/runs{query}").get_data(as_text=True))
        return [int(v) for v in html.xpath("//tr/@data-run")]

    assert run_ids("") == [data.failed_run, data.ok_run]
    assert run_ids("?status=ok") == [data.ok_run]
    assert run_ids("?status=failed&source=partner") == [data.failed_run]
    assert run_ids("?source=elsewhere") == []
    assert run_ids("?since=2000-01-01") == [data.failed_run, data.ok_run]
    assert run_ids("?since=2999-01-01") == []
    assert admin.get("/admin/runs?status=bogus").status_code == 400
    assert admin.get("/admin/runs?since=yesterday").status_code == 400


def test_run_page_shows_counts_window_events_and_raw_download(
    admin: FlaskClient, data: Data
) -> None:
    html = admin.get(f"/admin/runs/{data.ok_run}").get_data(as_text=True)
    counts = etree.HTML(html).xpath('//table[@id="counts"]//td/text()')
    assert counts == ["1", "1", "3", "0", "0"]
    assert "2024-01-01T00:00:00Z" in html
    assert "2024-02-01T00:00:00Z" in html
    assert 'href="/admin/records/partner-1"' in html
    failed = admin.get(f"/admin/runs/{data.failed_run}").get_data(as_text=True)
    assert "stream failed: page 1 does not parse" in failed
    assert "tok-2" in failed, "the checkpoint is shown"
    assert 'name="resume"' in failed, "a failed run offers to resume"
    link = f"/admin/runs/{data.failed_run}/events/{data.raw_event}/raw"
    assert link in failed
    raw = admin.get(link)
    assert raw.data == b"<OAI-PMH><broken"
    assert raw.headers["Content-Disposition"].startswith("attachment;")
    assert raw.mimetype == "application/octet-stream"
    assert admin.get(f"/admin/runs/{data.ok_run}/events/{data.raw_event}/raw").status_code == 404
    assert admin.get("/admin/runs/999").status_code == 404


def test_record_page_shows_fields_provenance_versions_and_formats(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    html = admin.get("/admin/records/partner-1").get_data(as_text=True)
    tree = etree.HTML(html)
    assert "oai:partner:1" in " ".join(tree.xpath('//table[@id="provenance"]')[0].itertext())
    versions = tree.xpath("//section[@class='version']/@data-version")
    assert versions == ["2", "1"]
    newest = tree.xpath("//section[@data-version='2']//table[@class='diff']//tr[@class='changed']")
    assert [r.xpath("string(td[1])") for r in newest] == ["summary"]
    assert "First summary" in " ".join(newest[0].itertext())
    formats = tree.xpath('//ul[@id="formats"]//a')
    prefixes = {a.text for a in formats}
    assert "oai_dc" in prefixes
    href = next(a.get("href") for a in formats if a.text == "oai_dc")
    assert href.startswith("/oai?verb=GetRecord&identifier=oai%3Aadmin.test%3Apartner-1")
    assert admin.get(href).status_code == 200
    assert admin.get("/admin/records/nothing-here").status_code == 404
    jump = admin.get("/admin/records?id=oai:admin.test:partner-1")
    assert jump.headers["Location"] == "/admin/records/partner-1"


def test_full_harvest_needs_confirmation(admin: FlaskClient, admin_hub: Hub, data: Data) -> None:
    log = RunLog(admin_hub.engine)
    page = admin.get("/admin/sources/partner/harvest?action=full").get_data(as_text=True)
    assert "tombstones" in page
    token = csrf_of(page)
    url = "/admin/sources/partner/harvest"
    unconfirmed = admin.post(url, data={"action": "full", "csrf_token": token})
    assert unconfirmed.status_code == 200
    assert log.queue.pending() == []
    done = admin.post(url, data={"action": "full", "csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 302
    assert [(r.source_id, r.full, r.requested_by) for r in log.queue.pending()] == [
        ("partner", True, "admin")
    ]
    assert "queued" in admin.get("/admin/").get_data(as_text=True)
    again = admin.post(url, data={"action": "full", "csrf_token": token, "confirmed": "yes"})
    assert again.status_code == 302
    assert len(log.queue.pending()) == 1, "a second click queues no second run"


def test_resume_clears_failing_and_queues_a_run(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    log = RunLog(admin_hub.engine)
    for _ in range(3):
        log.sources.record_failure("partner", 3)
    assert log.sources.get("partner").failing  # type: ignore[union-attr]
    html = admin.get("/admin/").get_data(as_text=True)
    assert "failing" in html
    token = csrf_of(html)
    response = admin.post(
        "/admin/sources/partner/harvest", data={"action": "resume", "csrf_token": token}
    )
    assert response.status_code == 302
    source = log.sources.get("partner")
    assert source is not None
    assert (source.failing, source.consecutive_failures) == (False, 0)
    assert [(r.full) for r in log.queue.pending()] == [False]
    assert admin.post("/admin/sources/nope/harvest", data={"csrf_token": token}).status_code == 404


def test_chart_has_one_linked_bar_per_finished_run(admin: FlaskClient, data: Data) -> None:
    response = admin.get("/admin/chart.svg")
    assert response.mimetype == "image/svg+xml"
    svg = etree.fromstring(response.data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    links = svg.xpath("//s:a/@href", namespaces=ns)
    assert links == [f"/admin/runs/{data.ok_run}", f"/admin/runs/{data.failed_run}"]
    titles = svg.xpath("//s:a/s:rect/s:title/text()", namespaces=ns)
    assert "2 changed" in titles[0]
    assert "0 changed" in titles[1]
    heights = [float(h) for h in svg.xpath("//s:a/s:rect/@height", namespaces=ns)]
    assert heights[0] > heights[1]


def test_a_source_gone_from_the_config_offers_no_actions(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    RunLog(admin_hub.engine).sources.sync([])  # the config lost its sources
    html = admin.get("/admin/").get_data(as_text=True)
    assert "disabled" in html
    assert "Harvest now" not in html
    token = csrf_of(html)
    refused = admin.post("/admin/sources/partner/harvest", data={"csrf_token": token})
    assert refused.status_code == 400
    assert RunLog(admin_hub.engine).queue.pending() == []


def test_harvest_now_leads_to_the_source_s_runs_and_run_pages_name_records(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    page = admin.post(
        "/admin/sources/partner/harvest",
        data={"action": "now", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert 'id="asked-run" href="/admin/runs?source=partner"' in page
    assert 'href="/admin/runs?source=partner">1 queued</a>' in page
    run = admin.get(f"/admin/runs/{data.ok_run}").get_data(as_text=True)
    assert 'id="run-source" href="/admin/sources/partner"' in run
    title = admin_hub.store.get(data.record_id).title
    assert f">{escape(title)}</a>" in run, "the records a run wrote are named by title"
