"""`oai scheduler`: run the scheduler process, list its jobs, or make it reload.

The running scheduler writes its process id to `<data_dir>/scheduler.pid`;
`oai scheduler --reload` sends that process SIGHUP, on which it re-reads the TOML file
and brings sources and jobs in line. SIGTERM and Ctrl-C stop it after the harvests in
progress have ended (a harvest cut short would be resumed from its checkpoint anyway).
"""

from __future__ import annotations

import json
import logging
import sys

import click

from oai.cli.context import Context, pass_context
from oai.hub import Hub
from oai.scheduler.jobs import next_runs
from oai.scheduler.process import Signals, pid_path, run_scheduler, send_reload
from oai.settings import Settings

__all__ = ["scheduler_command"]


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
    signals = Signals()
    signals.install()
    sys.exit(run_scheduler(settings, standby=standby, harvest_now=harvest_now, signals=signals))


def _jobs_of(settings: Settings) -> list[dict[str, object]]:
    with Hub.from_settings(settings, migrate=True) as hub:
        return [
            {"source": s, "next_run": t.isoformat() if t else None}
            for s, t in sorted(next_runs(hub.engine).items())
        ]
