"""Reading and rendering batches ahead, in worker processes, while earlier batches commit.

Reading a partner record and rendering every outbound format of it is most of an
ingest's CPU. Large batches are handed to a small process pool (`harvest.workers`) whole:
their items (raw bytes or JSON, never parsed elements), the `Preparer` and the
`RenderContext` (the hub's registry and public URL, so a worker renders exactly as the
hub does). The main process only decides and writes. Renderings made ahead are used
when the record written is the partner's record itself; a merged record is rendered
again in the main process, so a rendering never disagrees with the stored record.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import types
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from oai.ingest.items import Item
from oai.ingest.prepare import Prepared, Preparer
from oai.rendering import RenderContext

__all__ = ["MIN_ITEMS", "WorkerPool", "prepare_batch", "watch_parent"]

MIN_ITEMS = 50  # smaller batches are cheaper to read in place than to ship to a worker


def watch_parent(parent: int) -> None:
    """In a worker: exit when the parent process is gone (even after a SIGKILL, which
    leaves a pool's workers waiting for work that never comes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def prepare_batch(
    preparer: Preparer,
    items: list[Item],
    context: Mapping[str, Any],
    unchanged: frozenset[int],
    render: RenderContext,
) -> Prepared:
    """In a worker: read a batch's items and render the live records."""
    return preparer.prepare(items, context, unchanged, render)


@contextmanager
def _main_not_imported() -> Iterator[None]:
    """Workers started in here do not import the program's main module.

    A spawned process imports the main module of its parent (the `oai` command, a
    benchmark script) before it runs anything, in case what it runs was defined there:
    0.8 s of CPU per worker for the `oai` command, twice what a worker needs. Nothing
    a worker runs comes from there, so while the workers start, the main module the
    spawn start method reads is one without a file (what `python -c` has)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class WorkerPool:
    """A process pool started on first use."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def submit(
        self,
        preparer: Preparer,
        items: list[Item],
        context: Mapping[str, Any],
        unchanged: frozenset[int],
        render: RenderContext,
    ) -> Future[Prepared]:
        if self._executor is None:
            # spawn, not fork: the ingesting process has threads and open connections
            spawn = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=spawn,
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        with _main_not_imported():  # a submit may start the workers
            return self._executor.submit(
                prepare_batch, preparer, items, dict(context), unchanged, render
            )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
