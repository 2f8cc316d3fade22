"""`oai db upgrade` and `oai demo load`: the schema and the demo data."""

from __future__ import annotations

import click

from oai.cli.context import Context, pass_context
from oai.demo import load_demo_records
from oai.schema import current_revision, upgrade

__all__ = ["db_group", "demo_group"]


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database schema to the newest revision."""
    hub = ctx.hub(migrate=False)
    before = current_revision(hub.engine)
    upgrade(hub.engine)
    after = current_revision(hub.engine)
    url = hub.engine.url.render_as_string(hide_password=True)
    click.echo(f"{url}: schema {before or 'empty'} -> {after}")


@click.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
@pass_context
def demo_load(ctx: Context) -> None:
    """Load the demo records (the seed document and its related documents); idempotent."""
    summary = load_demo_records(ctx.hub())
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(summary.describe())
