"""The `oai` command: thin wrappers over library functions.

Configuration comes from the TOML file named by `--config` or `OAI_CONFIG`, else one in
the working directory (`oai.cli.context.discover_config`), with `OAI_*` environment
variables over it. Commands find it through `oai.cli.context`;
each part of the service adds its commands to `main` below, one line each.
"""

from __future__ import annotations

import click

from oai.cli.admin import admin_command
from oai.cli.context import Context
from oai.cli.crosswalk import crosswalk
from oai.cli.database import db_group, demo_group
from oai.cli.exports import export_command
from oai.cli.harvest import harvest_command, history_command, runs_command
from oai.cli.info import info_command
from oai.cli.records import records_group
from oai.cli.run import run
from oai.cli.scheduler import scheduler_command
from oai.cli.sets import sets_group
from oai.cli.sources import sources_command
from oai.cli.users import users_command
from oai.cli.web import request_command, serve_command
from oai.cli.withdrawals import reinstate_command, withdraw_command, withdrawn_command
from oai.cli.worker import worker_command

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="TOML config file (default: $OAI_CONFIG, else ./oaihub.toml, else "
    "./config/demo.toml as `make run` uses; without any, a local SQLite file).",
)
@click.version_option(package_name="oaihub")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """oaihub: record store, crosswalks, OAI-PMH provider and harvester."""
    context = Context(config)
    ctx.obj = context
    ctx.call_on_close(context.close)


main.add_command(db_group)
main.add_command(demo_group)
main.add_command(records_group)
records_group.add_command(history_command)
records_group.add_command(withdraw_command)
records_group.add_command(reinstate_command)
records_group.add_command(withdrawn_command)
records_group.add_command(export_command)
main.add_command(crosswalk)
main.add_command(serve_command)
main.add_command(request_command)
main.add_command(harvest_command)
main.add_command(runs_command)
main.add_command(scheduler_command)
main.add_command(worker_command)
main.add_command(admin_command)
main.add_command(users_command)
main.add_command(sources_command)
main.add_command(run)
main.add_command(info_command)
main.add_command(sets_group)
