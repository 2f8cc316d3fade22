"""Security of the admin pages and API: closed when logged out, CSRF, escaping, throttling."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.web.admin.auth import PUBLIC_ENDPOINTS
from tests.oai.web.admin.conftest import (
    API_TOKEN,
    PASSWORD,
    XSS,
    Data,
    age_failures,
    csrf_of,
    log_in,
)

ESCAPED = "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"


def _example_url(rule: object) -> str:
    """A URL of a rule with a plausible value in every variable."""
    path = str(rule)
    return re.sub(
        r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", path
    )


def _protected_rules(app: Flask) -> list[object]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if str(rule).startswith(("/admin", "/api")) and rule.endpoint not in PUBLIC_ENDPOINTS
    ]


def test_every_admin_page_and_api_is_closed_when_logged_out(
    admin_app: Flask, anon: FlaskClient
) -> None:
    rules = _protected_rules(admin_app)
    assert len(rules) >= 12, "the admin and API views are registered"
    for rule in rules:
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[attr-defined]
            response = anon.open(url, method=method)
            where = f"{method} {url} ({rule.endpoint})"  # type: ignore[attr-defined]
            if method == "POST":
                assert response.status_code in (400, 401, 302), where
                continue
            if url.startswith("/api"):
                assert response.status_code == 401, where
                assert response.json == {
                    "error": "unauthorized",
                    "message": "log in or send an X-API-Token header",
                }
            else:
                assert response.status_code == 302, where
                assert response.headers["Location"].startswith("/admin/login"), where


def test_public_parts_stay_open(anon: FlaskClient) -> None:
    assert anon.get("/admin/login").status_code == 200
    assert anon.get("/api/openapi.json").status_code == 200
    with anon.get("/admin/static/admin.css") as css:
        assert css.status_code == 200
    assert anon.get("/oai?verb=Identify").status_code == 200


def test_a_wrong_api_token_is_refused_and_the_right_one_works(anon: FlaskClient) -> None:
    assert anon.get("/api/runs", headers={"X-API-Token": "nope"}).status_code == 401
    assert anon.get("/api/runs", headers={"X-API-Token": API_TOKEN}).status_code == 200
    # the token opens the API only, not the pages
    assert anon.get("/admin/", headers={"X-API-Token": API_TOKEN}).status_code == 302


def test_wrong_passwords_are_rate_limited_per_client(admin_app: Flask) -> None:
    client = admin_app.test_client()
    for _ in range(3):
        assert log_in(client, "wrong").status_code == 401
    blocked = log_in(client, PASSWORD)
    assert blocked.status_code == 429, "even the right password waits out the lockout"
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    other = admin_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    paused = log_in(other, PASSWORD)  # the account is within its pause after a failure
    assert paused.status_code == 429
    assert paused.headers["Retry-After"] == "1"
    age_failures(admin_app, seconds=2)
    assert log_in(other, PASSWORD).status_code == 302


def test_a_slowed_account_is_answered_429_at_once_and_no_handler_sleeps(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 3: the per-account slow-down was a sleep in the worker; now a 429."""
    import time

    attackers = [admin_app.test_client() for _ in range(4)]
    for n, attacker in enumerate(attackers):
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
    admin = admin_app.test_client()
    admin.environ_base["REMOTE_ADDR"] = "198.51.100.7"

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"a request handler slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    for attacker in attackers[:3]:
        assert log_in(attacker, "wrong").status_code == 401
    for attacker in (attackers[3], admin):  # within the pause: at once, never checked
        answer = log_in(attacker, PASSWORD)
        assert answer.status_code == 429
        assert 1 <= int(answer.headers["Retry-After"]) <= 8
    age_failures(admin_app, seconds=1)
    assert log_in(attackers[3], "wrong").status_code == 401  # the fourth failure: 2 s
    answer = log_in(admin, PASSWORD)
    assert answer.status_code == 429, answer.status_code
    assert answer.headers["Retry-After"] == "2"
    age_failures(admin_app, seconds=2)
    assert log_in(admin, PASSWORD).status_code == 302  # slowed, never locked out
    assert admin_app.test_client().get("/oai?verb=Identify").status_code == 200


