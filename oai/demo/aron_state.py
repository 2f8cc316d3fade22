"""The state of the fake ARON portal: its entities, and the hooks tests use.

Entities are flat, as ARON's database keeps them; `nested` answers with the parent
chain nested, as the API does. Tests change entities through the methods (which drop
the cached listings), break chosen requests (`fail`, `stall`), and play a partner's
re-import (`start_reimport` ... `finish_reimport`).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from oai.demo.aron_data import generate, new_ids

__all__ = ["AronState", "Fault"]


@dataclass
class Fault:
    """Break `times` requests whose path ends with `path` (after letting `after` of them
    pass): with a status, or a stall of `stall` seconds."""

    status: int = 0
    stall: float = 0.0
    path: str = ""
    times: int = 1
    after: int = 0
    naming: str = ""  # only requests whose body or path names this (an entity id)
    cut: bool = False  # answer with the body cut short (truncated JSON)


@dataclass
class AronState:
    """The portal's entities (flat, by id) and what tests set up or look at."""

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    ghosts: set[str] = field(default_factory=set)  # indexed ids missing from the database
    hidden: set[str] = field(default_factory=set)  # in a re-import: not listed, GET 404
    faults: list[Fault] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # listings by filter, dropped on every change (change entities through the methods)
    cache: dict[str, list[Any]] = field(default_factory=dict)
    # ARON 2.0 (`/api/v1`): the publish stamp of each source (a tree's root), which its
    # units' ETag/Last-Modified follow; the search page window; a tree window's size
    stamps: dict[str, int] = field(default_factory=dict)
    window: int = 10_000
    tree_window: int = 20
    not_modified: int = 0  # 304s answered
    paging_loop: bool = False  # a broken v1 search: every page is the first
    knows_include_undated: bool = True  # False: a portal that ignores `includeUndated`

    @classmethod
    def generated(cls, n: int, seed: int = 12, ghost_every: int = 0) -> AronState:
        """n generated entities; every `ghost_every`-th index entry a ghost (0: none)."""
        state = cls()
        state.load(generate(n, seed))
        if ghost_every:
            rng = random.Random(seed)
            for _ in range(max(1, n // ghost_every)):
                state.ghosts.add(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        return state

    def load(self, entities: Iterable[dict[str, Any]]) -> None:
        with self.lock:
            loaded = list(entities)
            for entity in loaded:
                self.entities[entity["id"]] = entity
            self._publish(e["id"] for e in loaded)
            self.cache.clear()

    def root(self, entity_id: str) -> str:
        """The top of an entity's parent chain: the source it was published with."""
        node, seen = entity_id, 0
        while seen < 1000:
            parent = (self.entities.get(node) or {}).get("parent")
            if not parent or parent not in self.entities:
                return node
            node, seen = parent, seen + 1
        return node

    def _publish(self, ids: Iterable[str]) -> None:
        """A (re-)import of the sources of `ids`: their validators change (ARON 2.0)."""
        for root in {self.root(i) for i in ids}:
            self.stamps[root] = self.stamps.get(root, 0) + 1

    def index(self) -> list[str]:
        """The search index: sorted ids, ghosts included, hidden ones not."""
        if "" not in self.cache:
            self.cache[""] = sorted((self.entities.keys() - self.hidden) | self.ghosts)
        return self.cache[""]

    def update(self, entity_id: str, **changes: Any) -> None:
        with self.lock:
            self.entities[entity_id].update(changes)
            self._publish([entity_id])
            self.cache.clear()

    def delete(self, entity_id: str) -> None:
        with self.lock:
            del self.entities[entity_id]
            self.cache.clear()

    def fail(
        self, status: int, path: str = "", times: int = 1, after: int = 0, naming: str = ""
    ) -> None:
        self.faults.append(Fault(status, 0.0, path, times, after, naming))

    def stall(self, seconds: float, path: str = "", times: int = 1) -> None:
        self.faults.append(Fault(stall=seconds, path=path, times=times))

    def truncate(self, path: str = "", times: int = 1) -> None:
        """Answer `times` requests whose path ends with `path` with half their body."""
        self.faults.append(Fault(path=path, times=times, cut=True))

    def start_reimport(self, ids: Iterable[str], seed: int = 99) -> None:
        """A partner re-import of `ids`: new part and item ids, new file timestamps,
        order/pos shifted, and the entities gone from lists and GET until
        `finish_reimport`."""
        rng = random.Random(seed)
        with self.lock:
            for entity_id in ids:
                entity = self.entities[entity_id]
                new_ids(entity, rng)
                entity["order"] += 1000
                entity["pos"] += 1
                self.hidden.add(entity_id)
            self._publish(self.hidden)
            self.cache.clear()

    def subtree(self, root: str) -> list[str]:
        """`root` and every entity under it: what one partner source re-imports at once."""
        children: dict[str, list[str]] = {}
        for entity in self.entities.values():
            if entity.get("parent"):
                children.setdefault(entity["parent"], []).append(entity["id"])
        found, todo = [], [root]
        while todo:
            node = todo.pop()
            found.append(node)
            todo.extend(children.get(node, ()))
        return found

    def finish_reimport(self) -> None:
        with self.lock:
            self._publish(self.hidden)
            self.hidden.clear()
            self.cache.clear()

    def fault_for(self, path: str, body: str = "") -> Fault | None:
        with self.lock:
            for fault in self.faults:
                named = fault.naming in path or fault.naming in body
                if fault.times > 0 and path.endswith(fault.path) and named:
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    def nested(self, entity_id: str, depth: int = 0) -> dict[str, Any] | None:
        """The entity as the API gives it: its parent chain nested (None if missing)."""
        entity = self.entities.get(entity_id)
        if entity is None or entity_id in self.hidden or depth > 100:
            return None
        out = dict(entity)
        parent = entity.get("parent")
        out["parent"] = self.nested(parent, depth + 1) if parent else None
        return out
