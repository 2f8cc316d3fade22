"""Crosswalking and rendering pages ahead, in worker processes, while earlier pages commit.

Reading a partner record and rendering every outbound format of it is most of a
harvest's CPU. Large pages are handed to a small process pool (`harvest.workers`) as
their raw bytes with a `RenderContext` (the hub's registry and public URL, so a worker
renders exactly as the hub does); each worker parses the page, crosswalks its records
and renders them, and the main process only decides and writes. Renderings made ahead
are used when the record written is the partner's record itself; a merged record is
rendered again in the main process, so a rendering never disagrees with the stored
record. Either way, the failures of the records written become run events.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from oai.harvest.parse import DEFAULT_LIMITS, Limits, parse_list_records
from oai.harvest.prepare import Crosswalker, Failure, Incoming, detecting_reader
from oai.rendering import RenderContext, Rendered, StoreRenderer, render_record
from records.model import Record

__all__ = ["Prepared", "WorkerPool", "prepare_page", "watch_parent"]

MIN_RECORDS = 50  # smaller pages are cheaper to do in place than to ship to a worker


@dataclass
class Prepared:
    """A page's records crosswalked, with renderings made ahead (by record id)."""

    incoming: list[Incoming]
    failures: list[Failure]
    rendered: dict[str, Rendered] = field(default_factory=dict)

    def renderer(self, context: RenderContext) -> StoreRenderer:
        """The page's store renderer: renderings made ahead for unmerged partner records,
        the others rendered with `context`; it keeps the failures of the records written."""
        ahead = {
            i.record.id: (i.record, self.rendered[i.record.id])
            for i in self.incoming
            if i.record is not None and i.record.id in self.rendered
        }
        return StoreRenderer(context, ahead)


def watch_parent(parent: int) -> None:
    """In a worker: exit when the parent process is gone (even after a SIGKILL, which
    leaves a pool's workers waiting for work that never comes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def prepare_page(
    crosswalker: Crosswalker,
    prefix: str,
    context: RenderContext,
    body: bytes,
    max_bytes: int,
    limits: Limits = DEFAULT_LIMITS,
) -> Prepared:
    """In a worker: parse a page, crosswalk its records, render the live ones."""
    reader = detecting_reader(context.registry, prefix)
    page = parse_list_records(body, max_bytes=max_bytes, limits=limits)
    rendered: dict[str, Rendered] = {}

    def render(record: Record, data: dict[str, Any]) -> None:
        # a later record with the same id replaces an earlier one, as before
        rendered[record.id] = render_record(context, record, data)

    incoming, failures = crosswalker.prepare(reader, page.records, render)
    return Prepared(incoming, failures, rendered)


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
        limits: Limits = DEFAULT_LIMITS,
    ) -> Future[Prepared]:
        return self.call(prepare_page, crosswalker, prefix, context, body, max_bytes, limits)

    def call(self, fn: Callable[..., Prepared], *args: Any) -> Future[Prepared]:
        """Run `fn(*args)` (picklable, module level) in a worker: another kind's pages."""
        if self._executor is None:
            # spawn, not fork: the harvesting process has threads and open connections
            spawn = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=spawn,
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
