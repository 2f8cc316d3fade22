"""The prefetching thread: order, errors in order, and stopping."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from oai.ingest.prefetch import Prefetcher


def test_items_come_out_in_order_then_the_error() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("partner went away")

    prefetcher = Prefetcher(pages(), depth=1)
    assert [next(prefetcher), next(prefetcher)] == [1, 2]
    with pytest.raises(ConnectionError, match="went away"):
        next(prefetcher)


def test_close_stops_the_thread_without_draining_the_source() -> None:
    made: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            made.append(n)
            yield n
            n += 1

    prefetcher = Prefetcher(endless(), depth=2, name="test-prefetch")
    assert next(prefetcher) == 0
    prefetcher.close()
    assert "test-prefetch" not in {t.name for t in threading.enumerate()}
    assert len(made) <= 5  # it ran at most `depth` items ahead, then stopped
    with pytest.raises(StopIteration):
        next(prefetcher)
