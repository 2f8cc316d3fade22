"""One view of the configuration: a source added to the file shows everywhere at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from oai.app import create_app
from oai.hub import Hub
from oai.scheduler.service import SchedulerService
from oai.settings import load_settings
from tests.databases import hub_at_head
from tests.oai.web.admin.conftest import PASSWORD_HASH, log_in

SOURCE = '[[sources]]\nid = "{id}"\nbase_url = "http://127.0.0.1:9/{id}"\nschedule = "0 3 * * *"\n'


def _write(path: Path, *ids: str, extra: str = "") -> None:
    head = f'[admin]\npassword_hash = "{PASSWORD_HASH}"\n{extra}\n'
    path.write_text(head + "".join(SOURCE.format(id=i) for i in ids), encoding="utf-8")


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    config = tmp_path / "hub.toml"
    _write(config, "first")
    settings = load_settings(
        config, env={}, overrides={"database_url": database_url, "data_dir": str(tmp_path)}
    )
    with hub_at_head(settings) as made:
        yield made


def _page(client: FlaskClient, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def test_a_source_added_to_the_file_shows_on_every_page_without_a_restart(hub: Hub) -> None:
    client = create_app(hub=hub).test_client()
    log_in(client)
    assert "first" in _page(client, "/admin/sources")
    assert "configuration-notice" not in _page(client, "/admin/")
    _write(hub.settings.config_path, "first", "second")  # type: ignore[arg-type]
    listed = _page(client, "/admin/sources")
    assert "second" in listed
    page = _page(client, "/admin/sources/second")
    assert "No longer configured" not in page
    dashboard = _page(client, "/admin/")
    assert 'href="/admin/sources/second"' in dashboard  # the dashboard lists it too
    assert "configuration-notice" in dashboard and "after a restart" in dashboard
    ids = {s["id"] for s in client.get("/api/sources").json["sources"]}
    assert ids == {"first", "second"}


def test_the_scheduler_picks_the_file_s_sources_up_at_its_next_tick(hub: Hub) -> None:
    service = SchedulerService(hub)
    assert service.start()
    try:
        assert set(service.next_run_times()) == {"first"}
        _write(hub.settings.config_path, "first", "second")  # type: ignore[arg-type]
        service.tick()
        assert set(service.next_run_times()) == {"first", "second"}
        _write(hub.settings.config_path, "second")  # type: ignore[arg-type]
        service.tick()
        assert set(service.next_run_times()) == {"second"}
    finally:
        service.stop(wait=True)


def test_a_broken_file_keeps_the_sources_read_before_and_says_why(hub: Hub) -> None:
    client = create_app(hub=hub).test_client()
    log_in(client)
    _write(hub.settings.config_path, "first", extra="[[sources]]\nid = 3\n")  # type: ignore[arg-type]
    page = _page(client, "/admin/sources")
    assert "first" in page
    assert "cannot be used" in page and "id" in page
