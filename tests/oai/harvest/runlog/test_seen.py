"""What a full harvest saw, kept across the runs that resume it."""

from __future__ import annotations

from oai.harvest.runlog import RunLog


def test_seen_by_a_full_harvest(log: RunLog) -> None:
    first = log.runs.start("a", full=True)
    log.seen.mark(first, ["a:1", "a:2"])
    log.seen.mark(first, ["a:2", "a:3"])  # seen again: no error
    log.runs.finish(first, "failed")
    second = log.runs.start("a", full=True)
    log.seen.mark(second, ["a:4"])
    log.seen.mark(second, [])
    assert log.seen.by([first, second]) == {"a:1", "a:2", "a:3", "a:4"}
    assert log.seen.by([second]) == {"a:4"}
    log.seen.forget([first, second])
    assert log.seen.by([first, second]) == set()
