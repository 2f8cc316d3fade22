"""`oai run`: the whole service at once (what `make run` calls)."""

from __future__ import annotations

import sys

import click

from oai.cli.context import Context

__all__ = ["run"]


@click.command("run")
@click.pass_context
def run(click_ctx: click.Context) -> None:
    """Run the whole service (what `make run` calls): web app on 127.0.0.1:5000, the
    scheduler, and a demo partner on 127.0.0.1:5001, with the demo records loaded.

    Without --config / OAI_CONFIG it uses config/demo.toml of the checkout.
    """
    from oai.runner import default_config, run_all

    ctx: Context = click_ctx.obj
    if ctx.config is None:
        ctx.config = str(default_config()) if default_config() else None
    sys.exit(run_all(ctx.settings))
