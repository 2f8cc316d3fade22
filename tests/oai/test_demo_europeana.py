"""`make run`'s demo with every partner sample imported: how much of it Europeana gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from oai.demo import load_demo_records
from oai.hub import Hub
from oai.importing import import_paths
from oai.readiness import LOCAL, source_report
from oai.settings import load_settings
from tests.databases import hub_at_head

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.toml"


def _hub(database_url: str, tmp_path: Path) -> Hub:
    overrides = {"database_url": database_url, "data_dir": str(tmp_path)}
    return hub_at_head(load_settings(DEMO, env={}, overrides=overrides))


@pytest.mark.slow
def test_three_quarters_of_the_demo_and_the_samples_are_served_as_edm(
    database_url: str, tmp_path: Path, samples_dir: Path
) -> None:
    with _hub(database_url, tmp_path) as hub:
        load_demo_records(hub)
        summary = import_paths(hub, sorted(samples_dir.glob("*.xml")))
        assert summary.failed == 0, summary.errors
        report = source_report(hub, LOCAL)
        served = [r for r in report.rows if "edm" in hub.store.prefixes_of(r.record_id)]
        assert len(report.rows) > 400
        assert len(served) >= 0.75 * len(report.rows)
        assert {r.record_id for r in served} == {r.record_id for r in report.rows if r.edm_ready}
        # the report says why each of the others is not served
        assert all(r.failures for r in report.rows if not r.edm_ready)
