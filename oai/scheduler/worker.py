"""The worker process (`oai worker`): runs harvest jobs from the queue (PostgreSQL only).

Start any number, on any machines whose configuration names the same database. Each
takes up to `scheduler.worker_concurrency` harvests at once, proves it is alive to the
others every few seconds, and puts back in the queue the jobs of a worker silent for
`scheduler.worker_stalled_seconds` (killed, or cut off from the database), so a harvest
cut short by a dead machine is finished by another, from its checkpoint. SIGTERM or
Ctrl-C stop it after the harvests it is running end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from oai.errors import ConfigError
from oai.hub import Hub
from oai.scheduler.queue import (
    QUEUE,
    ensure_queue_schema,
    make_queue_app,
    queue_enabled,
    retry_stalled_jobs,
    worker_name,
)
from oai.settings import Settings

__all__ = ["run_worker"]

log = logging.getLogger("oai.worker")


def run_worker(settings: Settings, *, name: str | None = None, wait: bool = True) -> None:
    """Run harvest jobs until stopped (or, with `wait` False, until the queue is empty)."""
    if not queue_enabled(settings):
        raise ConfigError(
            "oai worker needs PostgreSQL and scheduler.job_queue = true; on SQLite the "
            "scheduler runs the harvests itself"
        )
    with Hub.from_settings(settings, migrate=True) as hub:
        ensure_queue_schema(hub.engine)
        asyncio.run(_serve(settings, hub, name or worker_name(), wait))


async def _serve(settings: Settings, hub: Hub, name: str, wait: bool) -> None:
    app = make_queue_app(settings)
    stalled = float(settings.scheduler.worker_stalled_seconds)
    async with app.open_async():
        watchdog = asyncio.create_task(_watch(app, stalled))
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                name=name,
                concurrency=max(1, settings.scheduler.worker_concurrency),
                wait=wait,
                install_signal_handlers=False,
                update_heartbeat_interval=max(1.0, stalled / 6),
                stalled_worker_timeout=stalled,
                delete_jobs="successful",
                additional_context={"hub": hub, "worker_name": name},
            )
        )

        def stop() -> None:
            # running harvests stop at their next page, `interrupted` with their
            # checkpoint; the worker waits for them, then ends
            log.info("worker %s: stopping", name)
            hub.stopping.set()
            worker.cancel()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop)
        try:
            log.info("worker %s: taking harvest jobs", name)
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog


async def _watch(app: object, stalled: float) -> None:
    """Now and then, re-queue the jobs of silent workers."""
    while True:
        try:
            await retry_stalled_jobs(app, stalled)  # type: ignore[arg-type]
        except Exception:  # a busy database must not stop the worker
            log.exception("looking for stalled jobs failed")
        await asyncio.sleep(max(1.0, stalled / 3))
