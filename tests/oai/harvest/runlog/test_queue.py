"""The queue of requested runs: each request is taken once, even by rival takers."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from oai.harvest.runlog import RunLog
from oai.harvest.runlog.tables import harvest_requests


def test_request_queue_each_taken_once(engine: Engine, log: RunLog) -> None:
    first = log.queue.add("a", full=True, by="admin")
    second = log.queue.add("b")
    assert [r.id for r in log.queue.pending()] == [first, second]
    assert [r.id for r in log.queue.pending("b")] == [second]
    taken: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        request = RunLog(engine).queue.take()
        if request is not None:
            with lock:
                taken.append(request.id)

    threads = [threading.Thread(target=take) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [first, second]
    assert log.queue.take() is None
    assert log.queue.pending() == []


def test_request_remembers_its_run(engine: Engine, log: RunLog) -> None:
    request_id = log.queue.add("a", full=True, by="admin")
    taken = log.queue.take()
    assert taken is not None
    assert (taken.id, taken.source_id, taken.full, taken.requested_by) == (
        request_id,
        "a",
        True,
        "admin",
    )
    assert taken.taken_at is not None
    assert taken.run_id is None
    run_id = log.runs.start("a")
    log.queue.attach_run(request_id, run_id)
    with engine.connect() as conn:
        query = select(harvest_requests.c.run_id).where(harvest_requests.c.id == request_id)
        assert conn.execute(query).scalar_one() == run_id
    log.queue.add("b")
    assert [(r.source_id, r.run_id) for r in log.queue.pending()] == [("b", None)]


def test_pending_by_source(log: RunLog) -> None:
    assert log.queue.pending_by_source() == {}
    log.queue.add("a")
    log.queue.add("a", full=True)
    log.queue.add("b")
    assert log.queue.pending_by_source() == {"a": 2, "b": 1}
    log.queue.take()  # the oldest, one of a's
    assert log.queue.pending_by_source() == {"a": 1, "b": 1}
