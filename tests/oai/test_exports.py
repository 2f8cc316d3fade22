"""Exporting a source's records, and importing the export back to the same records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from oai.cli import main
from oai.errors import ExportError
from oai.exports import Export
from oai.harvest import run_harvest
from oai.hub import Hub
from oai.importing import import_paths
from oai.withdrawals import withdraw
from tests.oai.harvest.conftest import make_hub, make_partner
from tests.oai.harvest.faultserver import FaultServer

OAI = "{http://www.openarchives.org/OAI/2.0/}"


@pytest.fixture
def harvested(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    """A hub holding 25 records harvested from `partner` (one of them withdrawn)."""
    partner = make_partner(count=25, page_size=10)
    with FaultServer(partner).start() as server:
        hub = make_hub(server.url, tmp_path / "a", database_url)
        result = run_harvest(hub, "partner")
        assert result.status == "ok", result.message
    withdraw(hub, _first(hub), "withdrawn: not exported live", "test")
    yield hub
    hub.close()


def _first(hub: Hub) -> str:
    return next(hub.store.iter_records(source_id="partner")).id


def _fresh(tmp_path: Path) -> Hub:
    return make_hub("http://127.0.0.1:9/oai", tmp_path / "b")


def _contents(hub: Hub, source_id: str | None) -> dict[str, dict[str, object]]:
    """id -> content of the live records (of one source, or every one)."""
    found = hub.store.iter_records(source_id=source_id)
    return {r.id: r.content() for r in found if r.header is None or not r.header.deleted}


def test_jsonl_export_imports_back_to_the_same_records(harvested: Hub, tmp_path: Path) -> None:
    path = tmp_path / "partner.jsonl"
    with path.open("wb") as out:
        count = Export(harvested, "partner", "jsonl").write_to(out)
    assert count == 24  # the withdrawn record is not published, so not exported
    assert all(json.loads(line)["id"] for line in path.read_text().splitlines())
    with _fresh(tmp_path) as other:
        summary = import_paths(other, [path])
        assert not summary.errors, summary.errors
        assert _contents(other, None) == _contents(harvested, "partner")


@pytest.mark.parametrize("prefix", ["oaihub", "oai_dc"])
def test_listrecords_export_is_valid_and_imports_back(
    harvested: Hub, tmp_path: Path, prefix: str, assert_valid: Callable[[bytes], None]
) -> None:
    path = tmp_path / "partner.xml"
    with path.open("wb") as out:
        count = Export(harvested, "partner", "listrecords", prefix).write_to(out)
    assert count == 25
    assert_valid(path.read_bytes())
    root = etree.parse(str(path)).getroot()
    deleted = root.findall(f".//{OAI}header[@status='deleted']")
    assert len(deleted) == 1
    with _fresh(tmp_path) as other:
        summary = import_paths(other, [path])
        assert not summary.errors, summary.errors
        imported = _contents(other, None)
        expected = _contents(harvested, "partner")
        assert {_key(i) for i in imported} == {_key(i) for i in expected}
        if prefix == "oaihub":  # the lossless format: every field comes back
            assert {_key(i): c | {"id": ""} for i, c in imported.items()} == {
                _key(i): c | {"id": ""} for i, c in expected.items()
            }


def _key(local_id: str) -> str:
    return local_id.rsplit("doc-", 1)[-1]


def test_the_cli_streams_an_export_and_refuses_unknown_sources(
    harvested: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAI_DATABASE_URL", harvested.settings.database_url)
    monkeypatch.setenv("OAI_DATA_DIR", str(harvested.settings.data_dir))
    runner = CliRunner()
    result = runner.invoke(main, ["records", "export", "--source", "partner", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 24
    assert "24 records of partner exported (jsonl)" in result.stderr
    bad = runner.invoke(main, ["records", "export", "--source", "nope"])
    assert bad.exit_code == 1 and "no source 'nope'" in bad.output
    with pytest.raises(ExportError, match="unknown metadata prefix 'x'"):
        Export(harvested, "partner", "listrecords", "x")
