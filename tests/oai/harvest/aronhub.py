"""A hub with one `aron` source, for the tests of the ARON kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SourceSettings, load_settings
from records import tables as t
from tests.databases import hub_at_head
from tests.oai.harvest.conftest import FAST

SOURCE = "nacr"


def aron_hub(url: str, data_dir: Path, **extra: Any) -> Hub:
    settings = {**FAST, "data_dir": str(data_dir), "harvest.workers": 0}
    settings.update(extra.pop("settings", {}))
    source = SourceSettings(id=SOURCE, base_url=url, kind="aron", pause_seconds=0.0, **extra)
    return hub_at_head(load_settings(env={}, overrides=settings).with_sources((source,)))


def record_rows(hub: Hub) -> dict[str, tuple[str, bool]]:
    """local id -> (title, deleted) of the source's records."""
    query = select(t.records.c.local_id, t.records.c.title, t.records.c.deleted).where(
        t.records.c.source_id == SOURCE
    )
    with hub.engine.connect() as conn:
        return {row.local_id: (row.title, bool(row.deleted)) for row in conn.execute(query)}


def events_of(hub: Hub, run_id: int, kind: str) -> list[Any]:
    return RunLog(hub.engine).events.of_run(run_id, kind=kind)
