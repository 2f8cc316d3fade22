"""A run's events: levels, kinds, keyset paging and the raw XML kept for download."""

from __future__ import annotations

from oai.harvest.runlog import RunLog


def test_events_and_raw(log: RunLog) -> None:
    run_id = log.runs.start("a")
    first = log.events.add(run_id, "info", "page", "page 1", page=1)
    second = log.events.add(
        run_id,
        "error",
        "record",
        "bad record",
        page=1,
        identifier="oai:x:1",
        raw=b"<record/>",
        detail={"error": "no title"},
    )
    events = log.events.of_run(run_id)
    assert [e.id for e in events] == [first, second]
    assert events[1].has_raw
    assert not events[0].has_raw
    assert events[1].detail == {"error": "no title"}
    assert log.events.of_run(run_id, level="error")[0].identifier == "oai:x:1"
    assert [e.id for e in log.events.of_run(run_id, kind="page")] == [first]
    assert [e.id for e in log.events.of_run(run_id, after_id=first)] == [second]
    assert [e.id for e in log.events.of_run(run_id, limit=1)] == [first]
    assert log.events.raw(second) == b"<record/>"
    assert log.events.raw(first) is None
    assert log.events.of_run(log.runs.start("b")) == []


def test_event_in_the_callers_transaction(log: RunLog) -> None:
    run_id = log.runs.start("a")
    with log.engine.connect() as conn, conn.begin() as transaction:
        log.events.add(run_id, "info", "page", "rolled back", conn=conn)
        log.runs.add_counts(run_id, {"pages": 1}, conn)
        transaction.rollback()
    assert log.events.of_run(run_id) == []
    run = log.runs.get(run_id)
    assert run is not None
    assert run.pages == 0
