"""Harvest runs against a correct partner: first run, incremental runs, windows, sweep."""

from __future__ import annotations

from pathlib import Path

import pytest

from oai.harvest import run_harvest
from oai.harvest.errors import RunInProgress
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.oai.harvest.conftest import Harvest, assert_mirrors, events, hub_state, make_hub
from tests.oai.harvest.faultserver import FaultServer, Partner


def test_first_run_takes_everything(hub: Hub, partner: Partner, harvest: Harvest) -> None:
    result = harvest()
    assert result.status == "ok"
    assert result.counts.added == 25
    assert result.counts.changed == 25
    assert_mirrors(hub, partner)
    run = RunLog(hub.engine).runs.get(result.run_id)
    assert run is not None
    assert run.pages == 3
    assert run.requests == 4  # Identify + 3 pages
    assert run.window_until == "2026-01-01T12:01:25Z"  # the partner's clock, not ours
    record = hub.store.get("partner:doc-000")
    assert record.origin.remote_identifier == "oai:partner.test:doc-000"
    assert record.subjects == ("topic 0",)
    assert hub.store.prefixes_of("partner:doc-000")  # rendered for our own provider


def test_incremental_changes_exactly_what_changed(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    harvest()
    partner.tick()
    partner.put("doc-001", "Document 1, revised")
    partner.put("doc-002", "Document 2, revised", subjects=["new topic"])
    partner.delete("doc-003")
    partner.put("doc-100", "A new document")
    partner.touch("doc-004")  # a new datestamp, the same content
    partner.tick()
    second = harvest()
    assert second.status == "ok"
    assert second.counts.to_dict() == {
        "added": 1,
        "updated": 2,
        "unchanged": 1,
        "deleted": 1,
        "failed": 0,
    }
    assert_mirrors(hub, partner)
    assert hub_state(hub)["oai:partner.test:doc-003"] == ("Document 3", True)
    versions = hub.store.versions("partner:doc-001")
    assert [v.run_id for v in versions] == [1, second.run_id]
    assert len(hub.store.versions("partner:doc-004")) == 1
    assert server.requests[-1].get("from") == "2026-01-01T12:00:25Z"  # until - overlap
    partner.tick()
    third = harvest()
    assert third.status == "ok"
    assert third.counts.changed == 0
    assert third.counts.failed == 0


def test_day_granularity_until_is_yesterday(tmp_path: Path) -> None:
    partner = Partner(granularity="YYYY-MM-DD")
    partner.put("a", "Old enough")
    partner.tick(86400)
    partner.put("b", "Made today")
    with FaultServer(partner).start() as server, make_hub(server.url, tmp_path) as hub:
        result = run_harvest(hub, "partner")
        assert result.counts.added == 1  # today's record waits for tomorrow
        run = RunLog(hub.engine).runs.get(result.run_id)
        assert run is not None
        assert run.window_until == "2026-01-01"
        partner.tick(86400)
        second = run_harvest(hub, "partner")
        assert second.counts.added == 1
        assert server.requests[-1]["from"] == "2025-12-31"
        assert server.requests[-1]["until"] == "2026-01-02"


def test_sets_are_streams(tmp_path: Path) -> None:
    partner = Partner(page_size=2)
    for n in range(5):
        partner.put(f"a{n}", f"A {n}", sets=["a"])
        partner.put(f"b{n}", f"B {n}", sets=["b"])
    partner.put("c0", "C 0", sets=["c"])
    partner.tick()
    with (
        FaultServer(partner).start() as server,
        make_hub(server.url, tmp_path, sets=("a", "b")) as hub,
    ):
        result = run_harvest(hub, "partner")
        assert result.status == "ok"
        assert result.counts.added == 10
        assert {r.get("set") for r in server.requests if "metadataPrefix" in r} == {"a", "b"}


def test_no_records_match_is_success(hub: Hub, harvest: Harvest, partner: Partner) -> None:
    harvest()
    partner.tick()
    result = harvest()
    assert result.status == "ok"
    assert result.counts.total == 0


def test_one_run_per_source(hub: Hub, harvest: Harvest) -> None:
    log = RunLog(hub.engine)
    harvest()
    import os

    log.runs.start("partner", pid=os.getpid())
    with pytest.raises(RunInProgress):
        harvest()


def test_full_harvest_sweeps_unseen_records(hub: Hub, partner: Partner, harvest: Harvest) -> None:
    harvest()
    # the partner loses a record without a deletion: only a full harvest notices
    del partner.items["doc-007"]
    partner.tick()
    assert harvest().counts.deleted == 0
    result = harvest(full=True)
    assert result.status == "ok"
    assert result.counts.deleted == 1
    assert result.counts.unchanged == 24
    assert hub_state(hub)["oai:partner.test:doc-007"] == ("Document 7", True)


def test_full_harvest_refuses_to_wipe(hub: Hub, partner: Partner, harvest: Harvest) -> None:
    harvest()
    for n in range(10):  # 40%: a partner outage, not a clean-up
        del partner.items[f"doc-{n:03d}"]
    result = harvest(full=True)
    assert result.status == "partial"
    assert "sweep refused" in (result.message or "")
    assert result.counts.deleted == 0
    assert len([s for s in hub_state(hub).values() if not s[1]]) == 25
    assert events(hub, result.run_id, "sweep")[0].level == "error"


def test_window_from_the_partners_clock() -> None:
    from oai.harvest.harvester import window_for
    from oai.harvest.parse import IdentifyInfo

    def info(granularity: str, response_date: str) -> IdentifyInfo:
        return IdentifyInfo(
            "p", "http://p/oai", granularity, "2000-01-01", "persistent", response_date
        )

    seconds = info("YYYY-MM-DDThh:mm:ssZ", "2026-03-01T10:00:00Z")
    assert window_for(seconds, None, 60, None, False) == (None, "2026-03-01T10:00:00Z")
    assert window_for(seconds, "2026-02-01T00:00:00Z", 60, None, False) == (
        "2026-01-31T23:59:00Z",
        "2026-03-01T10:00:00Z",
    )
    assert window_for(seconds, "2026-02-01T00:00:00Z", 60, None, True)[0] is None
    assert window_for(seconds, None, 60, "2025-01-01", False)[0] == "2025-01-01"
    fraction = info("YYYY-MM-DDThh:mm:ssZ", "2026-03-01T10:00:00.75+00:00")
    assert window_for(fraction, None, 60, None, False)[1] == "2026-03-01T10:00:00Z"
    day = info("YYYY-MM-DD", "2026-03-01T10:00:00Z")
    assert window_for(day, "2026-02-27", 60, None, False) == ("2026-02-26", "2026-02-28")


def test_high_water_moves_only_when_every_stream_completed(tmp_path: Path) -> None:
    partner = Partner(page_size=2)
    for n in range(4):
        partner.put(f"a{n}", f"A {n}", sets=["a"])
        partner.put(f"b{n}", f"B {n}", sets=["b"])
    partner.tick()
    with (
        FaultServer(partner).start() as server,
        make_hub(server.url, tmp_path, sets=("a", "b")) as hub,
    ):
        server.inject("truncate", at=3)  # stream a, its second page
        first = run_harvest(hub, "partner")
        assert first.status == "failed"
        assert first.counts.added == 6  # a's first page, all of b
        log = RunLog(hub.engine)
        source = log.sources.get("partner")
        assert source is not None
        assert source.high_water is None
        second = run_harvest(hub, "partner")
        assert second.status == "ok"
        assert second.counts.added == 2
        assert {r.get("set") for r in server.requests[-2:]} == {None}  # only a's tokens
        source = log.sources.get("partner")
        assert source is not None
        assert source.high_water == "2026-01-01T13:00:00Z"


def test_a_run_marked_stale_stops(tmp_path: Path) -> None:
    import threading
    import time

    partner = Partner(page_size=1)
    for n in range(40):
        partner.put(f"d{n}", f"D {n}")
    partner.tick()
    with FaultServer(partner).start() as server, make_hub(server.url, tmp_path) as hub:
        server.delay = 0.1
        log = RunLog(hub.engine)
        results = []
        thread = threading.Thread(target=lambda: results.append(run_harvest(hub, "partner")))
        thread.start()
        while (run := log.runs.running("partner")) is None or run.pages < 2:
            time.sleep(0.02)
        assert log.runs.abandon(run.id, "marked stale by the scheduler")
        thread.join(timeout=30)
        (result,) = results
        assert result.status == "failed"
        assert result.counts.added < 40
        assert "marked stale by the scheduler" in (result.message or "")
        assert any("stale" in e.message for e in events(hub, result.run_id, "stream"))
        assert run_harvest(hub, "partner").status == "ok"  # resumes from its checkpoint
        assert_mirrors(hub, partner)


def test_interrupted_full_harvest_sweeps_after_resuming(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    from sqlalchemy import func, select

    from oai.harvest.runlog import tables as t

    harvest()
    del partner.items["doc-007"]  # gone without a deletion record
    partner.tick()
    server.inject("status", at=range(server.next_request() + 2, server.next_request() + 6))
    first = harvest(full=True)
    assert first.status == "failed"
    assert first.counts.unchanged == 10  # one page seen, then the partner broke down
    second = harvest()  # resumes the full harvest, and sweeps with what both runs saw
    assert second.status == "ok"
    assert second.counts.deleted == 1
    assert second.counts.unchanged == 14
    assert hub_state(hub)["oai:partner.test:doc-007"] == ("Document 7", True)
    assert len([s for s in hub_state(hub).values() if not s[1]]) == 24
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.harvest_seen)).scalar_one() == 0


