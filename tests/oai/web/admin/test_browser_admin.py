"""The admin pages of issue 15 in a real headless Chromium (Debian's), against real servers.

The web app, the demo partner, a fault partner, an SMTP server (aiosmtpd) and a webhook
receiver run on 127.0.0.1 in this process; the scheduler runs as its own `oai scheduler`
process. The browser searches and pages through records, opens a record and re-harvests
it, opens a source, adds a source and sees the scheduler harvest it, downloads the run's
validation report, disables the source, and adds a broken source whose failure and then
recovery arrive by e-mail and webhook. Screenshots of each page go to var/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
from tests.oai.harvest.faultserver import FaultServer, Partner
from tests.oai.web.admin.test_browser import ARGS, CHROMIUM, PASSWORD, _require_browser
from tests.servers import Background

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Inbox:
    mails: list[Any] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"

    def events(self) -> list[tuple[str, str]]:
        return [(h["event"], h["source"]) for h in self.hooks]


@dataclass
class Service:
    base: str
    hub: Hub
    fault: FaultServer
    inbox: Inbox
    scheduler_log: Path
    closed_port: int


def _receiver(inbox: Inbox) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            inbox.hooks.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def service(tmp_path: Path, free_port: Callable[[], int]) -> Iterator[Service]:
    _require_browser()
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp_port, partner_port, web_port = free_port(), free_port(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    hooks = _receiver(inbox)
    hooks_thread = Background(hooks)
    partner_hub, _ = build_partner(tmp_path / "partner", partner_port)
    partner = partner_server(partner_hub, partner_port)
    partner_thread = Background(partner)
    fault_partner = Partner(page_size=10)
    for n in range(12):
        fault_partner.put(f"doc-{n:02d}", f"Fault partner document {n}")
        fault_partner.tick(1)
    fault = FaultServer(fault_partner).start()
    config = tmp_path / "oaihub.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "hub"}"\n'
        f'[admin]\npassword_hash = "{generate_password_hash(PASSWORD)}"\n'
        "[scheduler]\npoll_seconds = 1\nmax_failures = 1\n"
        "[harvest]\nmax_retries = 0\nconnect_timeout = 2.0\nread_timeout = 5.0\n"
        "private_base_urls = true\n"  # its partners, added in the browser, are on 127.0.0.1
        f'[notify]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\n'
        'mail_to = ["admins@hub.test"]\n'
        f'webhook_urls = ["http://127.0.0.1:{hooks.server_address[1]}/hook"]\n'
        f'admin_url = "http://127.0.0.1:{web_port}"\nbackoff_seconds = 0.1\n'
        f'[[sources]]\nid = "{PARTNER_ID}"\nname = "Demo partner"\n'
        f'base_url = "http://127.0.0.1:{partner_port}/oai"\nmetadata_prefix = "oaihub"\n'
        'schedule = "0 3 * * *"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAI_")}
    env["OAI_CONFIG"] = str(config)
    hub = Hub.from_settings(load_settings(config, env=env), migrate=True)
    hub.store.put_many(
        Record.from_dict({"id": f"memo-{n:02d}", "title": f"Memorandum on Cuba, part {n}"})
        for n in range(60)
    )
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
        yield Service(f"http://127.0.0.1:{web_port}", hub, fault, inbox, log_path, free_port())
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=60)
        log_file.close()
        for running in (web_thread, partner_thread, hooks_thread):
            running.stop()
        fault.stop()
        smtp.stop()
        hub.close()
        partner_hub.close()


@pytest.fixture
def page() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        try:
            yield context.new_page()
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def until(check: Callable[[], bool], what: str, log: Path, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what}\nscheduler log:\n{log.read_text()[-3000:]}")


def reload_until(page: Any, selector: str, text: str, log: Path) -> None:
    from playwright.sync_api import Error

    def shown() -> bool:
        try:
            page.reload()
            return text in (page.text_content(selector) or "")
        except Error:  # the dashboard's own refresh (while runs go) raced the reload
            return False

    until(shown, f"{selector} to show {text!r}", log)


def add_source(page: Any, base: str, source_id: str, url: str, schedule: str) -> None:
    page.goto(f"{base}/admin/sources/new")
    page.fill("#f-id", source_id)
    page.fill("#f-name", f"Added in the browser: {source_id}")
    page.fill("#f-base_url", url)
    page.fill("#f-metadata_prefix", "oai_dc")
    page.fill("#f-schedule", schedule)


def test_an_admin_lives_in_the_admin(service: Service, page: Any) -> None:
    base, log = service.base, service.scheduler_log
    page.goto(f"{base}/admin/login")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # the scheduler process lists the config's sources when it starts ("running." alone
    # would also match "not running.")
    reload_until(page, "#scheduler", "Scheduler: running.", log)
    reload_until(page, "#sources", PARTNER_ID, log)
    page.click(f'tr[data-source="{PARTNER_ID}"] button[name="harvest-now"]')
    reload_until(page, f'tr[data-source="{PARTNER_ID}"] td.counts', "4 / 0 / 0 / 0 / 0", log)
    shot(page, "01-dashboard")

    # the records page: search, page through, filter
    page.fill("header input[name=q]", "memorandum cuba")
    page.click("header button[type=submit]")
    assert page.locator("#records tr[data-record]").count() == 50
    shot(page, "02-records-search")
    page.click("#next-page")
    assert page.locator("#records tr[data-record]").count() == 10
    shot(page, "03-records-page-2")
    page.goto(f"{base}/admin/records?kind=harvested&sort=title")
    assert page.locator("#records tr[data-record]").count() == 4
    shot(page, "04-records-harvested")

    # a record, re-harvested through GetRecord
    page.click("#records tr[data-record] a >> nth=0")
    assert "ago" in page.text_content("main p >> nth=0")
    shot(page, "05-record")
    page.click("button[name=reharvest]")
    assert "Re-harvest" in page.text_content(".flash") and " ok" in page.text_content(".flash")
    shot(page, "06-record-reharvested")

    # a missing record: the admin's own 404 page
    assert page.goto(f"{base}/admin/records/no-such-record").status == 404
    assert page.locator("#error-page").count() == 1
    shot(page, "07-not-found")

    # the source page
    page.goto(f"{base}/admin/sources/{PARTNER_ID}")
    assert page.text_content("#state") == "ok"
    assert page.locator("#source-chart svg").count() == 1
    shot(page, "08-source")

    # a source added in the browser: tested, saved, harvested by the scheduler
    add_source(page, base, "fault", service.fault.url, "*/3 * * * * *")
    page.click("#test-connection")
    assert "answered Identify" in page.text_content("#test-result")
    shot(page, "09-add-source-tested")
    # its first harvest: Identify, then a ListRecords page whose first record no crosswalk reads
    service.fault.inject("bad_record", service.fault.next_request() + 1)
    page.click("#save")
    assert "picks it up" in page.text_content(".flash")
    reload_until(page, "#runs", "ok", log)
    shot(page, "10-added-source-harvested")
    page.click("#runs tr[data-run] a >> nth=-1")
    with page.expect_download() as download:
        page.click("#report-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert rows and rows[0]["identifier"].endswith("doc-00") and "<record" in rows[0]["raw_xml"]
    shot(page, "11-run-with-report")
    page.goto(f"{base}/admin/sources/fault")
    page.click("#toggle")
    assert "disabled" in page.text_content(".flash")
    reload_until(page, "#state", "disabled", log)  # a run under way finishes first
    shot(page, "12-source-disabled")

    # a broken source: failing by e-mail and webhook, then its recovery
    add_source(page, base, "broken", f"http://127.0.0.1:{service.closed_port}/oai", "*/3 * * * * *")
    page.click("#save")
    inbox = service.inbox
    until(lambda: ("failing", "broken") in inbox.events(), "the failing webhook", log)
    until(lambda: any("broken" in m["Subject"] for m in inbox.mails), "the failing e-mail", log)
    hook = next(h for h in inbox.hooks if h["source"] == "broken")
    assert hook["link"].startswith(f"{base}/admin/runs/") and hook["error_in_words"]
    page.goto(f"{base}/admin/sources/broken")
    assert "refused the connection" in page.text_content("#last-error")
    shot(page, "13-source-failing")
    page.goto(f"{base}/admin/")
    assert "refused" in page.text_content('tr[data-source="broken"] td.words')
    shot(page, "14-dashboard-failing")
    page.goto(f"{base}/admin/sources/broken/edit")
    page.fill("#f-base_url", service.fault.url)
    page.click("#save")
    until(lambda: ("recovered", "broken") in inbox.events(), "the recovery webhook", log)
    until(lambda: any("recovered" in m["Subject"] for m in inbox.mails), "the recovery mail", log)
    reload_until(page, "#state", "ok", log)
    shot(page, "15-source-recovered")
    page.goto(f"{base}/admin/sources")
    assert "edit" in page.text_content("#changes") and "admin from" in page.text_content("#changes")
    shot(page, "16-sources")
