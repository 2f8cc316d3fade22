"""`oai crosswalk FILE --to PREFIX`: convert a document between formats."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from crosswalks import CrosswalkError, default_registry, read_document, render
from crosswalks.ape_ead import FINDING_AID_LEVELS, write_finding_aid
from crosswalks.edm import assess
from crosswalks.hierarchy import Hierarchy
from oai.cli.context import Context, pass_context
from oai.cli.records import pretty_xml
from oai.delivery import ape_options, edm_options

__all__ = ["crosswalk"]


@click.command("crosswalk")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--to", "prefix", required=True, help="json, or an outbound metadata prefix.")
@pass_context
def crosswalk(ctx: Context, file: str, prefix: str) -> None:
    """Convert a document in any inbound format (detected) to another format.

    A document that holds several records (an EAD finding aid, an OAI-PMH response)
    prints each one; `--to json` prints the record model's JSON form, a line each.
    `--to ape_ead` prints one apeEAD finding aid per fonds or collection (with every
    unit below it), or per top unit of a document that has neither.
    `--to edm` uses the configuration's [edm] settings and prints the records ready for
    Europeana; each one that is not is named on stderr with the rules it fails, and the
    command exits 1.
    """
    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    try:
        forms = read_document(data)
        if prefix == "json":
            for form in forms:
                click.echo(json.dumps(form, ensure_ascii=False))
            return
        if prefix == "edm":
            _to_edm(ctx, forms)
            return
        if prefix == "ape_ead":
            _to_ape_ead(ctx, forms)
            return
        outputs = _render_all(ctx, prefix, forms)
    except CrosswalkError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo("\n".join(outputs), nl=False)
    if len(forms) > 1:
        click.echo(f"{len(forms)} records", err=True)


def _render_all(ctx: Context, prefix: str, forms: list[dict[str, Any]]) -> list[str]:
    registry = default_registry(edm_options(ctx.settings))
    return [pretty_xml(render(registry, prefix, form)) for form in forms]


def _to_edm(ctx: Context, forms: list[dict[str, Any]]) -> None:
    """Print the EDM of every ready record; name each unready one and its rules; exit 1."""
    options = edm_options(ctx.settings)
    hierarchy = Hierarchy(forms)
    unready = 0
    for form in forms:
        result = assess(form, options, hierarchy.ancestors(form))
        if result.ready:
            click.echo(pretty_xml(result.xml), nl=False)
            continue
        unready += 1
        _report(form, [str(f) for f in result.failures])
    click.echo(f"{len(forms) - unready} of {len(forms)} records ready for Europeana", err=True)
    if unready:
        click.get_current_context().exit(1)


def _report(form: Mapping[str, Any], failures: list[str]) -> None:
    click.echo(f"not ready: {form['id']}", err=True)
    for failure in failures:
        click.echo(f"  {failure}", err=True)


def _to_ape_ead(ctx: Context, forms: list[dict[str, Any]]) -> None:
    """Print one apeEAD finding aid per fonds or collection of the document."""
    options = ape_options(ctx.settings)
    hierarchy = Hierarchy(forms)
    heads = [r for r in hierarchy.by_id.values() if r.get("level") in FINDING_AID_LEVELS]
    if not heads:  # a finding aid whose top unit has another level is still one
        heads = hierarchy.roots()
    for head in heads:
        click.echo(pretty_xml(write_finding_aid(head, hierarchy.children_of, options)), nl=False)
    click.echo(f"{len(heads)} finding aids of {len(forms)} records", err=True)
