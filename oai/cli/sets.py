"""`oai sets add|list|remove`: sets defined by the admin, from a source or a search."""

from __future__ import annotations

import json

import click

from oai.cli.context import Context, pass_context
from records.admin_sets import AdminSetError, AdminSets

__all__ = ["sets_group"]


@click.group("sets")
def sets_group() -> None:
    """Sets defined by the admin (ListSets shows them; ListRecords selects them by set=)."""


@sets_group.command("add")
@click.argument("spec")
@click.option("--name", required=True, help="The set's name, as ListSets shows it.")
@click.option("--description", default=None, help="A description (dc:description in ListSets).")
@click.option("--source", "source_id", default=None, help="Every record harvested from a source.")
@click.option("--query", default=None, help="Every record a search finds (as on the records page).")
@pass_context
def sets_add(
    ctx: Context,
    spec: str,
    name: str,
    description: str | None,
    source_id: str | None,
    query: str | None,
) -> None:
    """Define a set from a source or a search query; it is kept current as records are written."""
    try:
        made = AdminSets(ctx.hub().store).add(
            spec, name, description=description, source_id=source_id, query=query
        )
    except AdminSetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"set {made.spec} added: {made.size} records")


@sets_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@pass_context
def sets_list(ctx: Context, as_json: bool) -> None:
    """The admin's sets, their rule and size."""
    for found in AdminSets(ctx.hub().store).all():
        if as_json:
            click.echo(json.dumps(found.to_dict(), ensure_ascii=False))
            continue
        rule = f"source {found.source_id}" if found.source_id else f"query {found.query!r}"
        click.echo(f"{found.spec}\t{found.size} records\t{rule}\t{found.name}")


@sets_group.command("remove")
@click.argument("spec")
@pass_context
def sets_remove(ctx: Context, spec: str) -> None:
    """Remove an admin set (its records stay)."""
    try:
        AdminSets(ctx.hub().store).remove(spec)
    except AdminSetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"set {spec} removed")
