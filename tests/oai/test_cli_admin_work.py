"""`oai records withdraw|reinstate|withdrawn` and `oai sets`: the admin's work from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.oai.test_cli import oai, run  # noqa: F401  (the fixture)


def test_withdraw_list_and_reinstate(oai: CliRunner) -> None:  # noqa: F811
    run(oai, "demo", "load")
    done = run(oai, "records", "withdraw", "301006", "--reason", "rights holder's request")
    assert "301006 withdrawn at " in done.output
    assert "rights holder's request" in done.output
    listed = [
        json.loads(line) for line in run(oai, "records", "withdrawn", "--json").output.splitlines()
    ]
    assert [(w["id"], w["reason"]) for w in listed] == [("301006", "rights holder's request")]
    assert listed[0]["actor"].startswith("cli")
    shown = json.loads(run(oai, "records", "show", "301006", "--format", "json").output)
    assert shown["header"]["deleted"] is True
    again = run(oai, "records", "withdraw", "301006", "--reason", "x", code=1)
    assert "withdrawn already" in again.output
    back = run(oai, "records", "reinstate", "301006")
    assert "301006 reinstated at " in back.output
    shown = json.loads(run(oai, "records", "show", "301006", "--format", "json").output)
    assert shown["header"].get("deleted") in (False, None)
    assert "no record with id 'nope'" in run(oai, "records", "reinstate", "nope", code=1).output
    assert run(oai, "records", "withdrawn").output == ""


def test_sets_add_list_remove(oai: CliRunner) -> None:  # noqa: F811
    run(oai, "demo", "load")
    added = run(oai, "sets", "add", "cuba", "--name", "Cuba", "--query", "Cuba")
    assert "set cuba added: " in added.output
    listed = [json.loads(line) for line in run(oai, "sets", "list", "--json").output.splitlines()]
    assert [(s["spec"], s["query"]) for s in listed] == [("cuba", "Cuba")]
    assert listed[0]["records"] > 0
    refused = run(oai, "sets", "add", "cuba", "--name", "Again", "--query", "x", code=1)
    assert "exists already" in refused.output
    assert "set cuba removed" in run(oai, "sets", "remove", "cuba").output
    assert run(oai, "sets", "list").output == ""


def test_an_import_does_not_republish_a_withdrawn_record(oai: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    run(oai, "demo", "load")
    run(oai, "records", "withdraw", "301006", "--reason", "takedown")
    again = tmp_path / "again.jsonl"
    again.write_text(json.dumps({"id": "301006", "title": "Sent again"}) + "\n")
    result = run(oai, "records", "import", str(again))
    assert "301006 is withdrawn from publication" in result.output
    shown = json.loads(run(oai, "records", "show", "301006", "--format", "json").output)
    assert shown["header"]["deleted"] is True
