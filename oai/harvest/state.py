"""The state of one harvest run while it goes: its window, set streams and counts.

`RunState` is what every part of a run shares (the hub, the source, the run log, the
client, the page writer connection); `StreamState` is one set stream's position, saved
in the run's checkpoint after every committed page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from oai.harvest.client import Client
from oai.harvest.errors import PageError, RunInterrupted
from oai.harvest.pool import WorkerPool
from oai.harvest.prepare import Crosswalker
from oai.harvest.reconcile import Reconciler
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SourceSettings

__all__ = ["Progress", "ProgressCallback", "RunState", "Say", "StreamState", "raw_of"]


@dataclass(frozen=True, slots=True)
class Progress:
    """What a progress display shows after each page."""

    run_id: int
    stream: str
    pages: int
    records: int
    elapsed: float
    counts: dict[str, int]

    @property
    def rate(self) -> float:
        return self.records / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[Progress], None]
Say = Callable[[str, str, str], None]  # level, kind, message: an event as it happens


@dataclass
class StreamState:
    set_spec: str | None
    token: str | None = None
    done: bool = False
    pages: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"set": self.set_spec, "token": self.token, "done": self.done, "pages": self.pages}


@dataclass
class RunState:
    """The state of one run while it goes."""

    hub: Hub
    source: SourceSettings
    log: RunLog
    run_id: int
    full: bool
    progress: ProgressCallback | None
    client: Client
    started: float = field(default_factory=time.monotonic)
    window: tuple[str | None, str | None] = (None, None)
    streams: list[StreamState] = field(default_factory=list)
    resumed_from: int | None = None
    chain: list[int] = field(default_factory=list)  # the runs of one full harvest
    pages: int = 0
    records: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("added", "updated", "unchanged", "deleted", "failed"), 0
        )
    )
    reconciler: Reconciler | None = None
    crosswalker: Crosswalker | None = None
    pool: WorkerPool | None = None
    writer: Connection | None = None  # the connection every page is written on
    lost: Callable[[], bool] = lambda: False
    unresumable: str | None = None  # why the run's checkpoint must not be resumed
    say: Say | None = None  # shown at once (the CLI prints warnings, errors, retries)
    _transport: tuple[int, int, int] = (0, 0, 0)

    def check_stop(self) -> None:
        """Between two commits: stop if the process is shutting down."""
        if self.hub.stopping.is_set():
            raise RunInterrupted("the harvesting process is shutting down")

    def event(self, level: str, kind: str, message: str, **extra: Any) -> None:
        self.log.events.add(self.run_id, level, kind, message, **extra)
        if self.say is not None:
            self.say(level, kind, message)

    def state(self) -> dict[str, Any]:
        return {
            "from": self.window[0],
            "until": self.window[1],
            "streams": [s.to_dict() for s in self.streams],
            "chain": self.chain,
        }

    def transport(self) -> dict[str, int]:
        """The client's requests, bytes and retries since the last call, as counter deltas."""
        now = (self.client.requests, self.client.bytes, self.client.retries)
        before, self._transport = self._transport, now
        return {
            "requests": now[0] - before[0],
            "bytes": now[1] - before[1],
            "retries": now[2] - before[2],
        }


def raw_of(exc: BaseException) -> dict[str, Any]:
    return {"raw": exc.raw} if isinstance(exc, PageError) and exc.raw else {}
