"""The admin pages in a real headless Chromium (Debian's), against real servers.

The demo partner and the web app each run on a werkzeug server on 127.0.0.1, the
scheduler runs as its own `oai scheduler` process, and the browser logs in, queues a
harvest of the partner, watches the run appear with its counts, opens the run and a
record, and is shut out again after logging out. Screenshots of every page go to
test-output/screenshots/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from oai.app import create_app
from oai.demo.partner import PARTNER_ID, build_partner, partner_server
from oai.hub import Hub
from oai.settings import load_settings
from records.model import Record
from tests.servers import Background

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "test-output" / "screenshots"
PASSWORD = "browser-test-password"
XSS_TITLE = "Partner title <script>window.__xss = 1</script><img src=x onerror=window.__xss=2>"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("OAI_TEST_REQUIRE_BROWSER"):
        pytest.fail(f"OAI_TEST_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    pytest.skip(f"no {CHROMIUM} (Debian's chromium package); browser tests need it")


@dataclass
class Service:
    base: str
    hub: Hub
    scheduler_log: Path


@pytest.fixture
def service(tmp_path: Path, free_port: Callable[[], int]) -> Iterator[Service]:
    _require_browser()
    partner_port, web_port = free_port(), free_port()
    partner_hub, _ = build_partner(tmp_path / "partner", partner_port)
    partner = partner_server(partner_hub, partner_port)
    partner_thread = Background(partner)
    config = tmp_path / "oaihub.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "hub"}"\n'
        f'[admin]\npassword_hash = "{generate_password_hash(PASSWORD)}"\n'
        "[scheduler]\npoll_seconds = 1\n"
        f'[[sources]]\nid = "{PARTNER_ID}"\nname = "Demo partner"\n'
        f'base_url = "http://127.0.0.1:{partner_port}/oai"\nmetadata_prefix = "oaihub"\n'
        'schedule = "0 3 * * *"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAI_")}
    env["OAI_CONFIG"] = str(config)
    hub = Hub.from_settings(load_settings(config, env=env), migrate=True)
    hub.store.put(Record.from_dict({"id": "hostile", "title": XSS_TITLE}), renderer=hub.render)
    web = make_server("127.0.0.1", web_port, create_app(hub=hub), threaded=True)
    web_thread = Background(web)
    log_path = tmp_path / "scheduler.log"
    log_file = log_path.open("w")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "oai", "scheduler"],
        env=env,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        yield Service(f"http://127.0.0.1:{web_port}", hub, log_path)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=60)
        log_file.close()
        for running in (web_thread, partner_thread):
            running.stop()
        hub.close()
        partner_hub.close()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            yield page
        finally:
            browser.close()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _reload_until(page: Any, selector: str, text: str, log: Path, limit: float = 180.0) -> None:
    """Reload until `selector` contains `text` (the scheduler works in its own time)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if text in (page.text_content(selector) or ""):
            return
        time.sleep(0.5)
        page.reload()
    pytest.fail(
        f"{selector} never showed {text!r}: {page.text_content(selector)!r}\n"
        f"scheduler log:\n{log.read_text()[-3000:]}"
    )


def test_an_admin_harvests_the_partner_and_inspects_the_result(
    service: Service, browser_page: Any
) -> None:
    page, base = browser_page, service.base
    # logged out: every page sends to the login form, the API answers 401
    assert page.goto(f"{base}/api/sources").status == 401
    page.goto(f"{base}/admin/runs")
    assert page.url.startswith(f"{base}/admin/login")
    _shot(page, "01-login")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "Wrong password." in page.text_content("#error")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert page.url == f"{base}/admin/runs", "after login the page asked for"
    page.goto(f"{base}/admin/")
    row = f'tr[data-source="{PARTNER_ID}"]'
    # the scheduler process lists the config's sources when it starts ("running." alone
    # would also match "not running.")
    _reload_until(page, "#sources", PARTNER_ID, service.scheduler_log)
    assert "never" in page.text_content(row)
    _reload_until(page, "#scheduler", "Scheduler: running.", service.scheduler_log)
    _shot(page, "02-dashboard-before")
    page.click(f'{row} button[name="harvest-now"]')
    assert "queued" in page.text_content(".flash")
    _reload_until(page, f"{row} td.counts", "4 / 0 / 0 / 0 / 0", service.scheduler_log)
    assert "ok" in page.text_content(f"{row} a.status")
    _shot(page, "03-dashboard-after-harvest")

    page.click(f"{row} a.status")
    assert page.text_content("h1").startswith("Run ")
    counts = page.locator("#counts td").all_text_contents()
    assert counts == ["4", "0", "0", "0", "0"]
    _shot(page, "04-run")

    page.click("#records a >> nth=0")
    assert page.url.startswith(f"{base}/admin/records/{PARTNER_ID}:")
    assert PARTNER_ID in page.text_content("#provenance")
    _shot(page, "05-record")

    # a full harvest asks first, then runs: nothing changed at the partner
    page.goto(f"{base}/admin/")
    page.click(f"{row} a:has-text('Full harvest')")
    assert "tombstones" in page.text_content(".warning")
    _shot(page, "06-confirm-full-harvest")
    page.click("button[name=confirm]")
    assert "queued" in page.text_content(".flash")
    _reload_until(page, f"{row} td.counts", "0 / 0 / 4 / 0 / 0", service.scheduler_log)

    page.goto(f"{base}/admin/runs?source={PARTNER_ID}")
    assert page.locator("tr[data-run]").count() == 2
    assert "manual (full)" in page.text_content("tr[data-run] >> nth=0")
    _shot(page, "06-runs")

    page.goto(f"{base}/admin/records/hostile")
    assert page.text_content("h1.record-title") == XSS_TITLE
    assert page.evaluate("window.__xss") is None, "the harvested markup must not run"
    _shot(page, "07-record-hostile-title")

    page.click("button:has-text('Log out')")
    assert page.url.startswith(f"{base}/admin/login")
    for path in ("/admin/", "/admin/runs", f"/admin/records/{PARTNER_ID}:na-uv-ksc"):
        page.goto(base + path)
        assert page.url.startswith(f"{base}/admin/login"), path
    assert page.goto(f"{base}/api/runs").status == 401
    _shot(page, "08-logged-out")
