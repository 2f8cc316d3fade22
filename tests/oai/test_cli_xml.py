"""XML through the command line: `oai crosswalk` and `oai records import` of partner XML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from oai.cli import main
from tests.databases import migrated_sqlite


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("OAI_CONFIG", raising=False)
    # a database at head: a command never makes a new one (only `oai db upgrade` does)
    monkeypatch.setenv("OAI_DATABASE_URL", migrated_sqlite(tmp_path / "hub.sqlite"))
    monkeypatch.setenv("OAI_DATA_DIR", str(tmp_path / "var"))
    return CliRunner()


def test_crosswalk_detects_the_input_and_writes_valid_output(
    runner: CliRunner, samples_dir: Path, assert_valid: object
) -> None:
    result = runner.invoke(
        main, ["crosswalk", str(samples_dir / "kramerius_biblio_oai_dc.xml"), "--to", "marcxml"]
    )
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.output.encode())
    assert root.tag == "{http://www.loc.gov/MARC21/slim}record"
    assert_valid(result.output.encode())  # type: ignore[operator]


def test_crosswalk_to_json_prints_one_record_per_line(runner: CliRunner, samples_dir: Path) -> None:
    sample = samples_dir / "elza_ead3_cz_findingaid-HK01812.xml"
    result = runner.invoke(main, ["crosswalk", str(sample), "--to", "json"])
    assert result.exit_code == 0, result.output
    forms = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(forms) > 1
    assert all(form["title"] for form in forms)


def test_crosswalk_refuses_hostile_xml(runner: CliRunner, tmp_path: Path) -> None:
    hostile = tmp_path / "xxe.xml"
    hostile.write_text(
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', encoding="utf-8"
    )
    result = runner.invoke(main, ["crosswalk", str(hostile), "--to", "oai_dc"])
    assert result.exit_code == 1
    assert "entities" in result.output
    assert "root:" not in result.output


def test_records_import_reads_a_whole_oai_response(runner: CliRunner, samples_dir: Path) -> None:
    sample = samples_dir / "aspace_getrecord_oai_dc.xml"
    result = runner.invoke(main, ["records", "import", str(sample)])
    assert result.exit_code == 0, result.output
    assert "1 records: 1 added" in result.output
    listed = runner.invoke(main, ["records", "list", "--json"]).output.splitlines()
    (item,) = (json.loads(line) for line in listed)
    shown = runner.invoke(main, ["records", "show", item["id"], "--format", "oai_dc"])
    assert shown.exit_code == 0, shown.output
    assert "<dc:title>" in shown.output


def test_records_import_reports_malformed_xml(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<oai_dc:dc xmlns:oai_dc='x'><unclosed></oai_dc:dc>", encoding="utf-8")
    result = runner.invoke(main, ["records", "import", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}" in result.output and "1 failed" in result.output
