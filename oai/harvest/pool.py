"""Crosswalking and rendering pages ahead, in worker processes, while earlier pages commit.

Reading a partner record and rendering every outbound format of it is most of a
harvest's CPU. Large pages are handed to a small process pool (`harvest.workers`) as
their raw bytes; each worker parses the page, crosswalks its records and renders them,
and the main process only decides and writes. Renderings made ahead are used when the
record written is the partner's record itself; a merged record is rendered again in the
main process, so a rendering never disagrees with the stored record.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from crosswalks import CrosswalkError, Registry, default_registry
from oai.harvest.parse import parse_list_records
from oai.harvest.prepare import Crosswalker, Failure, Incoming, detecting_reader
from records.model import Record
from records.store import Rendering

__all__ = ["Prepared", "RenderContext", "WorkerPool", "prepare_page", "render_record"]

MIN_RECORDS = 50  # smaller pages are cheaper to do in place than to ship to a worker


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What rendering needs besides the registry (the settings `Hub.render` reads)."""

    public_url: str = ""


@dataclass
class Prepared:
    """A page's records crosswalked, with renderings made ahead (by record id)."""

    incoming: list[Incoming]
    failures: list[Failure]
    renderings: dict[str, Mapping[str, Rendering]] = field(default_factory=dict)
    render_errors: list[str] = field(default_factory=list)

    def renderer(self, fallback: Callable[[Record], Mapping[str, Rendering]]) -> Any:
        """A store renderer using the renderings made ahead for unmerged partner records."""
        ahead = {
            i.record.id: (i.record, self.renderings.get(i.record.id))
            for i in self.incoming
            if i.record is not None
        }

        def render(record: Record) -> Mapping[str, Rendering]:
            made = ahead.get(record.id)
            if made is not None and made[0] is record and made[1] is not None:
                return made[1]
            return fallback(record)

        return render


def render_record(
    registry: Registry,
    context: RenderContext,
    record: Record,
    errors: list[str],
    data: dict[str, Any] | None = None,
) -> dict[str, Rendering]:
    """Every outbound format of a record, as `Hub.render` makes them.

    `data`: `record.to_dict()` when the caller has it already (it is changed here)."""
    data = record.to_dict() if data is None else data
    public = context.public_url.rstrip("/")
    if public and "url" not in data:
        data["url"] = f"{public}/records/{record.id}"
    data.pop("header", None)
    out: dict[str, Rendering] = {}
    for fmt in registry.outbound():
        assert fmt.write is not None
        try:
            out[fmt.prefix] = (fmt.write(data), fmt.version)
        except CrosswalkError as exc:
            errors.append(f"{record.id}: {fmt.prefix}: {exc}")
    return out


def _watch_parent(parent: int) -> None:
    """In a worker: exit when the harvesting process is gone (even after a SIGKILL, which
    leaves a pool's workers waiting for work that never comes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


@functools.cache
def _registry() -> Registry:
    # one registry per worker process, made on its first page
    return default_registry()


def prepare_page(
    crosswalker: Crosswalker, prefix: str, context: RenderContext, body: bytes, max_bytes: int
) -> Prepared:
    """In a worker: parse a page, crosswalk its records, render the live ones."""
    registry = _registry()
    reader = detecting_reader(registry, prefix)
    page = parse_list_records(body, max_bytes=max_bytes)
    renderings: dict[str, Mapping[str, Rendering]] = {}
    errors: list[str] = []

    def render(record: Record, data: dict[str, Any]) -> None:
        # a later record with the same id replaces an earlier one, as before
        renderings[record.id] = render_record(registry, context, record, errors, data)

    incoming, failures = crosswalker.prepare(reader, page.records, render)
    return Prepared(incoming, failures, renderings, errors)


class WorkerPool:
    """A process pool started on first use; `None` work means: do it in place."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def submit(
        self,
        crosswalker: Crosswalker,
        prefix: str,
        context: RenderContext,
        body: bytes,
        max_bytes: int,
    ) -> Future[Prepared]:
        if self._executor is None:
            # spawn, not fork: the harvesting process has threads and open connections
            spawn = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=spawn,
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
        return self._executor.submit(prepare_page, crosswalker, prefix, context, body, max_bytes)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
