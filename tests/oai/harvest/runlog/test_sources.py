"""The harvest sources: sync with the configuration, failure counts, high-water mark."""

from __future__ import annotations

import pytest

from oai.harvest.errors import RunLogError
from oai.harvest.runlog import RunLog


def test_sync_sources_updates_and_disables(log: RunLog) -> None:
    log.sources.sync([("a", "Renamed", "http://127.0.0.1:3/oai", "oai_dc", '{"x": 1}')])
    a, b = log.sources.all()
    assert (a.name, a.base_url, a.settings, a.enabled) == (
        "Renamed",
        "http://127.0.0.1:3/oai",
        {"x": 1},
        True,
    )
    assert b.id == "b"
    assert not b.enabled
    assert log.sources.get("zzz") is None
    with pytest.raises(RunLogError):
        log.sources.require("zzz")


def test_count_enabled(log: RunLog) -> None:
    assert log.sources.count_enabled() == 2
    log.sources.sync([("b", "Archive B", "http://127.0.0.1:2/oai", "oai_dc", "{}")])
    assert log.sources.count_enabled() == 1
    log.sources.sync([])
    assert log.sources.count_enabled() == 0


def test_failure_counters(log: RunLog) -> None:
    for count, failing in ((1, False), (2, False), (3, True)):
        source = log.sources.record_failure("a", max_failures=3)
        assert (source.consecutive_failures, source.failing) == (count, failing)
    log.sources.record_success("a")
    a = log.sources.get("a")
    assert a is not None
    assert not a.failing
    assert a.consecutive_failures == 0
    log.sources.set_high_water("a", "2026-01-01T00:00:00Z", "YYYY-MM-DDThh:mm:ssZ")
    a = log.sources.get("a")
    assert a is not None
    assert a.high_water == "2026-01-01T00:00:00Z"
    assert a.granularity == "YYYY-MM-DDThh:mm:ssZ"
