"""`oai harvest`, `oai runs`, `oai runs show` and `oai records history`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oai.cli import main
from tests.oai.harvest.faultserver import FaultServer, Partner


@pytest.fixture
def config(tmp_path: Path, server: FaultServer) -> Path:
    path = tmp_path / "oaihub.toml"
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
