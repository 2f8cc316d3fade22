"""The sweep of an ARON portal: every entity, page by page, in batches, resumable.

ARON has no change feed, so every run lists everything: `listview` per configured type
(or all entities), paged with `searchAfter` until an empty page (a page may be shorter
than asked before the end: only an empty one ends a list), and fetches the listed ids'
full entities in batches of at most 100 with an IDS filter, up to `max_concurrency`
batches in flight. Batches are handed out strictly in order, each with the `Position`
that follows it: saved with the batch's commit, it makes a killed run resume exactly
at the first uncommitted batch (the ids of the page not yet committed are part of it,
so the page is not listed again).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from oai.harvest.errors import StreamError
from oai.harvest.kinds.aron_api import MAX_IDS, AronAPI

__all__ = ["Batch", "Position", "SweepPlan", "sweep"]

T = TypeVar("T")
MAX_PAGES = 1_000_000  # a list that never ends is a partner's bug, not a harvest


@dataclass
class Position:
    """Where a sweep is: which list, the `searchAfter` of its next page, the ids of
    the current page not yet committed; `complete` once every list ended."""

    lists: list[str | None]  # entity types, one list each; [None]: all entities
    index: int = 0
    after: str | None = None
    pending: list[str] = field(default_factory=list)
    complete: bool = False
    listed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "lists": self.lists,
            "index": self.index,
            "after": self.after,
            "pending": self.pending,
            "complete": self.complete,
            "listed": self.listed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Position | None:
        """A saved position, or None when it is not one (then the sweep starts anew)."""
        if data.get("api") is not None:  # a position of ARON 2.0's API (`aron_v1_sweep`)
            return None
        try:
            lists = [t if t is None else str(t) for t in data["lists"]]
            pending = [str(i) for i in data.get("pending") or []]
            after = data.get("after")
            return cls(
                lists,
                int(data["index"]),
                None if after is None else str(after),
                pending,
                bool(data.get("complete")),
                int(data.get("listed", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def copy(self) -> Position:
        return Position(
            list(self.lists), self.index, self.after, list(self.pending), self.complete, self.listed
        )


@dataclass(frozen=True, slots=True)
class Batch(Generic[T]):
    """What `fetch` made of `ids` (their entities, missing ones absent, or more), and
    the position after them."""

    ids: list[str]
    entities: T
    position: Position


@dataclass(frozen=True, slots=True)
class SweepPlan:
    page_size: int = 500
    batch_size: int = MAX_IDS
    max_concurrency: int = 2
    filters: tuple[Mapping[str, Any], ...] = ()


def _filters(plan: SweepPlan, kind: str | None) -> list[Mapping[str, Any]]:
    filters = list(plan.filters)
    if kind is not None:
        filters.append({"operation": "EQ", "field": "type", "value": kind})
    return filters


def _chunks(ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def sweep(
    api: AronAPI, plan: SweepPlan, start: Position, fetch: Callable[[list[str]], T]
) -> Iterator[Batch[T]]:
    """Batches in order from `start` to the end of the last list; `start` is not changed.

    `fetch(ids)` runs in one of `max_concurrency` threads (`api.entities`, or that and
    more work on the batch). A failed request (after the client's retries) propagates:
    the batches handed out before it are good, and their positions say where to go on."""
    position = start.copy()
    size = max(1, min(plan.batch_size, MAX_IDS))
    with ThreadPoolExecutor(max(1, plan.max_concurrency), thread_name_prefix="aron") as pool:
        while position.index < len(position.lists):
            if not position.pending:
                page = api.listview(
                    _filters(plan, position.lists[position.index]), position.after, plan.page_size
                )
                if not page.ids:  # only an empty page ends a list
                    position.index, position.after = position.index + 1, None
                    if position.index == len(position.lists):
                        position.complete = True
                        yield Batch([], fetch([]), position.copy())
                    continue
                position.after, position.pending = page.search_after, page.ids
                position.listed += len(page.ids)
                if position.listed > MAX_PAGES * plan.page_size:
                    raise StreamError("the list does not end")
            yield from _fetch_pending(fetch, pool, position, size, plan.max_concurrency)


def _fetch_pending(
    fetch: Callable[[list[str]], T],
    pool: ThreadPoolExecutor,
    position: Position,
    size: int,
    ahead: int,
) -> Iterator[Batch[T]]:
    """The current page's pending ids in batches, `ahead` requests in flight, in order."""
    batches = deque(_chunks(position.pending, size))
    inflight: deque[tuple[list[str], Future[T]]] = deque()
    try:
        while batches or inflight:
            while batches and len(inflight) < max(1, ahead):
                ids = batches.popleft()
                inflight.append((ids, pool.submit(fetch, ids)))
            ids, future = inflight.popleft()
            entities = future.result()
            position.pending = position.pending[len(ids) :]
            yield Batch(ids, entities, position.copy())
    finally:
        for _ids, future in inflight:
            future.cancel()
