"""`oai scheduler`: the scheduler process, and `--reload` to make it re-read the config.

The running scheduler writes its process id to `<data_dir>/scheduler.pid`;
`oai scheduler --reload` sends that process SIGHUP, on which it re-reads the TOML file
and brings sources and jobs in line. SIGTERM and Ctrl-C stop it after the harvests in
progress have ended (a harvest cut short would be resumed from its checkpoint anyway).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from types import FrameType
from typing import Any

import click

from oai.cli.context import Context, pass_context
from oai.hub import Hub
from oai.scheduler.lock import scheduler_running
from oai.scheduler.runner import Runner, harvest_runner
from oai.scheduler.service import SchedulerService
from oai.settings import Settings, load_settings

__all__ = ["pid_path", "run_scheduler", "scheduler_command", "send_reload"]

log = logging.getLogger("oai.scheduler")


def pid_path(settings: Settings) -> Path:
    return settings.data_dir / "scheduler.pid"


def send_reload(settings: Settings) -> int | None:
    """SIGHUP the running scheduler; its pid, or None when none runs here.

    A pid file left by a killed scheduler may name an unrelated process by now, so the
    signal goes only when the database's scheduler lock is held and the process is an
    `oai scheduler`.
    """
    try:
        pid = int(pid_path(settings).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    with Hub.from_settings(settings) as hub:
        if not scheduler_running(hub.engine):
            return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and b"scheduler" not in cmdline.read_bytes():
        return None
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        return None
    return pid


class _Signals:
    """Stop and reload requests, set from signal handlers, read by the loop."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.reload = threading.Event()
        self.wake = threading.Event()

    def on_stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stop.set()
        self.wake.set()

    def on_reload(self, _signum: int, _frame: FrameType | None) -> None:
        self.reload.set()
        self.wake.set()

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.on_stop)
        signal.signal(signal.SIGINT, self.on_stop)
        signal.signal(signal.SIGHUP, self.on_reload)


def run_scheduler(
    settings: Settings,
    *,
    standby: bool = False,
    harvest_now: bool = False,
    signals: _Signals | None = None,
    echo: Callable[[str], None] = click.echo,
) -> int:
    """Run the scheduler until stopped; the process exit status."""
    signals = signals or _Signals()
    poll = float(settings.scheduler.poll_seconds)
    with Hub.from_settings(settings, migrate=True) as hub, _runner(hub) as runner:
        service = SchedulerService(hub, runner=runner)
        while not service.start():
            if not standby:
                echo(f"another scheduler already runs on {_url(hub)}; exiting")
                return 3
            if signals.stop.wait(poll):
                return 0
        try:
            _write_pid(settings)
            echo(f"scheduler running on {_url(hub)} (pid {os.getpid()})")
            for job in describe_jobs(service):
                echo(f"  {job['source']}: next run {job['next_run']}")
            if harvest_now:
                service.harvest_all_now()
            _loop(service, signals, poll, settings)
        finally:
            service.stop(wait=True)
            with contextlib.suppress(FileNotFoundError):
                pid_path(settings).unlink()
    return 0


@contextlib.contextmanager
def _runner(hub: Hub) -> Iterator[Runner]:
    """How the scheduler runs a harvest: on PostgreSQL with the job queue, it defers a
    job for the `oai worker` processes; otherwise it harvests in this process."""
    from oai.scheduler.queue import queue_enabled

    if not queue_enabled(hub.settings):
        yield harvest_runner
        return
    from oai.scheduler.queue import Deferrer, ensure_queue_schema

    ensure_queue_schema(hub.engine)
    deferrer = Deferrer(hub.settings)
    try:
        yield deferrer.runner
    finally:
        deferrer.close()


def _loop(service: SchedulerService, signals: _Signals, poll: float, settings: Settings) -> None:
    service.tick()
    while not signals.stop.is_set():
        signals.wake.wait(poll)
        signals.wake.clear()
        if signals.stop.is_set():
            break
        if signals.reload.is_set():
            signals.reload.clear()
            _reload(service, settings)
        try:
            service.tick()
        except Exception:
            # a database hiccup must not end the scheduler; the next tick tries again
            log.exception("scheduler tick failed")


def _reload(service: SchedulerService, settings: Settings) -> None:
    try:
        fresh = load_settings(settings.config_path)
        service.reload(fresh)
    except Exception:
        log.exception("reload failed; the previous configuration stays in force")


def _write_pid(settings: Settings) -> None:
    path = pid_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n")


def _url(hub: Hub) -> str:
    return hub.engine.url.render_as_string(hide_password=True)


@click.command("scheduler")
@click.option(
    "--reload", "reload_", is_flag=True, help="Make the running scheduler re-read the config."
)
@click.option("--standby", is_flag=True, help="If another scheduler holds the lock, wait for it.")
@click.option("--harvest-now", is_flag=True, help="Queue a run of every source at start.")
@click.option("--list", "list_", is_flag=True, help="Print the jobs and their next runs; exit.")
@pass_context
def scheduler_command(
    ctx: Context, reload_: bool, standby: bool, harvest_now: bool, list_: bool
) -> None:
    """Run the harvest scheduler (its own process; one per database)."""
    settings = ctx.settings
    if reload_:
        pid = send_reload(settings)
        if pid is None:
            raise click.ClickException(
                f"no running scheduler found ({pid_path(settings)}); a new one reads the config"
            )
        click.echo(f"asked scheduler {pid} to reload the configuration")
        return
    ctx.require_database()  # a scheduler never makes a new empty database
    if list_:
        click.echo(json.dumps(_jobs_of(settings), indent=2))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    signals = _Signals()
    signals.install()
    sys.exit(run_scheduler(settings, standby=standby, harvest_now=harvest_now, signals=signals))


def _jobs_of(settings: Settings) -> list[dict[str, object]]:
    from oai.web.admin.queries import next_runs

    with Hub.from_settings(settings, migrate=True) as hub:
        return [
            {"source": s, "next_run": t.isoformat() if t else None}
            for s, t in sorted(next_runs(hub.engine).items())
        ]


def describe_jobs(service: SchedulerService) -> list[dict[str, Any]]:
    """The jobs as plain data (for `oai scheduler --list` and logs)."""
    return [
        {"source": source, "next_run": when.astimezone(UTC).isoformat() if when else None}
        for source, when in sorted(service.next_run_times().items())
    ]
