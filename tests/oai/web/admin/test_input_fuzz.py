"""Finding 5 of issue 23: no input makes an admin page or the API answer 5xx.

Integers in paths and query arguments are range-checked (404 or 400), text the databases
refuse (a NUL) is a 400 on SQLite as on PostgreSQL, and a fuzz over every admin and API
route (enumerated from the URL map, so a route added later is fuzzed too) meets no 5xx.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from oai.app import create_app
from oai.web.admin.auth import PUBLIC_ENDPOINTS
from tests.oai.web.admin.conftest import csrf_of, log_in, make_admin_hub, populate

HUGE = "99999999999999999999"
# routes the fuzz leaves alone: logging out would end its own session
SKIPPED = frozenset({"admin.logout", "admin.static"})


@pytest.fixture
def fuzz_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    overrides = {
        "repository.rate_limit_per_minute": 0,
        "harvest.max_retries": 0,
        "harvest.connect_timeout": 0.5,
        "harvest.read_timeout": 0.5,
    }
    with make_admin_hub(database_url, tmp_path, **overrides) as hub:
        populate(hub)
        app = create_app(hub=hub)
        app.config["TESTING"] = True
        yield app


@pytest.fixture
def signed_in(fuzz_app: Flask) -> FlaskClient:
    client = fuzz_app.test_client()
    assert log_in(client).status_code == 302
    return client


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/admin/runs/{HUGE}", 404),
        (f"/admin/runs/{HUGE}/events/1/raw", 404),
        (f"/admin/runs/1/events/{HUGE}/raw", 404),
        (f"/admin/runs/{HUGE}/report.csv", 404),
        ("/admin/runs/0", 404),
        (f"/admin/runs/1?after={HUGE}", 400),
        ("/admin/runs/1?after=-1", 400),
        ("/admin/runs/1?after=abc", 400),
        (f"/admin/runs?before={HUGE}", 400),
        (f"/admin/records?after={HUGE}", 400),
        (f"/api/runs/{HUGE}", 404),
        (f"/api/runs/{HUGE}/report", 404),
        (f"/api/runs?before={HUGE}", 400),
        ("/api/runs?limit=0", 400),
        (f"/api/runs?limit={HUGE}", 400),
        ("/admin/records?q=soviet%00", 400),
        ("/admin/records?source=%00", 400),
        ("/admin/records/%00", 400),
        ("/api/records/%00", 400),
        ("/api/runs?source=%00", 400),
        ("/api/sources/%00/failing", 400),
        ("/admin/sources/%00", 400),
        ("/admin/runs?status=ok&%00=1", 400),
    ],
)
def test_numbers_out_of_range_and_nul_bytes_are_4xx(
    signed_in: FlaskClient, url: str, status: int
) -> None:
    assert signed_in.get(url).status_code == status, url


def test_a_nul_in_a_posted_form_is_400(signed_in: FlaskClient) -> None:
    token = csrf_of(signed_in.get("/admin/sources/new").get_data(as_text=True))
    form = {"csrf_token": token, "id": "new\x00one", "base_url": "http://example.org/oai"}
    assert signed_in.post("/admin/sources/new", data=form).status_code == 400


NASTY = [
    "\x00",
    "a\x00b",
    "\x01",
    "\x7f",
    "\ufffe",
    "\U0001f600",
    "\u202e",
    HUGE,
    "-" + HUGE,
    "9223372036854775808",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "-1",
    "0",
    "1",
    "1e9",
    "١٢",
    "1_000",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "<x>",
    "2024-02-30",
    "9999-12-31",
    "0001-01-01",
    "partner",
    "partner-1",
    "oai:admin.test:partner-1",
    "a" * 3000,
    "",
]
ARGS = [
    "after",
    "before",
    "limit",
    "source",
    "status",
    "since",
    "q",
    "kind",
    "state",
    "sort",
    "set",
    "format",
    "id",
    "failed",
    "next",
    "action",
]
FORM = ["action", "confirmed", "enabled", "id", "name", "base_url", "kind", "password"]
VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) of every admin and API route."""
    found = []
    for rule in app.url_map.iter_rules():
        if not str(rule).startswith(("/admin", "/api")) or rule.endpoint in SKIPPED:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, str(rule), method))
    return found


def _path(rule: str, rng: random.Random) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "id":
            return rng.choice(["1", "2", HUGE, "0", "2147483647", "2147483648"])
        return quote(rng.choice(NASTY) or "x", safe="")

    return VARIABLE.sub(fill, rule)


def _pairs(names: list[str], rng: random.Random) -> list[tuple[str, str]]:
    return [(rng.choice(names), rng.choice(NASTY)) for _ in range(rng.randint(0, 4))]


def test_a_fuzz_over_every_admin_and_api_route_gives_no_5xx(
    fuzz_app: Flask, signed_in: FlaskClient
) -> None:
    rng = random.Random(23)
    routes = _routes(fuzz_app)
    assert len(routes) > 20 and any(e == "api.run" for e, _, _ in routes)
    token = csrf_of(signed_in.get("/admin/sources/new").get_data(as_text=True))
    seen: set[str] = set()
    for n in range(1200):
        endpoint, rule, method = routes[n % len(routes)]
        seen.add(endpoint)
        path = _path(rule, rng)
        query = _pairs(ARGS, rng)
        if method == "POST":
            form = [("csrf_token", token), *_pairs(FORM, rng)]
            response = signed_in.post(path, query_string=MultiDict(query), data=MultiDict(form))
        else:
            response = signed_in.get(path, query_string=MultiDict(query))
        assert response.status_code < 500, (method, path, query, response.status_code)
        if endpoint not in PUBLIC_ENDPOINTS:
            assert response.status_code != 401, (method, path)  # still signed in
    assert seen == {e for e, _, _ in routes}
