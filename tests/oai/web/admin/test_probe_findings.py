"""The attacks a security probe made on the running service, one test each, and the
defences every route must have (enumerated from the app's URL map, so a route added
later is covered too)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.datastructures import MultiDict

from oai.errors import ConfigError
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.web.security import require_base_url
from tests.oai.web.admin.conftest import (
    PASSWORD,
    age_failures,
    csrf_of,
    log_in,
    make_admin_hub,
)

OAI = {"o": "http://www.openarchives.org/OAI/2.0/"}
Validate = Callable[[bytes], None]


# -- 1. open redirect after login -----------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "////evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "/\\/evil.example",
        "/\t/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(anon: FlaskClient, target: str) -> None:
    token = csrf_of(anon.get("/admin/login").get_data(as_text=True))
    response = anon.post(
        f"/admin/login?next={quote(target, safe='')}",
        data={"password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/admin") and "evil" not in location, location


def test_login_keeps_a_same_site_target(anon: FlaskClient) -> None:
    token = csrf_of(anon.get("/admin/login").get_data(as_text=True))
    response = anon.post(
        "/admin/login?next=/admin/runs%3Fstatus%3Dfailed",
        data={"password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/admin/runs?status=failed"


# -- 2. HEAD is GET: no state change without POST and CSRF -------------------------------


def test_head_never_queues_a_harvest(admin: FlaskClient, admin_hub: Hub) -> None:
    before = RunLog(admin_hub.engine).queue.pending_by_source()
    response = admin.open("/admin/sources/partner/harvest?action=full&confirmed=yes", method="HEAD")
    assert response.status_code in (200, 302, 405)
    assert RunLog(admin_hub.engine).queue.pending_by_source() == before


def test_head_never_logs_in_and_never_counts_as_a_failure(anon: FlaskClient) -> None:
    for _ in range(10):  # an uptime monitor: more than admin.max_login_attempts (3)
        assert anon.open("/admin/login", method="HEAD").status_code == 200
    anon.open("/admin/login", method="HEAD", data={"password": PASSWORD})
    assert anon.get("/admin/").status_code == 302  # still logged out
    assert log_in(anon).status_code == 302  # and not locked out
    assert anon.get("/admin/").status_code == 200


# -- 3. request bodies have a cap, checked before anything reads them --------------------


@pytest.fixture
def small_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    from oai.app import create_app

    with make_admin_hub(database_url, tmp_path, **{"web.max_request_bytes": 2048}) as hub:
        app = create_app(hub=hub)
        app.config["TESTING"] = True
        yield app


@pytest.mark.parametrize("path", ["/oai", "/admin/logout", "/admin/login", "/api/runs"])
def test_a_body_over_the_cap_is_413_unread(small_app: Flask, path: str) -> None:
    client = small_app.test_client()
    body = "verb=Identify&x=" + "a" * 5000
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    ok = client.post("/oai", data={"verb": "Identify"})
    assert ok.status_code == 200


def _chunked_post(port: int, path: str, chunks: Iterator[bytes]) -> tuple[int, bytes]:
    """POST a body in chunks, without a Content-Length, over a plain HTTP connection."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for chunk in chunks:
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/oai", "/admin/login", "/api/runs"])
def test_a_chunked_body_over_the_cap_is_413(small_app: Flask, path: str) -> None:
    """Finding 6: a chunked POST without a Content-Length was read past the cap and
    answered 200 with an OAI error."""
    from werkzeug.serving import make_server

    from tests.servers import Background

    def big() -> Iterator[bytes]:
        yield b"verb=Identify&x="
        for _ in range(100):  # 1 MB, the cap is 2 KB
            yield b"a" * 10_000

    with Background(make_server("127.0.0.1", 0, small_app, threaded=True)) as http:
        port = http.server.server_port
        status, _ = _chunked_post(port, path, big())
        assert status == 413
        status, body = _chunked_post(port, "/oai", iter([b"verb=", b"Identify"]))
        assert status == 200 and b"<Identify>" in body, body[:300]


