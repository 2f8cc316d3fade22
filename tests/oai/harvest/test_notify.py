"""Failure notifications over a real SMTP server (aiosmtpd) and a real HTTP receiver on
127.0.0.1: a failed run, a source turning failing, its recovery; never every success;
retried, logged, and never breaking a harvest."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from oai.harvest import run_harvest
from oai.harvest.notify import wait_for_deliveries
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.oai.harvest.conftest import make_hub
from tests.oai.harvest.faultserver import FaultServer
from tests.servers import Background


@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@dataclass
class Receiver:
    bodies: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.attempts += 1
                failing = state.fail_next > 0
                state.fail_next -= 1 if failing else 0
                if not failing:
                    state.bodies.append(json.loads(body))
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with Background(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as running:
        yield state, f"http://127.0.0.1:{running.server.server_address[1]}/hook"


def wait_for(condition: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def notified_hub(server: FaultServer, tmp_path: Path, smtp_port: int, hook: str) -> Hub:
    return make_hub(
        server.url,
        tmp_path,
        settings={
            "scheduler.max_failures": 2,
            "notify.smtp_host": "127.0.0.1",
            "notify.smtp_port": smtp_port,
            "notify.mail_to": ["admins@hub.test"],
            "notify.webhook_urls": [hook],
            "notify.admin_url": "http://127.0.0.1:5000/",
            "notify.backoff_seconds": 0.01,
            "notify.timeout": 5.0,
        },
    )


def test_failure_failing_and_recovery_reach_mail_and_webhook(
    server: FaultServer,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    receiver: tuple[Receiver, str],
) -> None:
    box, port = mailbox
    hook, url = receiver
    with notified_hub(server, tmp_path, port, url) as hub:
        hook.fail_next = 1  # the first POST fails: the retry delivers it
        server.inject("status", _dead(server), status=404)  # Identify and the list
        first = run_harvest(hub, "partner")
        assert first.status == "failed"
        wait_for(lambda: len(hook.bodies) == 1 and len(box.messages) == 1, "the failed notice")
        body = hook.bodies[0]
        assert (body["event"], body["source"], body["run"], body["status"]) == (
            "failed",
            "partner",
            first.run_id,
            "failed",
        )
        assert "404" in body["error"] and "404" in body["error_in_words"]
        assert body["link"] == f"http://127.0.0.1:5000/admin/runs/{first.run_id}"
        assert set(body["counts"]) >= {"added", "updated", "deleted", "failed"}
        assert hook.attempts == 2
        mail = box.messages[0]
        assert mail["To"] == "admins@hub.test" and "harvest failed" in mail["Subject"]
        assert f"/admin/runs/{first.run_id}" in mail.get_payload()

        server.inject("status", _dead(server), status=404)  # Identify and the list
        second = run_harvest(hub, "partner")
        wait_for(lambda: len(hook.bodies) == 2, "the failing notice")
        assert hook.bodies[1]["event"] == "failing" and hook.bodies[1]["run"] == second.run_id

        third = run_harvest(hub, "partner")
        assert third.ok
        wait_for(lambda: len(hook.bodies) == 3 and len(box.messages) == 3, "the recovery")
        assert hook.bodies[2]["event"] == "recovered" and hook.bodies[2]["error"] is None
        assert "recovered" in box.messages[2]["Subject"]

        assert run_harvest(hub, "partner").ok
        time.sleep(0.5)
        assert len(hook.bodies) == 3, "no notice on an ordinary success"
        assert wait_for_deliveries(30)
        sent = [e.message for e in RunLog(hub.engine).events.of_run(first.run_id, kind="notify")]
        assert any("by webhook" in m and "attempt 2" in m for m in sent), sent


def test_an_undeliverable_notice_is_logged_and_the_harvest_stands(
    server: FaultServer, tmp_path: Path
) -> None:
    with make_hub(
        server.url,
        tmp_path,
        settings={
            "notify.webhook_urls": ["http://127.0.0.1:9/nobody"],
            "notify.smtp_host": "127.0.0.1",
            "notify.smtp_port": 9,
            "notify.mail_to": ["a@hub.test"],
            "notify.attempts": 2,
            "notify.backoff_seconds": 0.01,
            "notify.timeout": 2.0,
        },
    ) as hub:
        server.inject("status", _dead(server), status=404)  # Identify and the list
        result = run_harvest(hub, "partner")
        assert result.status == "failed"
        log = RunLog(hub.engine)

        def warnings() -> list[str]:
            return [e.message for e in log.events.of_run(result.run_id, kind="notify")]

        assert wait_for_deliveries(30)
        wait_for(lambda: len(warnings()) == 2, "both channels to give up")
        assert all("NOT sent" in m and "after 2 attempts" in m for m in warnings())
        assert log.runs.require(result.run_id).status == "failed"


def _dead(server: FaultServer) -> range:
    """The next few requests: Identify (which may fail alone) and the first list page."""
    first = server.next_request()
    return range(first, first + 2)  # a 404 is not retried
