"""Failure notifications: a run that failed, a source that turned failing, its recovery.

Never on every success: a successful run notifies only when it ends a failure (the
source's previous finished run failed, or the source was marked failing). Each
notification goes to every channel of `[notify]`: an e-mail over SMTP to `mail_to`,
and a JSON POST to each of `webhook_urls`:

    {"event": "failed" | "failing" | "recovered", "source": "partner",
     "source_name": "...", "run": 12, "status": "failed",
     "counts": {"added": 0, ...}, "error": "...", "error_in_words": "...",
     "link": "https://hub.example.org/admin/runs/12", "at": "2026-12-03T17:00:00Z"}

A delivery is tried `notify.attempts` times with a growing wait, each attempt capped by
`notify.timeout`; every outcome is logged and written as a `notify` event of the run.
Nothing here raises into the harvest: deliveries run in a thread of their own (not a
daemon: a CLI harvest waits for them before the process ends).
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import requests

from oai.harvest.runlog import RunInfo, RunLog
from oai.harvest.wording import in_words
from oai.hub import Hub
from oai.settings import NotifySettings
from records.times import format_datestamp

__all__ = ["Notice", "deliver", "notice_for", "notify_run", "wait_for_deliveries"]

log = logging.getLogger(__name__)
_THREADS: list[threading.Thread] = []
_THREADS_LOCK = threading.Lock()


def wait_for_deliveries(timeout: float = 60.0) -> bool:
    """Wait for the deliveries under way (a process that stops, a test); True if all ended."""
    deadline = time.monotonic() + timeout
    with _THREADS_LOCK:
        threads = list(_THREADS)
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    with _THREADS_LOCK:
        _THREADS[:] = [t for t in _THREADS if t.is_alive()]
        return not _THREADS


@dataclass(frozen=True, slots=True)
class Notice:
    event: str  # failed, failing, recovered
    source_id: str
    source_name: str
    run: RunInfo
    link: str
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "source": self.source_id,
            "source_name": self.source_name,
            "run": self.run.id,
            "status": self.run.status,
            "counts": self.run.counts.to_dict(),
            "error": self.run.message if self.event != "recovered" else None,
            "error_in_words": in_words(self.run.message) if self.event != "recovered" else None,
            "link": self.link,
            "at": format_datestamp(self.run.finished_at or self.run.started_at),
        }

    def subject(self) -> str:
        what = {
            "failed": "harvest failed",
            "failing": "source is now failing",
            "recovered": "source recovered",
        }[self.event]
        return f"[oaihub] {self.source_id}: {what} (run {self.run.id})"

    def text(self) -> str:
        data = self.payload()
        lines = [f"{self.subject()}", "", f"Source: {self.source_id} ({self.source_name})"]
        lines.append(f"Run: {self.run.id}, status {self.run.status}, at {data['at']}")
        lines.append("Counts: " + ", ".join(f"{v} {k}" for k, v in data["counts"].items()))
        if data["error"]:
            lines += ["", f"What happened: {data['error_in_words']}", f"Error: {data['error']}"]
        lines += ["", f"The run: {self.link}"]
        return "\n".join(lines) + "\n"


def notice_for(
    hub: Hub, run: RunInfo, *, was_failing: bool, now_failing: bool, previous: RunInfo | None
) -> Notice | None:
    """The notice a finished run calls for, if any (the first that applies)."""
    if run.trigger == "record":
        return None  # a one-record re-harvest says nothing of the partner's health
    if run.status == "failed":
        event = "failing" if now_failing and not was_failing else "failed"
    elif was_failing or (previous is not None and previous.status == "failed"):
        event = "recovered"
    else:
        return None
    found = RunLog(hub.engine).sources.get(run.source_id)
    base = hub.settings.notify.admin_url.rstrip("/")
    return Notice(
        event,
        run.source_id,
        (found.name if found else None) or run.source_id,
        run,
        f"{base}/admin/runs/{run.id}",
    )


def notify_run(
    hub: Hub, run: RunInfo, *, was_failing: bool, now_failing: bool, previous: RunInfo | None
) -> threading.Thread | None:
    """Send what a finished run calls for, in a thread; None when nothing is sent."""
    try:
        notice = notice_for(
            hub, run, was_failing=was_failing, now_failing=now_failing, previous=previous
        )
        settings = hub.settings.notify
        if notice is None or not (
            settings.webhook_urls or (settings.smtp_host and settings.mail_to)
        ):
            return None
    except Exception:  # the harvest is done; a notification must not undo that
        log.exception("run %s: could not prepare a notification", run.id)
        return None
    thread = threading.Thread(
        target=deliver, args=(hub, notice), name=f"notify-run-{run.id}", daemon=False
    )
    with _THREADS_LOCK:
        _THREADS[:] = [t for t in _THREADS if t.is_alive()]
        _THREADS.append(thread)
    thread.start()
    return thread


def deliver(hub: Hub, notice: Notice, sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Every channel, each tried `attempts` times; returns what happened (also logged)."""
    settings = hub.settings.notify
    outcomes = []
    channels: list[tuple[str, Callable[[], None]]] = []
    if settings.smtp_host and settings.mail_to:
        channels.append(
            (f"e-mail to {', '.join(settings.mail_to)}", lambda: _mail(settings, notice))
        )
    for url in settings.webhook_urls:
        channels.append((f"webhook {url}", lambda url=url: _post(settings, url, notice)))  # type: ignore[misc]
    for name, send in channels:
        outcomes.append(_attempts(hub, notice, name, send, settings, sleep))
    return outcomes


def _attempts(
    hub: Hub,
    notice: Notice,
    name: str,
    send: Callable[[], None],
    settings: NotifySettings,
    sleep: Callable[[float], None],
) -> str:
    wait, error = settings.backoff_seconds, ""
    attempts = max(settings.attempts, 1)
    for attempt in range(1, attempts + 1):
        try:
            send()
        except Exception as exc:  # any failure of a channel is reported, never raised
            error = f"{type(exc).__name__}: {exc}"
            log.warning("notify %s (%s) attempt %d failed: %s", name, notice.event, attempt, error)
            if attempt < attempts:
                sleep(wait)
                wait *= 2
            continue
        message = f"{notice.event} notice sent by {name} (attempt {attempt})"
        _event(hub, notice, "info", message)
        return message
    message = f"{notice.event} notice NOT sent by {name} after {attempts} attempts: {error}"
    _event(hub, notice, "warning", message)
    return message


def _event(hub: Hub, notice: Notice, level: str, message: str) -> None:
    log.log(
        logging.INFO if level == "info" else logging.WARNING, "run %s: %s", notice.run.id, message
    )
    try:
        RunLog(hub.engine).events.add(notice.run.id, level, "notify", message)
    except Exception:  # the run log unreachable: the log line above has it
        log.exception("run %s: could not record the notification", notice.run.id)


def _mail(settings: NotifySettings, notice: Notice) -> None:
    message = EmailMessage()
    message["Subject"] = notice.subject()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(settings.mail_to)
    message.set_content(notice.text())
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


def _post(settings: NotifySettings, url: str, notice: Notice) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    body = json.dumps(notice.payload()).encode("utf-8")
    response = requests.post(
        url,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "oaihub-notify/1.0"},
        timeout=settings.timeout,
        allow_redirects=False,
    )
    if response.status_code >= 300:
        raise RuntimeError(f"HTTP {response.status_code}")
