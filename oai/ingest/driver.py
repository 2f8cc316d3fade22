"""Driving one ingest: batches from a producer, read ahead, committed strictly in order.

The producer (a kind's harvest, an import's files) runs in a thread of its own, a few
batches ahead (`FETCH_AHEAD`): waiting for a partner releases the GIL, so fetching batch
N+1 overlaps writing batch N. With a worker pool, the next batches are read and rendered
in other processes (`PIPELINE_DEPTH` ahead) while the current one is written. Commits
keep the producer's order, so the checkpoint of each commit is the one right after it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from oai.ingest.commit import Ingest, Work
from oai.ingest.items import Batch
from oai.ingest.prefetch import Prefetcher

__all__ = ["FETCH_AHEAD", "PIPELINE_DEPTH", "drive"]

PIPELINE_DEPTH = 3  # batches read in workers ahead of the one being written
FETCH_AHEAD = 2  # batches made ahead of the one being read (0: made in place, no thread,
# as the profiling benchmark wants: a profiler sees one thread)


def drive(
    ingest: Ingest,
    batches: Iterator[Batch],
    *,
    ends: tuple[type[BaseException], ...],
    stop: Callable[[], None] = lambda: None,
    after: Callable[[], None] = lambda: None,
    name: str = "produce",
) -> BaseException | None:
    """Commit every batch the producer makes, in order. A producer's failure of the
    kinds `ends` ends the ingest after the batches before it are committed, and is
    returned; a failure while writing propagates (no later batch may pass it by).
    `stop` is called before each commit: it raises to stop between two commits (one of
    `ends`: returned like a producer's failure; any other: propagated); `after` is
    called after each commit (progress)."""
    inflight: deque[Work] = deque()
    depth = PIPELINE_DEPTH if ingest.pool is not None else 0
    failure: BaseException | None = None

    def commit_one() -> None:
        stop()
        ingest.commit(inflight.popleft())
        after()

    produced: Iterator[Batch] | Prefetcher[Batch]
    produced = Prefetcher(batches, FETCH_AHEAD, name=name) if FETCH_AHEAD > 0 else batches
    with _closing(produced):
        try:
            while True:
                try:
                    batch = next(produced, None)
                except ends as exc:
                    failure = exc
                    break
                if batch is None:
                    break
                inflight.append(ingest.prepare(batch))
                while len(inflight) > depth:
                    commit_one()
            while inflight:
                commit_one()
        except ends as exc:  # `stop` said so: the batches not yet committed are dropped
            return exc
    return failure


@contextmanager
def _closing(produced: Iterator[Batch] | Prefetcher[Batch]) -> Iterator[None]:
    try:
        yield
    finally:
        if isinstance(produced, Prefetcher):
            produced.close()