def test_the_format_is_detected_not_trusted_from_the_prefix(tmp_path: Path) -> None:
    partner = make_partner_with_prefix("dc_simple")
    with (
        FaultServer(partner).start() as server,
        make_hub(server.url, tmp_path, metadata_prefix="dc_simple") as hub,
    ):
        result = run_harvest(hub, "partner")
        assert result.status == "ok"
        assert_mirrors(hub, partner)
        origin = hub.store.get("partner:doc-000").origin
        assert origin.metadata_namespace == "http://www.openarchives.org/OAI/2.0/oai_dc/"


def make_partner_with_prefix(prefix: str) -> Partner:
    from tests.oai.harvest.conftest import make_partner

    partner = make_partner(count=5)
    partner.prefix = prefix
    return partner


@pytest.mark.parametrize(
    "response_date",
    [
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00.734Z",
        "2026-03-01T10:00:00+00:00",
        "2026-03-01T11:00:00+01:00",
        "2026-03-01T10:00:00",
        " 2026-03-01T10:00:00.5+00:00 ",
    ],
)
def test_a_response_date_in_any_iso_form_is_read(response_date: str) -> None:
    from oai.harvest.harvester import window_for
    from oai.harvest.parse import IdentifyInfo

    found = IdentifyInfo(
        "p", "http://p/oai", "YYYY-MM-DDThh:mm:ssZ", "2000-01-01", "persistent", response_date
    )
    assert window_for(found, "2026-02-01T00:00:00Z", 60, None, False) == (
        "2026-01-31T23:59:00Z",
        "2026-03-01T10:00:00Z",
    )
    # a high-water mark past the partner's clock (a clock that ran ahead once) is dropped
    assert window_for(found, "9999-12-31T23:59:59Z", 60, None, False)[0] is None
