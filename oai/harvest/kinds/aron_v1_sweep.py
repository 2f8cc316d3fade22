"""The sweep of an ARON 2.0 portal: every unit once, under the search window, resumable.

ARON 2.0's search pages by offset and refuses `from + size` beyond its window (10,000 by
default), has no `searchAfter` and no modified-since. So each section (`apuType`) is
enumerated in parts that each fit the window: the whole section when its total does;
otherwise its UNITDATE facet's range (the dating bounds of its hits) split in halves
until each part's total fits, and the undated units on their own (a range above every
dating that includes the undated). A unit dated across a split is listed by both halves
and handed out once (`seen`: what this sweep, and the runs it resumes, handed out). A
part that cannot be split further (one year, or the undated, over the window) is read
to the window and said (`gaps`): its units beyond it are not seen, so the deletion rule
keeps them (they still answer their detail). When a section handed out fewer units than
its search counts, or a part could not be split, and every section is swept, the trees
are walked from their roots (`GET /apu/{uuid}/tree`, UNDER then AFTER windows) and what
they hold that was not listed is handed out too. Never a query: a query is relevance,
not a partition, and ARON relaxes it silently.

Each page of hits is one batch (the units' details fetched by the caller's `fetch`),
handed out with the `V1Position` after it: saved with the batch's commit, it makes a
killed run resume at the first uncommitted page.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from oai.harvest.errors import HTTPStatusError, StreamError
from oai.harvest.kinds.aron_v1_api import MAX_SIZE, WINDOW, AronV1API, SearchPage

__all__ = ["SECTIONS", "Batch", "Listing", "Part", "V1Position", "sweep"]

T = TypeVar("T")
# containers before what they hold: a parent's type is known when its children come
SECTIONS = ("INSTITUTION", "FUND", "FINDING_AID", "COLLECTION", "ENTITY", "ARCH_DESC")
MAX_PAGES = 1_000_000


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a section: all of it, the units dated within [low, high], or the
    undated ones (`undated`: a range from `low` above every dating, undated included)."""

    low: int | None = None
    high: int | None = None
    undated: bool = False

    def filters(self, facet: str | None) -> list[dict[str, Any]]:
        if facet is None or self.low is None:
            return []
        spec: dict[str, Any] = {"kind": "RANGE", "facet": facet, "from": str(self.low)}
        if self.undated:
            return [spec | {"to": str(self.low), "includeUndated": True}]
        return [spec | {"to": str(self.high)}]

    def to_list(self) -> list[Any]:
        return [self.low, self.high, self.undated]

    @classmethod
    def from_list(cls, data: Any) -> Part:
        low, high, undated = data
        return cls(
            None if low is None else int(low), None if high is None else int(high), bool(undated)
        )

    def __str__(self) -> str:
        if self.low is None:
            return "all"
        return "undated" if self.undated else f"dated {self.low}-{self.high}"