def test_login_needs_a_csrf_token_and_ignores_foreign_next(admin_app: Flask) -> None:
    client = admin_app.test_client()
    client.get("/admin/login")
    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 400
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        "/admin/login?next=//evil.example/steal", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_a_post_without_the_csrf_token_is_refused(
    admin: FlaskClient, admin_hub: object, data: Data
) -> None:
    log = RunLog(admin_hub.engine)  # type: ignore[attr-defined]
    url = "/admin/sources/partner/harvest"
    assert admin.post(url, data={"action": "now"}).status_code == 400
    assert admin.post(url, data={"action": "now", "csrf_token": "forged"}).status_code == 400
    assert log.queue.pending() == []
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    assert admin.post(url, data={"action": "now", "csrf_token": token}).status_code == 302
    assert [r.source_id for r in log.queue.pending()] == ["partner"]


def test_logout_is_a_post_with_csrf_and_ends_the_session(admin: FlaskClient) -> None:
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    assert admin.post("/admin/logout").status_code == 400
    assert admin.get("/admin/").status_code == 200
    assert admin.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert admin.get("/admin/").status_code == 302
    assert admin.get("/api/sources").status_code == 401


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/runs", "/admin/runs/{ok}", "/admin/records/partner-1", "/admin/chart.svg"],
)
def test_harvested_text_is_escaped(admin: FlaskClient, data: Data, url: str) -> None:
    body = admin.get(url.format(ok=data.ok_run)).get_data(as_text=True)
    assert "<script>" not in body
    if url not in ("/admin/chart.svg", "/admin/runs"):  # these show no harvested text
        assert ESCAPED in body


def test_the_hostile_title_is_shown_as_text(admin: FlaskClient, data: Data) -> None:
    body = admin.get("/admin/records/partner-1").get_data(as_text=True)
    assert f'<h1 class="record-title">{ESCAPED}</h1>' in body
    assert XSS not in body


def test_session_cookie_is_httponly_and_samesite(admin_app: Flask) -> None:
    client = admin_app.test_client()
    response = log_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_throttle_window_moves_on(admin_hub: Hub) -> None:
    from datetime import UTC, datetime, timedelta

    from oai.web.admin.auth import LoginThrottle
    from oai.web.admin.state import AdminStore

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    throttle = LoginThrottle(AdminStore(admin_hub.engine), limit=2, window=60)
    throttle.failed("a", now=t0)
    throttle.failed("a", now=t0 + timedelta(seconds=10))
    assert throttle.blocked_for("a", now=t0 + timedelta(seconds=20)) == 41
    assert throttle.blocked_for("b", now=t0 + timedelta(seconds=20)) == 0
    assert throttle.blocked_for("a", now=t0 + timedelta(seconds=61)) == 0, "the first left"
    # the account is slowed, never locked: past the limit each attempt waits longer
    assert throttle.delay_for("admin", now=t0 + timedelta(seconds=20)) == 1.0
    throttle.failed("c", now=t0 + timedelta(seconds=30))
    assert throttle.delay_for("admin", now=t0 + timedelta(seconds=31)) == 2.0
    # an attempt within the pause after the newest failure is told how long to wait
    assert throttle.account_wait("admin", now=t0 + timedelta(seconds=30.5)) == 2
    assert throttle.account_wait("admin", now=t0 + timedelta(seconds=32)) == 0
    throttle.succeeded("a")
    assert throttle.blocked_for("a", now=t0 + timedelta(seconds=20)) == 0
    assert LoginThrottle(AdminStore(admin_hub.engine), limit=0).blocked_for("a") == 0
