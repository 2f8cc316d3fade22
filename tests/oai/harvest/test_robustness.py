"""What real OAI-PMH servers send that a harvester must survive (issue 13), each against
the fault server on 127.0.0.1: after every case the hub equals the partner.

Request 1 is Identify; requests 2, 3 and 4 are the three pages of the 25 records.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from records import tables as t
from tests.oai.harvest.conftest import Harvest, assert_mirrors, events, hub_state, make_hub
from tests.oai.harvest.faultserver import FaultServer, Partner


@pytest.mark.parametrize("how", ["amp", "mismatch"])
def test_a_broken_record_costs_that_record_not_the_page(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest, how: str
) -> None:
    server.inject("broken_record", at=3, nth=4, how=how)  # doc-014 on the second page
    first = harvest()
    assert first.status == "partial"
    assert (first.counts.added, first.counts.failed) == (24, 1)
    assert first.pages == 3  # the page's token was followed
    (bad,) = events(hub, first.run_id, "record")
    assert bad.identifier == "oai:partner.test:doc-014"
    assert "does not parse" in bad.message
    raw = RunLog(hub.engine).events.raw(bad.id)
    assert raw is not None
    assert raw.startswith(b"<record>") and b"doc-014" in raw
    (split,) = events(hub, first.run_id, "repair")
    assert "split at its records: 1 record(s) rejected" in split.message
    assert "oai:partner.test:doc-014" not in hub_state(hub)
    partner.tick()
    partner.touch("doc-014")  # the partner fixes and republishes it
    partner.tick()
    second = harvest()
    assert (second.status, second.counts.added) == ("ok", 1)
    assert_mirrors(hub, partner)


def test_a_page_whose_token_cannot_be_read_fails_the_stream(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("broken_token", at=3)
    first = harvest()
    assert first.status == "failed"
    assert first.counts.added == 10  # the first page only: the second is not half-kept
    (failure,) = events(hub, first.run_id, "stream")
    assert "does not parse" in failure.message
    second = harvest()
    assert (second.status, second.counts.added) == ("ok", 15)
    assert_mirrors(hub, partner)


def test_a_record_with_a_huge_field_is_rejected_and_the_page_goes_on(
    partner: Partner, server: FaultServer, tmp_path: Path
) -> None:
    server.inject("huge_field", at=2, nth=3, size=300_000)  # doc-003
    caps = {"harvest.max_field_bytes": 100_000, "harvest.max_record_bytes": 1_000_000}
    with make_hub(server.url, tmp_path, settings=caps) as hub:
        first = run_harvest(hub, "partner")
        assert first.status == "partial"
        assert (first.counts.added, first.counts.failed) == (24, 1)
        (bad,) = events(hub, first.run_id, "record")
        assert bad.identifier == "oai:partner.test:doc-003"
        assert "harvest.max_field_bytes" in bad.message and "<title>" in bad.message
        with hub.engine.connect() as conn:
            biggest = conn.execute(select(func.max(func.length(t.records.c.content)))).scalar()
        assert biggest < 10_000  # nothing of the 300 kB title reached the store
        partner.tick()
        partner.touch("doc-003")
        partner.tick()
        assert run_harvest(hub, "partner").counts.added == 1
        assert_mirrors(hub, partner)


def test_a_record_past_the_record_cap_is_rejected_and_kept_raw_up_to_the_cap(
    partner: Partner, server: FaultServer, tmp_path: Path
) -> None:
    server.inject("huge_field", at=2, nth=0, size=60_000)  # doc-000
    caps = {"harvest.max_field_bytes": 100_000, "harvest.max_record_bytes": 50_000}
    with make_hub(server.url, tmp_path, settings=caps) as hub:
        first = run_harvest(hub, "partner")
        assert (first.status, first.counts.added, first.counts.failed) == ("partial", 24, 1)
        (bad,) = events(hub, first.run_id, "record")
        assert "harvest.max_record_bytes" in bad.message
        raw = RunLog(hub.engine).events.raw(bad.id)
        assert raw is not None and len(raw) == 50_000


def test_oversized_records_in_the_worker_pool_are_rejected_the_same_way(
    server: FaultServer, tmp_path: Path
) -> None:
    partner = server.partner
    for n in range(25, 120):
        partner.put(f"doc-{n:03d}", f"Document {n}")
    partner.page_size = 60  # pages of 50+ records go to the worker processes
    partner.tick(60)
    server.inject("huge_field", at=2, nth=7, size=200_000)
    server.inject("broken_record", at=3, nth=2)
    settings = {"harvest.workers": 1, "harvest.max_field_bytes": 100_000}
    with make_hub(server.url, tmp_path, settings=settings) as hub:
        first = run_harvest(hub, "partner")
        assert (first.status, first.counts.added, first.counts.failed) == ("partial", 118, 2)
        failed = {e.identifier for e in events(hub, first.run_id, "record")}
        assert failed == {"oai:partner.test:doc-007", "oai:partner.test:doc-062"}


def test_a_refused_until_is_dropped_and_remembered(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    partner.refuses = frozenset({"until"})
    first = harvest()
    assert (first.status, first.counts.added) == ("ok", 25)
    assert "until" in server.requests[1] and "until" not in server.requests[2]
    (refused, remembered) = events(hub, first.run_id, "fallback")
    assert "badArgument" in refused.message and "until=" in refused.message
    assert "no-until" in remembered.message
    assert RunLog(hub.engine).sources.require("partner").date_args == "no-until"
    partner.tick()
    partner.put("doc-003", "Document 3, revised")
    partner.tick()
    asked = server.next_request()
    second = harvest()
    assert (second.status, second.counts.added, second.counts.updated) == ("ok", 0, 1)
    assert not any("until" in args for args in server.requests[asked - 1 :])
    assert events(hub, second.run_id, "fallback") == []
    assert_mirrors(hub, partner)


def test_refused_seconds_fall_back_to_days(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    partner.refuses = frozenset({"seconds"})
    assert harvest().counts.added == 25  # no from; until dropped
    partner.tick()
    partner.put("doc-007", "Document 7, revised")
    partner.put("doc-100", "Document 100")
    partner.tick()
    asked = server.next_request()
    second = harvest()
    assert (second.status, second.counts.added, second.counts.updated) == ("ok", 1, 1)
    lists = [a for a in server.requests[asked - 1 :] if a.get("verb") == "ListRecords"]
    assert "T" in lists[0]["from"] and len(lists[1]["from"]) == 10  # YYYY-MM-DD
    assert RunLog(hub.engine).sources.require("partner").date_args == "day"
    partner.tick()
    partner.delete("doc-008")
    partner.tick()
    third = harvest()
    assert (third.status, third.counts.deleted) == ("ok", 1)
    assert events(hub, third.run_id, "fallback") == []
    assert_mirrors(hub, partner)


def test_bad_argument_that_no_date_form_cures_is_a_config_error(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    partner.refuses = frozenset({"until"})
    partner.prefix = "something_else"  # cannotDisseminateFormat is not a date problem
    result = harvest()
    assert result.status == "failed"
    assert events(hub, result.run_id, "fallback") == []
    assert RunLog(hub.engine).sources.require("partner").date_args is None