# -- 4. characters XML cannot carry, in /oai arguments -------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("verb=ListRecords&resumptionToken=%00", "badResumptionToken"),
        ("verb=ListRecords&resumptionToken=%EF%BF%BF", "badResumptionToken"),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=%01", "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=%0B", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=a%1Fb", "badArgument"),
        ("verb=%00", "badVerb"),
        ("verb=Identify&%01=1", "badArgument"),
    ],
)
def test_control_characters_get_the_oai_error_not_a_503(
    anon: FlaskClient, assert_valid: Validate, query: str, code: str
) -> None:
    for response in (
        anon.get(f"/oai?{query}"),
        anon.post("/oai", data=query, content_type="application/x-www-form-urlencoded"),
    ):
        assert response.status_code == 200
        assert_valid(response.data)
        root = etree.fromstring(response.data)
        assert [e.get("code") for e in root.findall("o:error", OAI)] == [code]


# -- 6. security headers -------------------------------------------------------------------


def test_every_response_has_the_security_headers(admin: FlaskClient) -> None:
    for path in ("/oai?verb=Identify", "/admin/login", "/admin/", "/api/runs", "/nope"):
        headers = admin.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        private = path.startswith(("/admin", "/api"))
        assert (headers.get("Cache-Control") == "no-store") is private, path


