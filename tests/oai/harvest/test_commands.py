"""`oai harvest`, `oai runs`, `oai runs show` and `oai records history`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oai.cli import main
from tests.databases import migrated_sqlite
from tests.oai.harvest.faultserver import FaultServer, Partner


@pytest.fixture
def config(tmp_path: Path, server: FaultServer) -> Path:
    path = tmp_path / "oaihub.toml"
    migrated_sqlite(tmp_path / "oaihub.sqlite")  # a command never makes a new database
    path.write_text(
        f'data_dir = "{tmp_path}"\n'
        "[harvest]\nread_timeout = 0.5\nbackoff_seconds = 0.01\nmax_retries = 1\n"
        "max_retry_after = 0.05\n"
        f'[[sources]]\nid = "partner"\nbase_url = "{server.url}"\nmetadata_prefix = "oai_dc"\n'
    )
    return path


def _oai(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def test_harvest_runs_and_history(config: Path, partner: Partner, server: FaultServer) -> None:
    code, out, err = _oai(config, "harvest", "partner")
    assert code == 0, out + err
    assert "run 1 of partner: ok" in out
    assert "25 added" in out
    assert "records/s" in err  # the progress display
    partner.tick()
    partner.put("doc-001", "Document 1, revised", subjects=["topic 1", "topic 9"])
    partner.tick()
    code, out, _ = _oai(config, "harvest", "partner")
    assert code == 0
    assert "1 updated" in out

    code, out, _ = _oai(config, "runs", "--json")
    runs = json.loads(out)
    assert [(r["id"], r["source"], r["status"]) for r in runs] == [
        (2, "partner", "ok"),
        (1, "partner", "ok"),
    ]
    assert runs[0]["counts"] == {
        "added": 0,
        "updated": 1,
        "unchanged": 0,
        "deleted": 0,
        "failed": 0,
    }
    code, out, _ = _oai(config, "runs", "--source", "partner", "--status", "ok")
    assert code == 0
    assert len(out.strip().splitlines()) == 3

    code, out, _ = _oai(config, "runs", "show", "2")
    assert code == 0
    assert "identify" in out
    assert "page 1: 1 updated" in out

    code, out, _ = _oai(config, "records", "history", "partner:doc-001")
    assert code == 0, out
    assert "version 2" in out
    assert "run 2" in out
    assert "changed  title: Document 1 -> Document 1, revised" in out
    assert 'subjects: ["topic 1"] -> ["topic 1", "topic 9"]' in out


def test_failed_harvest_exits_nonzero(config: Path, server: FaultServer) -> None:
    server.inject("truncate", at=3)
    code, out, err = _oai(config, "harvest", "partner")
    assert code == 1
    assert "failed" in out
    assert "does not parse" in err
    code, out, _ = _oai(config, "runs", "show", "1")
    assert "raw kept" in out


def test_unknown_source_is_a_clear_error(config: Path) -> None:
    code, _, err = _oai(config, "harvest", "nope")
    assert code == 1
    assert "no source with id 'nope'" in err


def test_unknown_source_names_the_configuration_loaded(config: Path) -> None:
    _, _, err = _oai(config, "harvest", "nope")
    assert str(config) in err


def test_runs_of_an_unknown_source_is_an_error(config: Path) -> None:
    code, _, err = _oai(config, "runs", "--source", "nope")
    assert code == 1
    assert "no such source 'nope'" in err


def test_runs_show_raw_prints_a_kept_document(config: Path, server: FaultServer) -> None:
    server.inject("truncate", at=3)
    _oai(config, "harvest", "partner")
    code, out, _ = _oai(config, "runs", "show", "1", "--json")
    kept = [e["id"] for e in json.loads(out)["events"] if e["has_raw"]]
    assert kept
    code, out, _ = _oai(config, "runs", "show", "1", "--raw", str(kept[0]))
    assert code == 0
    assert out.startswith("<?xml") or out.startswith("<OAI-PMH")
    assert out.endswith("\n")
    code, _, err = _oai(config, "runs", "show", "1", "--raw", "99999")
    assert code == 1 and "no event 99999" in err


def test_the_progress_line_ends_with_a_newline(config: Path) -> None:
    code, _, err = _oai(config, "harvest", "partner")
    assert code == 0
    progress = [line for line in err.splitlines(keepends=True) if "records/s" in line]
    assert progress and all(line.endswith("\n") for line in progress)
    assert "pages 3" in progress[-1], "the last state is shown"


def test_the_config_in_the_working_directory_is_found(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "checkout"
    (work / "config").mkdir(parents=True)
    (work / "config" / "demo.toml").write_text(config.read_text())
    monkeypatch.chdir(work)
    result = CliRunner().invoke(main, ["harvest", "partner"])
    assert result.exit_code == 0, result.output
    (work / "oaihub.toml").write_text(config.read_text().replace('id = "partner"', 'id = "other"'))
    result = CliRunner().invoke(main, ["harvest", "partner"])
    assert result.exit_code == 1
    assert "oaihub.toml" in result.stderr, "oaihub.toml comes before config/demo.toml"
    monkeypatch.setenv("OAI_CONFIG", str(config))
    assert CliRunner().invoke(main, ["runs", "--source", "partner"]).exit_code == 0
