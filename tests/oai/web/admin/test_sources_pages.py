"""The source pages: a page per source, managing sources in the browser (stored,
audited, read-only when configured), Test connection, and the dashboard's additions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from oai.harvest.runlog import RunLog
from oai.harvest.wording import in_words
from oai.hub import Hub
from tests.oai.harvest.faultserver import FaultServer, Partner
from tests.oai.web.admin.conftest import Data, csrf_of, make_admin_hub


@pytest.fixture
def admin_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    """The partners of these tests listen on 127.0.0.1: the configuration lets sources
    added in the browser reach it (tests/oai/web/admin/test_address_policy.py shows the
    default refusing it)."""
    with make_admin_hub(database_url, tmp_path, **{"harvest.private_base_urls": True}) as hub:
        yield hub


@pytest.fixture
def partner_url() -> Iterator[str]:
    partner = Partner()
    partner.put("doc-1", "One")
    server = FaultServer(partner).start()
    yield server.url
    server.stop()


def form(**values: str) -> dict[str, str]:
    base = {"id": "web", "base_url": "http://127.0.0.1:9/oai", "metadata_prefix": "oai_dc"}
    return {**base, "name": "Web partner", "enabled": "on", **values}


def test_source_page_shows_state_counts_chart_error_and_runs(
    admin: FlaskClient, data: Data
) -> None:
    html = admin.get("/admin/sources/partner").get_data(as_text=True)
    page = etree.HTML(html)
    assert page.xpath('string(//span[@id="state"])') == "ok"
    assert "configuration file" in page.xpath('string(//*[@id="origin"])')
    counts = page.xpath('//table[@id="counts"]//td/text()')
    assert counts[:2] == ["1", "0"]
    legend = page.xpath(
        "//figure[@id='source-chart']//*[local-name()='g']//*[local-name()='text']/text()"
    )
    assert legend == ["added", "updated", "deleted", "failed"]
    assert [int(v) for v in page.xpath("//table[@id='runs']//tr/@data-run")] == [
        data.failed_run,
        data.ok_run,
    ]
    assert "not valid OAI-PMH XML" in page.xpath('string(//*[@id="last-error"])')
    assert not page.xpath('//a[@id="edit"]'), "a configured source is read-only"
    assert page.xpath('//button[@name="resume"]'), "the failed run left a checkpoint"
    token = csrf_of(html)
    assert (
        admin.post(
            "/admin/sources/partner/edit", data={**form(id="partner"), "csrf_token": token}
        ).status_code
        == 403
    )
    assert (
        admin.post(
            "/admin/sources/partner/enabled", data={"enabled": "off", "csrf_token": token}
        ).status_code
        == 403
    )
    assert admin.get("/admin/sources/nope").status_code == 404


def test_add_edit_disable_a_source_in_the_browser(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    token = csrf_of(admin.get("/admin/sources/new").get_data(as_text=True))
    response = admin.post(
        "/admin/sources/new", data={**form(schedule="*/5 * * * *"), "csrf_token": token}
    )
    assert response.status_code == 302
    log = RunLog(admin_hub.engine)
    assert log.managed.get("web") is not None
    assert log.sources.require("web").enabled, "synced for the dashboard at once"
    page = etree.HTML(admin.get("/admin/sources/web").get_data(as_text=True))
    assert "database" in page.xpath('string(//*[@id="origin"])')
    assert page.xpath('//a[@id="edit"]')
    again = admin.post("/admin/sources/new", data={**form(), "csrf_token": token})
    assert again.status_code == 400 and b"already" in again.data
    admin.post(
        "/admin/sources/web/edit",
        data={**form(name="Renamed", schedule="*/5 * * * *"), "csrf_token": token},
    )
    admin.post("/admin/sources/web/enabled", data={"enabled": "off", "csrf_token": token})
    assert not log.sources.require("web").enabled
    changes = log.managed.changes("web")
    assert [c.action for c in changes] == ["disable", "edit", "add"]
    assert changes[1].changes == {"name": ["Web partner", "Renamed"]}
    assert changes[0].changes == {"enabled": [True, False]}
    assert all(c.who.startswith("admin from ") for c in changes)
    history = admin.get("/admin/sources").get_data(as_text=True)
    assert "Renamed" in history and "disable" in history


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"base_url": "ftp://127.0.0.1/oai"}, "http"),
        ({"schedule": "every day"}, "schedule"),
        ({"id": "has space"}, "id"),
        ({"id": ""}, "required"),
        ({"name": "x" * 2001}, "2000"),
    ],
)
def test_bad_forms_are_refused_with_words(
    admin: FlaskClient, data: Data, values: dict[str, str], says: str
) -> None:
    token = csrf_of(admin.get("/admin/sources/new").get_data(as_text=True))
    response = admin.post("/admin/sources/new", data={**form(**values), "csrf_token": token})
    assert response.status_code == 400
    error = etree.HTML(response.get_data(as_text=True)).xpath('string(//*[@id="form-error"])')
    assert says in error


def test_test_connection_runs_identify(admin: FlaskClient, data: Data, partner_url: str) -> None:
    token = csrf_of(admin.get("/admin/sources/new").get_data(as_text=True))
    ok = admin.post(
        "/admin/sources/new",
        data={**form(base_url=partner_url), "action": "test", "csrf_token": token},
    )
    result = etree.HTML(ok.get_data(as_text=True)).xpath('string(//*[@id="test-result"])')
    assert "Fault partner answered Identify" in result and "YYYY-MM-DDThh:mm:ssZ" in result
    down = admin.post(
        "/admin/sources/partner/test", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Test connection failed" in down.get_data(as_text=True), "nothing listens on port 9"


def test_dashboard_error_in_words_and_resume_only_with_a_checkpoint(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    row = etree.HTML(admin.get("/admin/").get_data(as_text=True)).xpath(
        '//tr[@data-source="partner"]'
    )[0]
    assert "not valid OAI-PMH XML" in row.xpath('string(td[@class="words"])')
    assert row.xpath('.//button[text()="Resume"]')
    log = RunLog(admin_hub.engine)
    log.runs.finish(log.runs.start("partner", trigger="manual"), "ok")
    row = etree.HTML(admin.get("/admin/").get_data(as_text=True)).xpath(
        '//tr[@data-source="partner"]'
    )[0]
    assert not row.xpath('.//button[text()="Resume"]'), "a completed run: nothing to resume"
    assert row.xpath('string(td[@class="words"])').strip() == ""


def test_error_words() -> None:
    assert "refused the connection" in str(
        in_words("Identify failed: ConnectionError: [Errno 111] Connection refused")
    )
    assert "metadata prefix" in str(in_words("cannotDisseminateFormat: no"))
    assert in_words("something new") == "something new"
    assert in_words(None) is None


def test_test_connection_of_an_aron_source_asks_its_api(admin: FlaskClient, data: Data) -> None:
    from oai.demo.aron import AronState, running

    token = csrf_of(admin.get("/admin/sources/new").get_data(as_text=True))
    form_page = admin.get("/admin/sources/new").get_data(as_text=True)
    assert etree.HTML(form_page).xpath('//select[@id="f-kind"]/option/@value') == [
        "oai-pmh",
        "aron",
        "files",
    ]
    with running(AronState.generated(5, seed=1)) as base:
        values = {**form(base_url=base, kind="aron"), "action": "test", "csrf_token": token}
        answer = admin.post("/admin/sources/new", data=values).get_data(as_text=True)
    result = etree.HTML(answer).xpath('string(//*[@id="test-result"])')
    assert "ARON API answered" in result and "first id" in result


def test_records_of_every_kind_can_be_fetched_again(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    from oai.harvest.sources import table_of
    from oai.settings import SourceSettings
    from records.model import Record

    aron = SourceSettings(id="portal", base_url="http://127.0.0.1:9/aron/api/aron", kind="aron")
    RunLog(admin_hub.engine).managed.save("portal", table_of(aron), who="t", action="add")
    origin = {"kind": "harvested", "source_id": "portal", "remote_identifier": "e-1"}
    admin_hub.store.put(Record.from_dict({"id": "portal:e-1", "title": "E", "origin": origin}))
    # issue 21: re-harvesting one record works for every kind (ARON: by its uuid)
    page = admin.get("/admin/records/portal:e-1").get_data(as_text=True)
    assert 'name="reharvest"' in page and "ARON by uuid" in page
    asked = admin.post("/admin/records/portal:e-1/reharvest", data={"csrf_token": csrf_of(page)})
    assert asked.status_code == 302
    (run,) = RunLog(admin_hub.engine).runs.newest(source_id="portal", limit=5)
    assert run.trigger == "record" and run.status == "failed"  # nothing listens on port 9


def test_test_connection_of_a_files_source_lists_its_files(tmp_path: Path) -> None:
    from oai.harvest.client import Client, ClientConfig
    from oai.harvest.kinds.probes import probe_files
    from oai.settings import SourceSettings

    (tmp_path / "a.xml").write_bytes(b"<a/>")
    (tmp_path / "b.xml").write_bytes(b"<b/>")
    client = Client(ClientConfig())
    found = probe_files(
        client, SourceSettings(id="f", base_url=str(tmp_path / "*.xml"), kind="files"), 10**6
    )
    assert found.ok and "2 file(s)" in found.summary and set(found.details) == {"a.xml", "b.xml"}
    missing = probe_files(
        client, SourceSettings(id="f", base_url=str(tmp_path / "none.xml"), kind="files"), 10**6
    )
    assert not missing.ok and "none.xml" in missing.summary
    client.close()


def test_resume_is_refused_when_there_is_nothing_to_resume(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    page = admin.get("/admin/").get_data(as_text=True)
    token = csrf_of(page)
    asked = admin.get("/admin/sources/partner/harvest?action=resume")
    assert asked.status_code == 200  # the failed run committed a page: confirm, then queue
    log = RunLog(admin_hub.engine)
    log.runs.finish(log.runs.start("partner", trigger="manual"), "ok")
    refused = admin.post(
        "/admin/sources/partner/harvest",
        data={"action": "resume", "confirmed": "yes", "csrf_token": token},
    )
    assert refused.status_code == 400
    assert "no interrupted or failed run to resume" in refused.get_data(as_text=True)
    assert log.queue.pending("partner") == []


def test_an_aron_source_page_says_which_api_it_speaks(
    admin: FlaskClient, admin_hub: Hub, data: Data
) -> None:
    from oai.demo.aron import AronState, running
    from oai.harvest import run_harvest
    from oai.harvest.sources import table_of
    from oai.settings import SourceSettings

    with running(AronState.generated(5, seed=1), api="portal") as portal:
        token = csrf_of(admin.get("/admin/sources/new").get_data(as_text=True))
        values = {**form(base_url=portal, kind="aron"), "action": "test", "csrf_token": token}
        answer = admin.post("/admin/sources/new", data=values).get_data(as_text=True)
        tested = etree.HTML(answer).xpath('string(//*[@id="test-result"])')
        assert "ARON 2.0's API (/api/v1)" in tested  # a bare portal URL, probed
        aron = SourceSettings(id="portal", base_url=portal, kind="aron", pause_seconds=0.0)
        RunLog(admin_hub.engine).managed.save("portal", table_of(aron), who="t", action="add")
        assert run_harvest(admin_hub, "portal").status == "ok"
    page = etree.HTML(admin.get("/admin/sources/portal").get_data(as_text=True))
    speaks = page.xpath('string(//*[@id="speaks"])')
    assert "ARON 2.0's API (/api/v1)" in speaks and speaks.endswith("/aron/api/v1")