def test_the_oai_browser_view_needs_nothing_inline(anon: FlaskClient) -> None:
    with anon.get("/oai/static/oai2.xsl") as response:
        xsl = response.get_data(as_text=True)
    assert "<style" not in xsl and "style=" not in xsl and "<script" not in xsl
    assert 'href="oai/static/oai2.css"' in xsl
    with anon.get("/oai/static/oai2.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
    page = anon.get("/oai?verb=Identify").data
    assert b'<?xml-stylesheet type="text/xsl" href="oai/static/oai2.xsl"?>' in page


# -- 8. the Host header and the base URL ---------------------------------------------------


def test_an_unknown_host_is_refused_when_base_url_is_unset(anon: FlaskClient) -> None:
    assert anon.get("/oai?verb=Identify", headers={"Host": "evil.example"}).status_code == 400
    local = anon.get("/oai?verb=Identify", headers={"Host": "127.0.0.1:8000"})
    base = etree.fromstring(local.data).findtext("o:Identify/o:baseURL", namespaces=OAI)
    assert base == "http://127.0.0.1:8000/oai"


def test_a_configured_base_url_is_what_identify_says(database_url: str, tmp_path: Path) -> None:
    from oai.app import create_app

    overrides = {
        "repository.base_url": "https://hub.example.org/oai",
        "web.allowed_hosts": ["internal.lan"],
    }
    with make_admin_hub(database_url, tmp_path, **overrides) as hub:
        client = create_app(hub=hub).test_client()
        for host in ("hub.example.org", "internal.lan", "localhost"):
            response = client.get("/oai?verb=Identify", headers={"Host": host})
            base = etree.fromstring(response.data).findtext("o:Identify/o:baseURL", namespaces=OAI)
            assert base == "https://hub.example.org/oai"
        assert client.get("/oai?verb=Identify", headers={"Host": "evil.example"}).status_code == 400


def test_serving_beyond_loopback_needs_a_base_url(admin_hub: Hub) -> None:
    require_base_url(admin_hub.settings, "127.0.0.1")
    require_base_url(admin_hub.settings, "::1")
    with pytest.raises(ConfigError, match=r"repository\.base_url"):
        require_base_url(admin_hub.settings, "0.0.0.0")


# -- every route: strangers refused, state changes need CSRF -------------------------------

OPEN = {"/admin/login", "/api/openapi.json"}


def _routes(app: Flask) -> list[tuple[str, set[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        path = str(rule.rule)
        if not path.startswith(("/admin", "/api")) or "static" in path or path in OPEN:
            continue
        filled = (
            path.replace("<int:run_id>", "1")
            .replace("<int:event_id>", "1")
            .replace("<path:record_id>", "partner-1")
            .replace("<source_id>", "partner")
        )
        for name in list(rule.arguments):
            filled = filled.replace(f"<{name}>", "x")
        out.append((filled, set(rule.methods or ()) - {"OPTIONS"}))
    return out


def test_every_admin_and_api_route_refuses_strangers(admin_app: Flask, admin_hub: Hub) -> None:
    stranger = admin_app.test_client()
    routes = _routes(admin_app)
    assert len(routes) > 10
    before = RunLog(admin_hub.engine).queue.pending_by_source()
    for path, methods in routes:
        for method in sorted(methods | {"PUT", "DELETE", "PATCH"}):
            response = stranger.open(path, method=method)
            # 302 to the login, 401 for the API, 400 for a missing CSRF token, 405
            assert response.status_code in (302, 400, 401, 405), (method, path)
            if response.status_code == 302:
                assert "/admin/login" in response.headers["Location"]
    assert RunLog(admin_hub.engine).queue.pending_by_source() == before


def test_every_state_change_needs_the_csrf_token(admin_app: Flask, admin: FlaskClient) -> None:
    posts = [path for path, methods in _routes(admin_app) if "POST" in methods]
    assert posts
    for path in posts:
        assert admin.post(path, data={"confirmed": "yes"}).status_code == 400, path
        assert admin.post(path, headers={"X-CSRF-Token": "forged"}).status_code == 400, path


# -- a fuzz of malformed /oai requests -----------------------------------------------------

ARGS = ["verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken"]
VERBS = [
    "Identify",
    "ListRecords",
    "ListIdentifiers",
    "GetRecord",
    "ListSets",
    "ListMetadataFormats",
]
NASTY = [
    "\x00",
    "\x01",
    "\x0b",
    "\x1f",
    "\x7f",
    "\ufffe",
    "\uffff",
    "\ud7ff",
    "&",
    "<",
    "]]>",
    "%",
    "'",
    '"',
    "\u202e",
    "\U0001f600",
    "2024-02-30",
    "9999-12-31T23:59:59Z",
    "0000-00-00",
    "2024-01-01T00:00:00",
    "2024-01-01T25:00:00Z",
    "-1",
    "a" * 5000,
]


def _value(rng: random.Random) -> str:
    parts = [
        rng.choice(NASTY + VERBS + ["oai_dc", "partner-1", ""]) for _ in range(rng.randint(1, 3))
    ]
    return "".join(parts)


def test_a_fuzz_of_malformed_requests_gives_no_5xx_and_only_well_formed_xml(
    database_url: str, tmp_path: Path
) -> None:
    from oai.app import create_app
    from tests.oai.web.admin.conftest import populate

    # no rate limit: 2,000 requests a minute from one client would rightly get 503s
    hub = make_admin_hub(database_url, tmp_path, **{"repository.rate_limit_per_minute": 0})
    populate(hub)
    try:
        _fuzz(create_app(hub=hub).test_client())
    finally:
        hub.close()


def _fuzz(anon: FlaskClient) -> None:
    rng = random.Random(14)
    token = None
    first = anon.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").data
    found = etree.fromstring(first).find(".//o:resumptionToken", OAI)
    if found is not None and found.text:
        token = found.text
    for n in range(2000):
        args = [(rng.choice(ARGS), _value(rng)) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.5:
            args.insert(0, ("verb", rng.choice(VERBS)))
        if token and rng.random() < 0.1:  # a tampered token
            cut = rng.randrange(len(token))
            args.append(("resumptionToken", token[:cut] + rng.choice("Ax.-_") + token[cut + 1 :]))
        post = n % 2 == 1
        form = MultiDict(args)
        response = anon.post("/oai", data=form) if post else anon.get("/oai", query_string=form)
        assert response.status_code < 500, (args, response.status_code)
        if response.status_code == 200:
            etree.fromstring(response.data)  # well-formed, or this raises


# -- 5. sessions can be revoked, go idle and expire ----------------------------------------


def _copy_cookie(source: FlaskClient, target: FlaskClient) -> None:
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def test_a_cookie_captured_before_logout_is_refused_after_it(
    admin_app: Flask, admin: FlaskClient
) -> None:
    thief = admin_app.test_client()
    _copy_cookie(admin, thief)
    assert thief.get("/admin/").status_code == 200  # the copy works while logged in
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    assert admin.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/admin/").status_code == 302  # refused from then on
    assert thief.get("/api/runs").status_code == 401


def test_a_password_change_ends_every_session(
    database_url: str, tmp_path: Path, admin: FlaskClient, admin_hub: Hub
) -> None:
    from werkzeug.security import generate_password_hash

    from oai.app import create_app

    with make_admin_hub(
        database_url, tmp_path, **{"admin.password_hash": generate_password_hash("new one")}
    ) as changed:
        client = create_app(hub=changed).test_client()
        _copy_cookie(admin, client)
        assert client.get("/admin/").status_code == 302


def test_sessions_time_out_when_idle_and_at_their_lifetime(
    admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as real_time

    import oai.web.admin.auth as auth

    start = real_time.time()
    clock = {"now": start}
    monkeypatch.setattr(auth.time, "time", lambda: clock["now"])
    clock["now"] = start + 59 * 60  # the default idle timeout is 60 minutes
    assert admin.get("/admin/").status_code == 200
    for step in range(2, 15):  # used every 50 minutes: never idle, but 12 hours at most
        clock["now"] = start + step * 50 * 60
        if clock["now"] > start + 12 * 3600:
            break
        assert admin.get("/admin/").status_code == 200, step
    clock["now"] = start + 12 * 3600 + 1
    assert admin.get("/admin/").status_code == 302


def test_an_idle_session_is_refused(admin: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import time as real_time

    import oai.web.admin.auth as auth

    later = real_time.time() + 61 * 60
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert admin.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("base_url", "setting", "secure"),
    [
        ("https://hub.example.org/oai", "auto", True),
        ("http://127.0.0.1:5000/oai", "auto", False),
        ("http://127.0.0.1:5000/oai", "true", True),
        ("https://hub.example.org/oai", "false", False),
    ],
)
def test_the_secure_cookie_flag(
    database_url: str, tmp_path: Path, base_url: str, setting: str, secure: bool
) -> None:
    from oai.app import create_app

    overrides = {"repository.base_url": base_url, "admin.secure_cookie": setting}
    with make_admin_hub(database_url, tmp_path, **overrides) as hub:
        client = create_app(hub=hub).test_client()
        response = log_in(client)
        assert response.status_code == 302
        assert ("Secure" in response.headers["Set-Cookie"]) is secure


# -- 7. the login throttle is shared by every worker, per real client, and never locks ----
#       the account


def test_failed_logins_count_across_workers(database_url: str, tmp_path: Path) -> None:
    from oai.app import create_app

    with make_admin_hub(database_url, tmp_path) as hub:
        first, second = create_app(hub=hub), create_app(hub=hub)  # two gunicorn workers
        for n in range(3):  # admin.max_login_attempts = 3
            worker = (first, second)[n % 2]
            assert log_in(worker.test_client(), "wrong").status_code == 401
        assert log_in(second.test_client(), PASSWORD).status_code == 429
        assert log_in(first.test_client(), PASSWORD).status_code == 429


def test_behind_a_proxy_the_real_client_is_throttled_not_everyone(
    database_url: str, tmp_path: Path
) -> None:
    from oai.app import create_app

    with make_admin_hub(database_url, tmp_path, **{"web.trusted_proxies": 1}) as hub:
        app = create_app(hub=hub)
        attacker = app.test_client()
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
        for _ in range(3):
            assert log_in(attacker, "wrong").status_code == 401
        assert log_in(attacker, PASSWORD).status_code == 429
        admin = app.test_client()
        admin.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
        # slowed (the account was guessed at): told at once to come back, never a sleep
        paused = log_in(admin, PASSWORD)
        assert paused.status_code == 429 and paused.headers["Retry-After"] == "1"
        age_failures(app, seconds=2)
        assert log_in(admin, PASSWORD).status_code == 302  # not locked out
