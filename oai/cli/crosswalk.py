"""`oai crosswalk FILE --to PREFIX`: convert a document between formats."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crosswalks import CrosswalkError, default_registry, read_document, render
from oai.cli.records import pretty_xml

__all__ = ["crosswalk"]


@click.command("crosswalk")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--to", "prefix", required=True, help="json, or an outbound metadata prefix.")
def crosswalk(file: str, prefix: str) -> None:
    """Convert a document in any inbound format (detected) to another format.

    A document that holds several records (an EAD finding aid, an OAI-PMH response)
    prints each one; `--to json` prints the record model's JSON form, a line each.
    """
    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    registry = default_registry()
    try:
        forms = read_document(data, registry)
        if prefix == "json":
            for form in forms:
                click.echo(json.dumps(form, ensure_ascii=False))
            return
        outputs = [pretty_xml(render(registry, prefix, form)) for form in forms]
    except CrosswalkError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo("\n".join(outputs), nl=False)
    if len(forms) > 1:
        click.echo(f"{len(forms)} records", err=True)
