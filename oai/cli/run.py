"""`oai run`: the whole service at once (what `make run` calls)."""

from __future__ import annotations

import sys

import click

from oai.cli.context import Context
from oai.errors import ConfigError

__all__ = ["run"]


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Web app address.")
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=int,
    help="Web app port; the demo partners listen on the next two.",
)
@click.pass_context
def run(click_ctx: click.Context, host: str, port: int) -> None:
    """Run the whole service (what `make run` calls): web app on 127.0.0.1:5000, the
    scheduler, and demo partners on 127.0.0.1:5001 and 5002 (--port P: P, P+1, P+2),
    with the demo records loaded.

    Without a configuration file found (--config, OAI_CONFIG, ./oaihub.toml,
    ./config/demo.toml) it uses config/demo.toml of the checkout. The base URL
    harvesters see is repository.base_url (OAI_REPOSITORY__BASE_URL), else the address
    served.
    """
    from oai.launcher import default_config, run_all  # start-up time: the whole service

    ctx: Context = click_ctx.obj
    if ctx.config is None:
        ctx.config = str(default_config()) if default_config() else None
    try:
        status = run_all(ctx.settings, web_port=port, host=host)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(status)
