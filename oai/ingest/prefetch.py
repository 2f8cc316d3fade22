"""Run an iterator ahead in a thread, so that fetching page N+1 overlaps writing page N.

Waiting for a partner's response (and reading it off the socket) releases the GIL, so
a fetching thread keeps the network busy while the harvesting thread writes. Items and
the iterator's exception come out in the order they were made; at most `depth` items
wait. Closing the prefetcher (or leaving its `with` block) stops the thread after the
item it is making.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["Prefetcher"]

T = TypeVar("T")
_POLL = 0.1  # seconds between checks of the stop flag while the queue is full


class _End:
    """The iterator is exhausted (`error` None) or raised `error`."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class Prefetcher(Generic[T]):
    """Iterate `source` in a daemon thread, `depth` items ahead of the consumer."""

    def __init__(self, source: Iterator[T], depth: int = 2, name: str = "prefetch") -> None:
        self._source = source
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)
        self._thread.start()

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_End(exc))
            return
        self._put(_End(None))

    def _put(self, item: T | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if isinstance(item, _End):
            self._done = True
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the thread (after the item it is making) and wait for it."""
        self._done = True
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
