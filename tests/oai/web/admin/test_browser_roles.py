"""Issue 23: a viewer and an editor log in in a real headless Chromium and see only what
each may do (the buttons beyond their role are not there, and forcing the URL is a 403)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from oai.app import create_app
from oai.harvest import sync_sources
from oai.harvest.runlog import RunLog
from tests.oai.web.admin.conftest import make_admin_hub, populate
from tests.oai.web.admin.test_browser import ARGS, CHROMIUM, _require_browser
from tests.oai.web.admin.test_roles import PASSWORDS, add_accounts
from tests.servers import Background

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "test-output" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Site:
    base: str


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    _require_browser()
    with make_admin_hub(database_url, tmp_path, **{"harvest.max_retries": 0}) as hub:
        populate(hub)
        add_accounts(hub)
        table = {"id": "web", "base_url": "http://127.0.0.1:9/oai", "metadata_prefix": "oai_dc"}
        RunLog(hub.engine).managed.save("web", table, who="test", action="add")
        sync_sources(hub)
        with Background(make_server("127.0.0.1", 0, create_app(hub=hub), threaded=True)) as web:
            yield Site(f"http://127.0.0.1:{web.server.server_port}")


@pytest.fixture
def page() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def _log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/admin/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    assert page.url == f"{base}/admin/", page.url


def _log_out(page: Any, base: str) -> None:
    page.click("button:has-text('Log out')")
    assert page.url.startswith(f"{base}/admin/login")


def test_a_viewer_reads_and_an_editor_also_acts(site: Site, page: Any) -> None:
    base = site.base
    _log_in(page, base, "vera")
    assert page.text_content("#who") == "vera · viewer"
    assert page.locator("#sources").count() == 1  # the dashboard and its sources
    assert page.locator('button[name="harvest-now"]').count() == 0
    assert page.locator("#accounts-link").count() == 0
    page.screenshot(path=str(SHOTS / "roles-01-viewer-dashboard.png"), full_page=True)
    page.goto(f"{base}/admin/sources")
    assert page.locator("#add-source").count() == 0
    page.goto(f"{base}/admin/sources/web")
    for hidden in ("#test-connection", "#edit", "#toggle", "#remove"):
        assert page.locator(hidden).count() == 0, hidden
    page.goto(f"{base}/admin/records/partner-1")
    assert page.locator("button[name=reharvest]").count() == 0
    page.goto(f"{base}/admin/runs")
    assert page.locator("tr[data-run]").count() == 2  # reads every run
    assert page.goto(f"{base}/admin/sources/new").status == 403
    assert "this needs editor" in (page.text_content("main") or "")
    _log_out(page, base)

    _log_in(page, base, "ed")
    assert page.text_content("#who") == "ed · editor"
    assert page.locator("#accounts-link").count() == 0
    page.goto(f"{base}/admin/sources/web")
    for shown in ("#test-connection", "#edit", "#toggle"):
        assert page.locator(shown).count() == 1, shown
    assert page.locator("#remove").count() == 0, "removing is for admins"
    page.goto(f"{base}/admin/records/partner-1")
    assert page.locator("button[name=reharvest]").count() == 1
    page.goto(f"{base}/admin/")
    page.click('tr[data-source="partner"] button[name="harvest-now"]')
    assert "queued" in (page.text_content(".flash") or "")
    page.screenshot(path=str(SHOTS / "roles-02-editor-dashboard.png"), full_page=True)
    page.goto(f"{base}/admin/sources")
    assert page.locator("#add-source").count() == 1
    assert page.goto(f"{base}/admin/accounts").status == 403
    _log_out(page, base)
