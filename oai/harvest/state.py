"""The state of one harvest run while it goes: its window, set streams and counts.

`RunState` is what every part of a run shares (the hub, the source, the run log, the
client, the ingest its kind hands batches to); `StreamState` is one OAI-PMH set stream's
position, saved in the run's checkpoint after every committed page. A kind produces
batches and hands them to `RunState.drive`; at the end of a complete reading it asks
for the guarded sweep (`RunState.sweep`). It never writes records itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from oai.harvest.client import Client
from oai.harvest.errors import HarvestError, PageError, RunInterrupted, StreamError
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.ingest import Batch, Ingest, SweepOutcome, drive, sweep
from oai.settings import SourceSettings

__all__ = [
    "Progress",
    "ProgressCallback",
    "RunState",
    "Say",
    "StreamState",
    "looks_like_xml_or_json",
    "raw_of",
]

COUNTERS = ("added", "updated", "unchanged", "deleted", "failed")


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
    chain: list[int] = field(default_factory=list)  # the runs of one full harvest
    ingest: Ingest | None = None  # where the kind's batches go
    lost: Callable[[], bool] = lambda: False
    unresumable: str | None = None  # why the run's checkpoint must not be resumed
    say: Say | None = None  # shown at once (the CLI prints warnings, errors, retries)
    _transport: tuple[int, int, int] = (0, 0, 0)

    @property
    def counts(self) -> dict[str, int]:
        return self.ingest.counts if self.ingest else dict.fromkeys(COUNTERS, 0)

    @property
    def pages(self) -> int:
        return self.ingest.pages if self.ingest else 0

    @property
    def records(self) -> int:
        return self.ingest.records if self.ingest else 0

    def check_stop(self) -> None:
        """Between two commits: stop if the process is shutting down, or if another
        process marked the run stale."""
        if self.hub.stopping.is_set():
            raise RunInterrupted("the harvesting process is shutting down")
        if self.lost():
            raise StreamError("the run was marked stale by another process; stopping")

    def event(self, level: str, kind: str, message: str, **extra: Any) -> None:
        self.log.events.add(self.run_id, level, kind, message, **extra)
        if self.say is not None:
            self.say(level, kind, message)

    def drive(self, batches: Iterator[Batch], label: str) -> HarvestError | None:
        """Commit every batch a kind produces, in order; the harvesting failure that
        ended the production (after the batches before it are committed), or None."""
        assert self.ingest is not None
        self.ingest.full = self.full
        failure = drive(
            self.ingest,
            batches,
            ends=(HarvestError,),
            stop=self.check_stop,
            after=lambda: self._progressed(label),
            name=f"produce {label}",
        )
        if isinstance(failure, RunInterrupted):
            raise failure  # the process is shutting down: the run ends `interrupted`
        if isinstance(failure, HarvestError):
            return failure
        return None

    def sweep(self, gone: Sequence[str], live: int, why: str) -> SweepOutcome:
        """Tombstone the source's records `gone` (local ids), under the sweep guard."""
        assert self.ingest is not None
        share = self.hub.settings.harvest.sweep_max_share
        return sweep(self.ingest, self.source.id, self.run_id, gone, live, why, share)

    def _progressed(self, label: str) -> None:
        if self.progress is not None:
            elapsed = time.monotonic() - self.started
            progress = Progress(
                self.run_id, label, self.pages, self.records, elapsed, dict(self.counts)
            )
            self.progress(progress)

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


RAW_KEPT_BYTES = 1_000_000  # the most of a rejected response kept for admins


def raw_of(exc: BaseException) -> dict[str, Any]:
    """The rejected response a page error carries, to keep with its event: only a body
    that is XML or JSON (what a partner answers; anything else, such as an internal
    service's page, is not kept), and at most `RAW_KEPT_BYTES` of it."""
    if not isinstance(exc, PageError) or not exc.raw or not looks_like_xml_or_json(exc.raw):
        return {}
    return {"raw": exc.raw[:RAW_KEPT_BYTES]}


def looks_like_xml_or_json(body: bytes) -> bool:
    """Whether a body starts, after a BOM and blanks, as XML or JSON does."""
    start = body[:1024].removeprefix(b"\xef\xbb\xbf").lstrip()
    return start[:1] in (b"<", b"{", b"[")
