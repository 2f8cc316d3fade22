"""The `oai` command: db, demo and records commands against both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from oai.cli import main


def _runner(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("OAI_CONFIG", raising=False)
    monkeypatch.setenv("OAI_DATABASE_URL", url)
    monkeypatch.setenv("OAI_DATA_DIR", str(tmp_path / "var"))
    return CliRunner()


@pytest.fixture
def oai(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return _runner(database_url, tmp_path, monkeypatch)


@pytest.fixture
def oai_on_empty(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    """`oai` on a database without a schema yet (`db upgrade` makes it)."""
    return _runner(empty_database_url, tmp_path, monkeypatch)


def run(runner: CliRunner, *args: str, code: int = 0) -> Result:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_db_upgrade_then_demo_load_is_idempotent(oai_on_empty: CliRunner) -> None:
    oai = oai_on_empty
    assert "-> " in run(oai, "db", "upgrade").output
    assert "8 records: 8 added" in run(oai, "demo", "load").output
    assert "8 records: 0 added, 0 updated, 8 unchanged" in run(oai, "demo", "load").output
    output = run(oai, "records", "list", "--json").output
    listed = [json.loads(line) for line in output.splitlines()]
    assert len(listed) == 8
    assert {item["id"] for item in listed} >= {"301006", "miller-1961-01-09"}
    assert all(item["identifier"].startswith("oai:") for item in listed)


def test_show_prints_every_field_of_the_seed_record(oai: CliRunner) -> None:
    run(oai, "demo", "load")
    text = run(oai, "records", "show", "301006").output
    for expected in [
        "Document from the Soviet Embassy in Cuba Requesting Soviet Support",
        "precision: year",
        "TOP SECRET",
        "(p. 1)",
        "(p. 3)",
        "Radoslav Yordanov",
        "role: translator",
        "Národní Archiv České Republiky (National Archives of the Czech Republic)",
        "ÚV KSČ",
        "Antonín Novotný – Zahraničí",
        "Karton 121",
        "Komunistická strana Kuby",
        "The History and Public Policy Program welcomes reuse",
        "eng",
        "record id: 301006",
        "classification: Top Secret",
        "Blavatnik Family Foundation",
        "Stenographic Protocol of the Meeting between Todor Zhivkov and Raul Castro Rus",
        "January 9, 1961",
        "uploaded: 2024-09-19",
        "cold-war:cuba",
        "identifier: oai:",
        "datestamp: ",
    ]:
        assert expected in text, expected
    data = json.loads(run(oai, "records", "show", "301006", "--format", "json").output)
    assert len(data["related"]) == 7
    assert data["source"]["container"] == "Karton 121"
    assert data["header"]["deleted"] is False


def test_show_unknown_record_or_format_is_a_clear_error(oai: CliRunner) -> None:
    run(oai, "demo", "load")
    assert "no record with id 'nope'" in run(oai, "records", "show", "nope", code=1).output
    result = run(oai, "records", "show", "301006", "--format", "nope", code=1)
    assert "nope" in result.output and "oai_dc" in result.output
    assert result.output.count("valid:") == 1 and "(known" not in result.output, "one list"
    assert "ead3" not in result.output, "read-only formats are not offered"
    read_only = run(oai, "records", "show", "301006", "--format", "ead3", code=1).output
    assert "can be read but not written" in read_only


def test_import_reports_bad_lines_and_imports_the_rest(oai: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "title": "A"}),
                json.dumps({"id": "b", "title": "B", "date": {"start": "1961-02-30"}}),
                "{oops",
                json.dumps({"id": "c", "title": "C", "shoe_size": 9}),
                json.dumps({"id": "d", "title": "D"}),
            ]
        ),
        encoding="utf-8",
    )
    result = run(oai, "records", "import", str(path))
    assert "5 records: 2 added, 0 updated, 0 unchanged, 3 failed" in result.output
    assert f"{path}:2: field date.start" in result.output
    assert f"{path}:3: invalid JSON" in result.output
    assert f"{path}:4: field shoe_size: unknown field 'shoe_size'" in result.output
    listed = run(oai, "records", "list").output
    assert {line.split("\t")[0] for line in listed.splitlines()} == {"a", "d"}


def test_import_of_only_bad_records_fails(oai: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    assert "1 failed" in run(oai, "records", "import", str(path), code=1).output


def test_python_dash_m_oai_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oai", "--help"], capture_output=True, text=True, check=True
    )
    assert "records" in result.stdout and "db" in result.stdout


def test_import_streams_xml_with_a_progress_bar_and_the_first_errors(
    oai: CliRunner, tmp_path: Path
) -> None:
    # an OAI-PMH ListRecords dump: 30 good records, 25 bad ones; the summary names the
    # first 20 errors and counts the rest
    dc = (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title>'
        "<dc:identifier>{}</dc:identifier></oai_dc:dc>"
    )
    parts = []
    for n in range(55):
        body = dc.format(f"Zpráva {n}", f"rec-{n}") if n < 30 else '<x:y xmlns:x="urn:x"/>'
        parts.append(
            f"<record><header><identifier>oai:p:{n}</identifier><datestamp>2024-01-01"
            f"</datestamp></header><metadata>{body}</metadata></record>"
        )
    path = tmp_path / "dump.xml"
    path.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        + "".join(parts)
        + "</ListRecords></OAI-PMH>",
        encoding="utf-8",
    )
    result = run(oai, "records", "import", "--progress", "--batch", "10", str(path), code=0)
    assert "55 records: 30 added, 0 updated, 0 unchanged, 25 failed" in result.output
    assert "importing" in result.stderr and "100% | 55 records" in result.stderr
    assert result.stderr.count("error: ") == 20
    assert "... and 5 more errors" in result.stderr
    quiet = run(oai, "records", "import", "--no-progress", str(path))
    assert "importing" not in quiet.stderr
    assert "30 unchanged" in quiet.output
