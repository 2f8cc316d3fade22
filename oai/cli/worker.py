"""`oai worker`: run harvest jobs from the queue (PostgreSQL only)."""

from __future__ import annotations

import logging

import click

from oai.cli.context import Context, pass_context
from oai.errors import ConfigError
from oai.scheduler.worker import run_worker

__all__ = ["worker_command"]


@click.command("worker")
@click.option("--name", help="This worker's name in the run log (default: its host name).")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, cron).")
@pass_context
def worker_command(ctx: Context, name: str | None, burst: bool) -> None:
    """Run harvest jobs from the queue (PostgreSQL): start one or more on any machine."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ctx.require_database()  # a worker never makes a new empty database
    try:
        run_worker(ctx.settings, name=name, wait=not burst)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
