"""The XSL stylesheet in a real browser: headless Chromium renders and links every verb."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from oai.app import create_app
from tests.oai.web.conftest import T0, make_hub, populate, put, record
from tests.servers import Background

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        if os.environ.get("OAI_TEST_REQUIRE_BROWSER"):
            pytest.fail(f"OAI_TEST_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"no {CHROMIUM} (Debian's chromium package) to render the stylesheet in")
    with make_hub(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as hub:
        populate(hub, 15)
        hub.store.delete("r0002", now=T0 + timedelta(days=1))
        put(hub, record("with-link", url="https://example.org/doc/1"), T0 + timedelta(days=2))
        with Background(make_server("127.0.0.1", 0, create_app(hub=hub), threaded=True)) as http:
            yield f"http://127.0.0.1:{http.server.server_port}/oai"


def follow(page: Any, **link: Any) -> None:
    """Follow a link of the rendered page.

    The click is dispatched on the link itself: Chromium lays a banner over pages made by
    XSLT (browsers are deprecating it), which would catch a click at the link's position.
    """
    with page.expect_navigation():
        page.get_by_role("link", **link).dispatch_event("click")


def test_every_verb_renders_as_linked_html(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base_url}?verb=Identify")
            assert page.locator("h1").inner_text().startswith("OAI-PMH 2.0")
            assert page.get_by_role("cell", name="Test hub").count() == 1
            assert page.get_by_role("link", name="one@example.org").count() == 1

            follow(page, name="Formats", exact=True)
            assert page.get_by_role("link", name="oai_dc", exact=True).count() == 1

            follow(page, name="Sets", exact=True)
            follow(page, name="a:b", exact=True)
            assert "set=a:b" in page.url
            assert page.locator(".record").count() == 8

            follow(page, name="Records", exact=True)
            assert page.locator(".record").count() == 10
            assert page.get_by_text("Title of r0001").count() == 1
            assert "Records 1 to 10 of 16" in page.locator(".token").inner_text()
            follow(page, name="Next page")
            assert "resumptionToken=" in page.url
            assert page.get_by_text("Title of r0011").count() == 1
            assert page.locator(".deleted").count() == 1  # r0002's tombstone
            assert page.get_by_role("link", name="https://example.org/doc/1").count() == 1

            follow(page, name="oai:test.oaihub.org:r0012")
            assert "verb=GetRecord" in page.url
            assert page.locator("h2").inner_text() == "Record"
            assert page.get_by_text("Title of r0012").count() == 1

            page.goto(f"{base_url}?verb=ListIdentifiers&metadataPrefix=oai_dc")
            assert page.locator(".record").count() == 10

            page.goto(f"{base_url}?verb=Bogus")
            assert "badVerb" in page.locator(".error").inner_text()
        finally:
            browser.close()
