"""Flow control for the endpoint: concurrent list requests and a per-client request rate.

Past either limit the endpoint answers HTTP 503 with Retry-After (OAI-PMH 3.1.2.2 names
503 for exactly this) instead of queueing requests and slowing every harvester down.
The counters live in the worker process: with N workers the limits apply per worker.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["FlowControl"]

_WINDOW = 60.0
_MAX_CLIENTS = 10_000


class FlowControl:
    """Admits or refuses requests; 0 disables a limit."""

    def __init__(
        self,
        max_concurrent_lists: int,
        rate_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrent_lists = max_concurrent_lists
        self.rate_per_minute = rate_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._active_lists = 0
        self._hits: dict[str, deque[float]] = {}

    def allow(self, client: str) -> bool:
        """Count a request of `client`; False when it is over its rate."""
        if self.rate_per_minute <= 0:
            return True
        now = self._clock()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= _MAX_CLIENTS:
                    self._forget_idle(now)
                hits = self._hits[client] = deque(maxlen=self.rate_per_minute)
            if len(hits) == self.rate_per_minute and now - hits[0] < _WINDOW:
                return False
            hits.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        idle = [c for c, hits in self._hits.items() if not hits or now - hits[-1] >= _WINDOW]
        for client in idle:
            del self._hits[client]

    @contextmanager
    def list_slot(self) -> Iterator[bool]:
        """Hold one of the list slots while the block runs; yields False if none is free."""
        with self._lock:
            admitted = (
                self.max_concurrent_lists <= 0 or self._active_lists < self.max_concurrent_lists
            )
            if admitted:
                self._active_lists += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._active_lists -= 1
