"""Fixtures for the web tests: a hub on a fresh database (SQLite and PostgreSQL), the app,
a real HTTP server on 127.0.0.1, and helpers that validate every response."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.serving import make_server

from oai.app import create_app
from oai.hub import Hub
from oai.settings import load_settings
from records.model import Record
from tests.databases import hub_at_head
from tests.servers import Background

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
REPO_ID = "test.oaihub.org"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
Validate = Callable[[bytes], None]


def make_hub(database_url: str, data_dir: Path, **overrides: Any) -> Hub:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": str(data_dir),
        "secret_key": "web-test-secret",
        "repository.identifier": REPO_ID,
        "repository.name": "Test hub",
        "repository.admin_email": ["one@example.org", "two@example.org"],
        "repository.friends": ["http://friend.example.org/oai"],
        "repository.page_size": 10,
        "repository.rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return hub_at_head(load_settings(env={}, overrides=values))


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    with make_hub(database_url, tmp_path) as hub:
        yield hub


@pytest.fixture
def app(hub: Hub) -> Flask:
    return create_app(hub=hub)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def record(local_id: str, **fields: Any) -> Record:
    data: dict[str, Any] = {"id": local_id, "title": f"Title of {local_id}"}
    data.update(fields)
    return Record.from_dict(data)


def put(hub: Hub, rec: Record, at: datetime) -> None:
    hub.store.put(rec, renderer=hub.render, now=at)


def populate(hub: Hub, n: int, *, start: datetime = T0) -> list[str]:
    """n local records, one a minute; even ones in the set a:b, odd ones in a:c."""
    ids = []
    for i in range(n):
        spec = "a:b" if i % 2 == 0 else "a:c"
        rec = record(f"r{i:04d}", collections=[{"spec": spec, "name": f"Set {spec}"}])
        put(hub, rec, start + timedelta(minutes=i))
        ids.append(f"oai:{REPO_ID}:r{i:04d}")
    return ids


@dataclass
class Server:
    url: str

    def get(self, **params: str) -> requests.Response:
        return requests.get(self.url, params=params, timeout=30)


@pytest.fixture
def server(app: Flask) -> Iterator[Server]:
    """The app on a real werkzeug server on 127.0.0.1 (threaded), for real HTTP clients."""
    with Background(make_server("127.0.0.1", 0, app, threaded=True)) as http:
        yield Server(f"http://127.0.0.1:{http.server.server_port}/oai")


@dataclass
class Ask:
    """Makes requests through the Flask test client and checks every response."""

    client: FlaskClient
    check: Validate

    def __call__(self, method: str = "GET", **args: str) -> etree._Element:
        if method == "POST":
            response = self.client.post("/oai", data=args)
        else:
            response = self.client.get("/oai", query_string=args)
        assert response.status_code == 200, response.data
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        self.check(response.data)
        return etree.fromstring(response.data)


@pytest.fixture
def ask(client: FlaskClient, assert_valid: Validate) -> Ask:
    return Ask(client, assert_valid)


def errors(root: etree._Element) -> list[str]:
    return [str(e.get("code")) for e in root.findall("o:error", NS)]


def identifiers(root: etree._Element) -> list[str]:
    return [str(e.text) for e in root.iterfind(".//o:header/o:identifier", NS)]


def token_of(root: etree._Element) -> etree._Element | None:
    return root.find(".//o:resumptionToken", NS)
