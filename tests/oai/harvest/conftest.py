"""Fixtures of the harvester tests: a partner, its fault server, and a hub to fill."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from oai.harvest import RunResult, run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SourceSettings, load_settings
from records import tables as t
from tests.databases import hub_at_head
from tests.oai.harvest.faultserver import FaultServer, Partner

ROOT = Path(__file__).resolve().parents[3]
# small timeouts and backoffs keep the fault tests fast
FAST = {
    "harvest.connect_timeout": 2.0,
    "harvest.read_timeout": 0.5,
    "harvest.max_retries": 3,
    "harvest.backoff_seconds": 0.01,
    "harvest.max_retry_after": 0.05,
    "harvest.overlap_seconds": 60,
    "harvest.max_empty_pages": 3,
    "scheduler.heartbeat_seconds": 1,
}


def make_partner(count: int = 25, page_size: int = 10) -> Partner:
    partner = Partner(page_size=page_size)
    for n in range(count):
        partner.put(f"doc-{n:03d}", f"Document {n}", subjects=[f"topic {n % 3}"])
        partner.tick(1)
    partner.tick(60)
    return partner


@pytest.fixture
def partner() -> Partner:
    return make_partner()


@pytest.fixture
def server(partner: Partner) -> Iterator[FaultServer]:
    server = FaultServer(partner).start()
    yield server
    server.stop()


def make_hub(url: str, data_dir: Path, database_url: str | None = None, **extra: Any) -> Hub:
    overrides: dict[str, Any] = {**FAST, "data_dir": str(data_dir)}
    if database_url:
        overrides["database_url"] = database_url
    overrides.update(extra.pop("settings", {}))
    settings = load_settings(env={}, overrides=overrides)
    source = SourceSettings(id="partner", base_url=url, **extra)
    return hub_at_head(settings.with_sources((source,)))


@pytest.fixture
def hub(server: FaultServer, tmp_path: Path) -> Iterator[Hub]:
    hub = make_hub(server.url, tmp_path)
    yield hub
    hub.close()


Harvest = Callable[..., RunResult]


@pytest.fixture
def harvest(hub: Hub) -> Harvest:
    def run(**kwargs: Any) -> RunResult:
        return run_harvest(hub, "partner", **kwargs)

    return run


def hub_state(hub: Hub, source_id: str = "partner") -> dict[str, tuple[str, bool]]:
    """remote identifier -> (title, deleted) of every record of the source."""
    query = select(t.records.c.remote_identifier, t.records.c.title, t.records.c.deleted).where(
        t.records.c.source_id == source_id
    )
    with hub.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = {row.remote_identifier: (row.title, bool(row.deleted)) for row in rows}
    assert len(found) == len(rows), "a remote identifier is stored twice"
    return found


def assert_mirrors(hub: Hub, partner: Partner) -> None:
    """The hub holds exactly the partner's records: none lost or duplicated; deletions
    (of records the hub had) as tombstones."""
    state = hub_state(hub)
    live = {ident: title for ident, (title, dead) in state.items() if not dead}
    expected = {item.identifier: item.data["title"] for item in partner.live().values()}
    assert live == expected
    for item in partner.items.values():
        if item.deleted and item.identifier in state:
            assert state[item.identifier][1], f"{item.identifier} should be a tombstone"
    with hub.engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(t.record_versions)).scalar_one()
    assert versions >= len(state)


def events(hub: Hub, run_id: int, kind: str | None = None) -> list[Any]:
    return RunLog(hub.engine).events.of_run(run_id, kind=kind)
