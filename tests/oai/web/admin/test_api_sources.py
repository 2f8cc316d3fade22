"""The JSON API's writes to sources, with tokens of each role (no CSRF for tokens)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from oai.app import create_app
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.web.admin.accounts import AccountStore
from tests.oai.web.admin.conftest import make_admin_hub, populate

ROLES = ("viewer", "editor", "admin")


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[tuple[FlaskClient, Hub, dict[str, dict]]]:
    with make_admin_hub(database_url, tmp_path, **{"harvest.private_base_urls": True}) as hub:
        populate(hub)
        store = AccountStore(hub.engine, hub.settings.admin.password_hash)
        headers = {}
        for role in ROLES:
            store.add(f"{role}1", f"{role}-password-long-enough", role)
            headers[role] = {"X-API-Token": store.make_token(f"{role}1")[1]}
        app = create_app(hub=hub)
        yield app.test_client(), hub, headers


NEW = {
    "id": "api-made",
    "base_url": "http://127.0.0.1:9/oai",
    "sets": ["a", "b"],
    "schedule": "0 3 * * *",
}


def test_an_editor_adds_and_changes_a_source_a_viewer_may_not(api: tuple) -> None:
    client, hub, token = api
    assert client.post("/api/sources", json=NEW, headers=token["viewer"]).status_code == 403
    made = client.post("/api/sources", json=NEW, headers=token["editor"])
    assert made.status_code == 201, made.json
    assert made.json["sets"] == ["a", "b"] and made.json["origin"] == "database"
    again = client.post("/api/sources", json=NEW, headers=token["editor"])
    assert again.status_code == 409
    bad = client.post("/api/sources", json={**NEW, "id": "x", "schedule": "daily"},
                      headers=token["editor"])  # fmt: skip
    assert bad.status_code == 400 and "schedule" in bad.json["message"]
    changed = client.patch("/api/sources/api-made", json={"enabled": False},
                           headers=token["editor"])  # fmt: skip
    assert changed.status_code == 200 and changed.json["enabled"] is False
    assert client.patch("/api/sources/api-made", json={"id": "other"},
                        headers=token["editor"]).status_code == 400  # fmt: skip
    changes = RunLog(hub.engine).managed.changes("api-made")
    assert [c.action for c in changes] == ["edit", "add"]
    assert changes[0].who.startswith("editor1 (API token")


def test_the_configuration_s_sources_are_not_changed_through_the_api(api: tuple) -> None:
    client, _, token = api
    answer = client.patch("/api/sources/partner", json={"enabled": False}, headers=token["admin"])
    assert answer.status_code == 403 and "configuration file" in answer.json["message"]
    gone = client.delete("/api/sources/nope?records=keep", headers=token["admin"])
    assert gone.status_code == 404


def test_only_an_admin_removes_and_must_say_what_becomes_of_the_records(api: tuple) -> None:
    client, hub, token = api
    client.post("/api/sources", json=NEW, headers=token["editor"])
    url = "/api/sources/api-made"
    assert client.delete(f"{url}?records=keep", headers=token["editor"]).status_code == 403
    unsaid = client.delete(url, headers=token["admin"])
    assert unsaid.status_code == 400 and "has 0 live records" in unsaid.json["message"]
    done = client.delete(f"{url}?records=tombstone", headers=token["admin"])
    assert done.status_code == 200 and done.json == {
        "source": "api-made",
        "records": 0,
        "kept": False,
    }
    assert RunLog(hub.engine).managed.get("api-made") is None


def test_an_editor_asks_for_a_run_and_a_second_ask_queues_none(api: tuple) -> None:
    client, hub, token = api
    url = "/api/sources/partner/harvest"
    assert client.post(url, headers=token["viewer"]).status_code == 403
    first = client.post(url, json={"full": True}, headers=token["editor"])
    assert first.status_code == 202 and first.json["queued"] is True
    assert first.json["what"].startswith("request ")
    second = client.post(url, json={"full": True}, headers=token["editor"])
    assert second.status_code == 200 and second.json["queued"] is False
    assert client.post(url, json={"full": "yes"}, headers=token["editor"]).status_code == 400
    pending = RunLog(hub.engine).queue.pending("partner")
    assert [(r.full, (r.requested_by or "").split(" ")[0]) for r in pending] == [(True, "editor1")]


def test_a_browser_session_still_needs_its_csrf_token(api: tuple) -> None:
    client, _, _ = api
    assert client.post("/api/sources", json=NEW).status_code in (400, 401)
