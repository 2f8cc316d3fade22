"""The public record page in a real browser: headless Chromium follows the hierarchy."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from oai.app import create_app
from oai.demo import load_demo_records
from tests.oai.web.conftest import T0, make_hub, put, record
from tests.oai.web.test_browser_stylesheet import ARGS, CHROMIUM
from tests.servers import Background

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        if os.environ.get("OAI_TEST_REQUIRE_BROWSER"):
            pytest.fail(f"OAI_TEST_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"no {CHROMIUM} (Debian's chromium package) to open the page in")
    with make_hub(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as hub:
        load_demo_records(hub)
        fonds = record(
            "fonds-1",
            level="fonds",
            related=[{"relation": "hasPart", "id": "unit-1", "title": "Title of unit-1"}],
        )
        unit = record(
            "unit-1",
            related=[{"relation": "isPartOf", "id": "fonds-1", "title": "Title of fonds-1"}],
        )
        put(hub, fonds, T0)
        put(hub, unit, T0 + timedelta(minutes=1))
        with Background(make_server("127.0.0.1", 0, create_app(hub=hub), threaded=True)) as http:
            yield f"http://127.0.0.1:{http.server.server_port}"


def test_a_reader_opens_a_record_and_walks_its_hierarchy(site: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            # every resource a record page loads, but the favicon Chromium asks for itself
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
            response = page.goto(f"{site}/records/301006")
            assert response is not None and response.status == 200
            link = response.headers["link"]
            assert 'rel="cite-as"' in link and 'rel="describedby"' in link
            assert page.locator("h1").inner_text().startswith("Document from the Soviet Embassy")
            assert page.get_by_text("Soviet Embassy in Cuba", exact=False).count() >= 1
            data = json.loads(page.locator("script[type='application/ld+json']").inner_text())
            assert data["name"].startswith("Document from the Soviet Embassy")
            # the stylesheet loads under the page's CSP: the layout is a grid
            display = page.locator("dl").evaluate("e => getComputedStyle(e).display")
            assert display == "grid"

            page.goto(f"{site}/records/unit-1")
            with page.expect_navigation():
                page.get_by_role("link", name="Title of fonds-1").click()
            assert page.url.endswith("/records/fonds-1")
            with page.expect_navigation():
                page.get_by_role("link", name="Title of unit-1").click()
            assert page.url.endswith("/records/unit-1")
            assert errors == []  # nothing blocked or missing on the record pages

            with page.expect_navigation():
                page.get_by_role("link", name="oai_dc", exact=True).click()
            assert "verb=GetRecord" in page.url
        finally:
            browser.close()
