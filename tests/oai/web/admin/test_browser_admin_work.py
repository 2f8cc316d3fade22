"""Issue 27's admin pages in a real headless Chromium against the app on 127.0.0.1: a
record withdrawn with a reason and reinstated, a set added, a source's records
downloaded, schedules in words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from oai.app import create_app
from tests.oai.web.admin.conftest import PASSWORD, make_admin_hub, populate
from tests.oai.web.admin.test_browser import _require_browser, browser_page  # noqa: F401
from tests.servers import Background

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    _require_browser()
    with make_admin_hub(f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path) as hub:
        populate(hub)
        app = create_app(hub=hub)
        with Background(make_server("127.0.0.1", 0, app, threaded=True)) as http:
            yield f"http://127.0.0.1:{http.server.server_port}"


def test_withdraw_reinstate_sets_and_downloads(base: str, browser_page: Any) -> None:  # noqa: F811
    page = browser_page
    page.goto(f"{base}/admin/login")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert "daily at 03:00 UTC" in page.content()

    page.goto(f"{base}/admin/records/partner-1")
    page.fill("#withdrawal input[name=reason]", "Rights holder's request, 7 Dec 2026")
    page.click("#withdrawal button[name=withdraw]")
    assert page.url == f"{base}/admin/records/partner-1"
    assert page.inner_text("#withdrawal-reason") == "Rights holder's request, 7 Dec 2026"
    gone = page.goto(f"{base}/records/partner-1")
    assert gone.status == 410
    assert "Rights holder's request" in page.inner_text("#reason")
    page.goto(f"{base}/admin/records/partner-1")
    page.click("#withdrawal button[name=reinstate]")
    assert page.is_visible("#withdrawal button[name=withdraw]")
    assert page.goto(f"{base}/records/partner-1").status == 200

    page.goto(f"{base}/admin/sets")
    page.fill("#add-set input[name=spec]", "partner-all")
    page.fill("#add-set input[name=name]", "Everything from the partner")
    page.click("#add-set button[type=submit]")
    assert "Set partner-all added: 1 records." in page.content()
    listed = page.goto(f"{base}/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=partner-all")
    assert b"oai:admin.test:partner-1" in listed.body()

    page.goto(f"{base}/admin/sources/partner")
    assert "daily at 03:00 UTC" in page.inner_text("#schedule")
    with page.expect_download() as download:
        page.click("#export a:has-text('JSON Lines')")
    saved = Path(download.value.path())
    assert '"id": "partner-1"' in saved.read_text()