@dataclass
class V1Position:
    """Where a sweep is: which section, its parts still to read (None: not started),
    the offset in the first part; `complete` once every section ended."""

    lists: list[str]
    index: int = 0
    parts: list[Part] | None = None
    start: int = 0
    facet: str | None = None
    complete: bool = False
    listed: int = 0
    gaps: list[str] = field(default_factory=list)
    total: int = 0  # the current section's total, as its first search said
    in_section: int = 0  # units the current section handed out
    walk: bool = False  # walking the trees for the units the partitions missed

    def to_dict(self) -> dict[str, Any]:
        return {
            "api": "v1",
            "lists": self.lists,
            "index": self.index,
            "parts": None if self.parts is None else [p.to_list() for p in self.parts],
            "start": self.start,
            "facet": self.facet,
            "complete": self.complete,
            "listed": self.listed,
            "gaps": self.gaps[:100],
            "total": self.total,
            "in_section": self.in_section,
            "walk": self.walk,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> V1Position | None:
        """A saved position, or None when it is not one of v1 (then the sweep starts anew)."""
        if data.get("api") != "v1":
            return None
        try:
            parts = data.get("parts")
            return cls(
                [str(t) for t in data["lists"]],
                int(data["index"]),
                None if parts is None else [Part.from_list(p) for p in parts],
                int(data.get("start", 0)),
                None if data.get("facet") is None else str(data["facet"]),
                bool(data.get("complete")),
                int(data.get("listed", 0)),
                [str(g) for g in data.get("gaps") or []],
                int(data.get("total", 0)),
                int(data.get("in_section", 0)),
                bool(data.get("walk")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def copy(self) -> V1Position:
        return V1Position.from_dict(self.to_dict()) or V1Position(list(self.lists))


@dataclass(frozen=True, slots=True)
class Batch(Generic[T]):
    """What `fetch` made of one page's new `ids` (and their types), and the position after."""

    ids: list[str]
    entities: T
    position: V1Position


@dataclass
class Listing:
    """What the sweep needs beside the API: the page size, what it handed out already,
    the types it saw, and where to say what it could not reach."""

    page_size: int = MAX_SIZE
    window: int = WINDOW
    seen: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)
    say: Callable[[str, str], None] = lambda _level, _message: None
    # the units with no parent this sweep handed out (None: the trees are not walked)
    roots: Callable[[], list[str]] | None = None


def _split(api: AronV1API, kind: str, pos: V1Position, part: Part, page: SearchPage) -> list[Part]:
    """The parts that replace one whose total is over the window ([]: it cannot be split)."""
    if part.low is None:
        pos.facet = pos.facet or api.dating_facet(kind)
        if pos.facet is None or page.bounds is None:
            return []
        low, high = page.bounds
        return [Part(low, high), Part(high + 1, None, undated=True)]
    if part.undated or part.high is None or part.low >= part.high:
        return []
    middle = (part.low + part.high) // 2
    return [Part(part.low, middle), Part(middle + 1, part.high)]


def _page(api: AronV1API, kind: str, pos: V1Position, listing: Listing) -> SearchPage | None:
    """The next page of the current part (None: the part ended, or was split)."""
    assert pos.parts
    part = pos.parts[0]
    size = min(listing.page_size, MAX_SIZE, listing.window - pos.start)
    try:
        whole = pos.start == 0 and part.low is None
        page = api.search(
            kind, part.filters(pos.facet), pos.start, max(1, size), listing.window, whole
        )
    except HTTPStatusError as exc:
        if exc.status != 400 or not part.undated:
            raise
        listing.say("warning", f"{kind}: the portal refused the undated units' own search")
        pos.gaps.append(f"{kind} undated: refused")
        pos.parts.pop(0)
        return None
    if whole:  # what the section's parts together must hand out (-1: not counted)
        pos.total = page.total if page.exact else -1
    if pos.start == 0 and (page.total > listing.window or not page.exact):
        parts = _split(api, kind, pos, part, page)
        if parts:
            pos.parts[:1] = parts
            return None
        listing.say(
            "warning",
            f"{kind} ({part}): {page.total} units, more than the window of {listing.window}"
            " and no finer part: those beyond it are not listed",
        )
        pos.gaps.append(f"{kind} {part}: {page.total}")
    return page


def _check_section(kind: str, pos: V1Position, listing: Listing) -> None:
    """Say when a section handed out fewer units than its search counted: a partition
    missed some (a portal that ignores `includeUndated`, units moved while it was read)."""
    missed = pos.total - pos.in_section
    if pos.total >= 0 and missed > 0:
        listing.say(
            "warning",
            f"{kind}: {pos.in_section} units listed of the {pos.total} its search counts;"
            f" {missed} not reached (kept by the deletion rule while their detail answers)",
        )
        pos.gaps.append(f"{kind}: {missed} not reached")


def sweep(
    api: AronV1API,
    listing: Listing,
    start: V1Position,
    fetch: Callable[[list[str]], T],
) -> Iterator[Batch[T]]:
    """Batches in order from `start` to the end of the last section."""
    pos = start.copy()
    pages = 0
    previous: list[str] = []  # the last page's uuids: a portal that ignores `from` loops
    while pos.index < len(pos.lists):
        kind = pos.lists[pos.index]
        if pos.parts is None:
            pos.parts, pos.start, pos.facet = [Part()], 0, None
            pos.total = pos.in_section = 0
        if not pos.parts:
            _check_section(kind, pos, listing)
            pos.index, pos.parts, pos.start, pos.facet = pos.index + 1, None, 0, None
            continue
        offset = pos.start
        page = _page(api, kind, pos, listing)
        if page is None:
            continue
        pages += 1
        if pages > MAX_PAGES:
            raise StreamError("the search does not end")
        uuids = [h.uuid for h in page.hits]
        if offset > 0 and uuids and uuids == previous:
            raise StreamError(f"{kind}: the portal answered the same page for offset {offset}")
        previous = uuids
        pos.start += len(page.hits)
        if not page.hits or pos.start >= min(page.total, listing.window):
            pos.parts.pop(0)
            pos.start = 0
        new = [h.uuid for h in page.hits if h.uuid not in listing.seen]
        listing.seen.update(new)
        listing.types.update({h.uuid: h.apu_type for h in page.hits})
        pos.listed += len(new)
        pos.in_section += len(new)
        if new:
            yield Batch(new, fetch(new), pos.copy())
    if not pos.complete and (pos.walk or pos.gaps) and listing.roots is not None:
        pos.walk = True
        yield from _walk(api, listing, pos, fetch)
    if not pos.complete:
        pos.complete = True
        yield Batch([], fetch([]), pos.copy())


def _walk(
    api: AronV1API, listing: Listing, pos: V1Position, fetch: Callable[[list[str]], T]
) -> Iterator[Batch[T]]:
    """Every tree from its root, window by window: the units the partitions missed
    (undated ones a portal would not list on their own) are handed out too. Not
    resumed mid-walk: a resumed walk starts again, handing out only what is new."""
    assert listing.roots is not None
    queue = deque(listing.roots())
    visited: set[str] = set()
    found = 0
    while queue:
        node = queue.popleft()
        if node in visited:
            continue
        visited.add(node)
        children = api.children(node)
        queue.extend(c.uuid for c in children if c.children > 0)
        new = [c.uuid for c in children if c.uuid not in listing.seen]
        listing.seen.update(new)
        pos.listed += len(new)
        found += len(new)
        for start in range(0, len(new), MAX_SIZE):
            chunk = new[start : start + MAX_SIZE]
            yield Batch(chunk, fetch(chunk), pos.copy())
    listing.say("info", f"the trees walked from {len(visited)} nodes: {found} more units")
