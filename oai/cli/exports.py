"""`oai records export`: a source's records as a ListRecords dump or JSON Lines, on stdout."""

from __future__ import annotations

import sys

import click

from oai.cli.context import Context, pass_context
from oai.errors import ExportError
from oai.exports import FORMATS, Export

__all__ = ["export_command"]


@click.command("export")
@click.option("--source", "source_id", required=True, help="The source whose records to export.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="listrecords",
    show_default=True,
    help="listrecords: one OAI-PMH ListRecords response; jsonl: the record model, a line each.",
)
@click.option(
    "--prefix",
    default="oai_dc",
    show_default=True,
    help="The metadata format of a listrecords dump (oaihub keeps every field).",
)
@pass_context
def export_command(ctx: Context, source_id: str, fmt: str, prefix: str) -> None:
    """Write a source's records to stdout, a batch at a time; `oai records import` reads
    the file back. The count goes to stderr."""
    try:
        export = Export(ctx.hub(), source_id, fmt, prefix)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    out = sys.stdout.buffer
    count = export.write_to(out)
    out.flush()
    click.echo(f"{count} records of {source_id} exported ({fmt})", err=True)
