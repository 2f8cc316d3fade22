"""The `oai` command: db, demo and records commands against both databases."""

from __future__ import annotations

import json
import socket
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


def test_a_command_refuses_to_make_a_new_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 27: `oai runs` in a folder without the configuration made ./var/oaihub.sqlite
    monkeypatch.delenv("OAI_CONFIG", raising=False)
    monkeypatch.delenv("OAI_DATABASE_URL", raising=False)
    monkeypatch.delenv("OAI_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in (["runs"], ["records", "list"], ["demo", "load"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1, result.output
        assert f"no oaihub database at sqlite:///{tmp_path}/var/oaihub.sqlite" in result.output
        assert "does not exist" in result.output
        assert "oai db upgrade" in result.output
        assert f"none found in {tmp_path}" in result.output
    assert not (tmp_path / "var").exists(), "nothing was created"
    assert "-> " in run(runner, "db", "upgrade").output
    assert run(runner, "runs").exit_code == 0


def test_an_empty_postgresql_database_is_refused_too(oai_on_empty: CliRunner) -> None:
    result = oai_on_empty.invoke(main, ["records", "list"])
    assert result.exit_code == 1
    assert "no oaihub database at" in result.output
    assert run(oai_on_empty, "info", "--json").exit_code == 0


def test_info_names_the_file_database_folder_schema_and_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = tmp_path / "hub"
    (hub / "config").mkdir(parents=True)
    config = hub / "config" / "oaihub.toml"
    config.write_text(
        'data_dir = "../var"\n'
        'database_url = "sqlite:///../var/hub.sqlite"\n'
        '[[sources]]\nid = "p"\nbase_url = "http://127.0.0.1:1/oai"\n',
        encoding="utf-8",
    )
    for name in ("OAI_CONFIG", "OAI_DATABASE_URL", "OAI_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    runner = CliRunner()
    relative = str(Path("..") / "hub" / "config" / "oaihub.toml")
    before = json.loads(run(runner, "--config", relative, "info", "--json").output)
    assert before == {
        "config_file": str(config),
        "database_url": f"sqlite:///{hub / 'var' / 'hub.sqlite'}",
        "data_dir": str(hub / "var"),
        "schema": {"current": None, "newest": before["schema"]["newest"]},
        "database_missing": f"the file {hub / 'var' / 'hub.sqlite'} does not exist",
        "database_unreachable": None,
        "records": None,
        "sources": {"configured": 1, "in_database": None},
    }
    assert not (hub / "var").exists()
    run(runner, "--config", relative, "db", "upgrade")
    run(runner, "--config", relative, "demo", "load")
    after = json.loads(run(runner, "--config", relative, "info", "--json").output)
    assert after["schema"]["current"] == after["schema"]["newest"]
    assert after["records"] == {"live": 8, "deleted": 0}
    assert after["sources"] == {"configured": 1, "in_database": 0}, "none harvested yet"
    assert after["database_missing"] is None
    text = run(runner, "--config", relative, "info").output
    assert f"configuration file   {config}\n" in text
    assert "records              8 live, 0 deleted\n" in text
    assert not (elsewhere / "var").exists(), "the file's folder, not the working one"


def test_info_hides_the_database_password(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the test server trusts local connections: any password is accepted
    url = postgres_url.replace("://postgres@", "://postgres:s3cret@")
    assert "s3cret" in url
    output = run(_runner(url, tmp_path, monkeypatch), "info").output
    assert "postgres:***@" in output
    assert "s3cret" not in output


@pytest.mark.parametrize("command", [["scheduler", "--list"], ["scheduler"], ["worker"]])
def test_the_scheduler_and_worker_refuse_a_new_database_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    for name in ("OAI_CONFIG", "OAI_DATABASE_URL", "OAI_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "no oaihub database at" in result.output
    assert not (tmp_path / "var" / "oaihub.sqlite").exists()


def test_an_unreachable_database_is_named_not_taken_for_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OAI_CONFIG", raising=False)
    monkeypatch.setenv("OAI_DATA_DIR", str(tmp_path))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OAI_DATABASE_URL", f"postgresql+psycopg://u:pw@127.0.0.1:{port}/x")
    result = CliRunner().invoke(main, ["runs"])
    assert result.exit_code == 1
    assert f"cannot reach the database at postgresql+psycopg://u:***@127.0.0.1:{port}/x" in (
        result.output
    )
    assert "pw@" not in result.output
    facts = json.loads(run(CliRunner(), "info", "--json").output)
    assert facts["database_unreachable"] and facts["database_missing"] is None
    assert "cannot be reached" in run(CliRunner(), "info").output


def test_show_a_fonds_as_its_whole_finding_aid(
    oai: CliRunner, samples_dir: Path, schemas_dir: Path
) -> None:
    sample = samples_dir / "elza_ead3_cz_findingaid-HK01812.xml"
    run(oai, "records", "import", str(sample))
    text = run(oai, "records", "show", "1820", "--format", "ape_ead").output
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(schemas_dir / "apeead" / "apeEAD.xsd")))
    ead = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(ead), schema.error_log
    assert len(ead.findall(".//{urn:isbn:1-931666-22-9}c")) > 400
