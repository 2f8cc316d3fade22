"""`oai sources`: a source from end to end on the command line, by the admin's rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import load_settings
from tests.oai.harvest.conftest import make_partner
from tests.oai.harvest.faultserver import FaultServer
from tests.oai.test_cli import _runner, run


@pytest.fixture
def partner_url() -> Iterator[str]:
    server = FaultServer(make_partner(count=6, page_size=10)).start()
    yield server.url
    server.stop()


@pytest.fixture
def oai(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    runner = _runner(database_url, tmp_path, monkeypatch)
    # the test partner listens on 127.0.0.1: only the configuration may allow that
    monkeypatch.setenv("OAI_HARVEST__PRIVATE_BASE_URLS", "true")
    monkeypatch.setenv("OAI_HARVEST__MAX_RETRIES", "0")
    return runner


def _hub() -> Hub:
    return Hub.from_settings(load_settings())


def test_a_source_from_add_to_remove(oai: CliRunner, partner_url: str) -> None:
    run(oai, "sources", "add", "--id", "p1", "--base-url", partner_url,
        "--set", "name=Partner one", "--set", "schedule=0 3 * * *")  # fmt: skip
    listed = json.loads(run(oai, "sources", "list", "--json").output)
    assert [(s["id"], s["origin"], s["enabled"], s["records"]) for s in listed] == [
        ("p1", "database", True, 0)
    ]
    run(oai, "sources", "add", "--id", "p1", "--base-url", partner_url, code=1)  # taken
    run(oai, "sources", "edit", "p1", "--set", "schedule=0 4 * * *")
    assert json.loads(run(oai, "sources", "show", "p1", "--json").output)["schedule"] == (
        "0 4 * * *"
    )
    run(oai, "sources", "edit", "p1", "--set", "schedule=every day", code=1)  # not cron
    run(oai, "sources", "disable", "p1")
    assert json.loads(run(oai, "sources", "show", "p1", "--json").output)["enabled"] is False
    run(oai, "sources", "enable", "p1")
    # the test partner answers Identify but lists no formats: the test says which check failed
    tested = run(oai, "sources", "test", "p1", code=1).output
    assert "answered Identify" in tested and "ListMetadataFormats" in tested
    run(oai, "harvest", "p1")
    assert json.loads(run(oai, "sources", "show", "p1", "--json").output)["records"] == 6
    refused = run(oai, "sources", "remove", "p1", code=1)
    assert "has 6 live records" in refused.output
    done = run(oai, "sources", "remove", "p1", "--records", "keep")
    assert "its 6 records are kept as local records" in done.output
    with _hub() as hub:
        assert hub.store.local_ids_of_source("p1") == set()  # no record is the source's now
        assert hub.store.stats()["records"] == 6  # they stay, as local records
        assert len(list(hub.store.iter_records(local=True))) == 6
        changes = RunLog(hub.engine).managed.changes("p1")
        assert changes[0].action == "remove" and changes[0].who.startswith("cli")
        assert "records: keep" in changes[0].who
    assert json.loads(run(oai, "sources", "list", "--json").output) == []


def test_removing_with_tombstones_serves_the_records_as_deleted(
    oai: CliRunner, partner_url: str
) -> None:
    run(oai, "sources", "add", "--id", "p2", "--base-url", partner_url)
    run(oai, "harvest", "p2")
    with _hub() as hub:
        ids = sorted(hub.store.local_ids_of_source("p2"))
    assert len(ids) == 6
    run(oai, "sources", "remove", "p2", "--records", "tombstone")
    with _hub() as hub:
        assert all(hub.store.get(i).header.deleted for i in ids)  # type: ignore[union-attr]


def test_a_private_address_is_refused_unless_the_configuration_allows_it(
    oai: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OAI_HARVEST__PRIVATE_BASE_URLS")
    refused = run(oai, "sources", "add", "--id", "inside", "--base-url",
                  "http://127.0.0.1:9/oai", code=1)  # fmt: skip
    assert "private" in refused.output
    assert json.loads(run(oai, "sources", "list", "--json").output) == []


def test_configured_sources_are_listed_but_changed_only_in_the_file(
    oai: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        '[[sources]]\nid = "conf"\nbase_url = "http://127.0.0.1:9/oai"\n', encoding="utf-8"
    )
    monkeypatch.setenv("OAI_CONFIG", str(config))
    listed = json.loads(run(oai, "sources", "list", "--json").output)
    assert [(s["id"], s["origin"]) for s in listed] == [("conf", "configuration")]
    refused = run(oai, "sources", "disable", "conf", code=1)
    assert "configuration file" in refused.output
    run(oai, "sources", "remove", "conf", "--records", "keep", code=1)
