"""`oai records ...`: import, list and show records of the store."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from crosswalks import CrosswalkError, parse_xml
from oai.cli.context import Context, pass_context
from oai.finding_aids import PREFIX as FINDING_AID
from oai.hub import Hub
from oai.importing import ImportSummary, import_paths
from oai.rendering import render_record
from records.errors import RecordNotFound
from records.listing import ListedRecord, Selection
from records.model import Record, format_datestamp

__all__ = ["describe_record", "pretty_xml", "records_group", "show_format"]


@click.group("records")
def records_group() -> None:
    """Records in the store."""


FIRST_ERRORS = 20  # errors printed after an import; the count says how many more


class _ImportProgress:
    """Progress of an import on stderr: share of the bytes read, records/s, time left.

    On a terminal one line is rewritten in place; elsewhere (a log) a line is printed
    at every tenth of the way."""

    def __init__(self, files: list[Path], show: bool) -> None:
        self.show, self.tty = show, sys.stderr.isatty()
        self.total = max(1, sum(path.stat().st_size for path in files))
        self.done: dict[Path, int] = {}
        self.records = 0
        self.started = time.monotonic()
        self.printed_tenth, self.pending = -1, False

    def __enter__(self) -> _ImportProgress:
        return self

    def __call__(self, path: Path, position: int, size: int, records: int) -> None:
        if not self.show:
            return
        self.done[path] = position
        self.records = records
        share = min(1.0, sum(self.done.values()) / self.total)
        tenth = int(share * 10)
        if not self.tty and tenth == self.printed_tenth:
            self.pending = True  # printed at the end if nothing later is
            return
        self.printed_tenth, self.pending = tenth, False
        self._print(share, records)

    def _print(self, share: float, records: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        left = elapsed * (1 - share) / share if share > 0 else 0.0
        line = (
            f"importing {share:4.0%} | {records:,} records | {records / elapsed:,.0f} records/s"
            f" | {left:,.0f} s left"
        )
        click.echo(f"\r{line}" if self.tty else line, err=True, nl=not self.tty)

    def __exit__(self, *exc: object) -> None:
        if self.show and self.pending:
            self._print(min(1.0, sum(self.done.values()) / self.total), self.records)
        if self.show and self.tty:
            click.echo("", err=True)  # end the rewritten line before the summary


@records_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--batch", default=500, show_default=True, help="Records per transaction.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes that render records ahead while this one reads and writes; they help"
    " only where cores are idle (0: all in this process).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress bar on stderr (default: when stderr is a terminal).",
)
@pass_context
def records_import(
    ctx: Context, paths: tuple[str, ...], batch: int, workers: int, progress: bool | None
) -> None:
    """Import JSON Lines of the record model, or XML in any inbound format.

    An OAI-PMH GetRecord or ListRecords response imports every record inside it.
    """
    files = [Path(p) for p in paths]
    show = sys.stderr.isatty() if progress is None else progress
    with _ImportProgress(files, show) as bar:
        hub = ctx.hub()
        summary: ImportSummary = import_paths(
            hub, files, batch=batch, progress=bar, workers=workers
        )
    for error in summary.errors[:FIRST_ERRORS]:
        click.echo(f"error: {error}", err=True)
    if len(summary.errors) > FIRST_ERRORS:
        click.echo(f"... and {len(summary.errors) - FIRST_ERRORS} more errors", err=True)
    click.echo(summary.describe())
    if summary.failed and not (summary.added or summary.updated or summary.unchanged):
        sys.exit(1)


@records_group.command("show")
@click.argument("record_id")
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    help="text, json, or any metadata prefix of the crosswalk registry (oai_dc, mods, ...).",
)
@pass_context
def records_show(ctx: Context, record_id: str, fmt: str) -> None:
    """Print one record: every field, its JSON form, or its XML in a metadata format."""
    hub = ctx.hub()
    try:
        record = hub.store.get(record_id)
    except RecordNotFound:
        raise click.ClickException(f"no record with id {record_id!r}") from None
    if fmt == "json":
        click.echo(json.dumps(record.to_dict(), indent=2, ensure_ascii=False))
    elif fmt == "text":
        click.echo(describe_record(record))
    else:
        click.echo(show_format(hub, record, fmt))


def show_format(hub: Hub, record: Record, prefix: str) -> str:
    """A record's metadata in one outbound format, rendered as the store would keep it."""
    known = ", ".join(["text", "json", *(f.prefix for f in hub.registry.outbound())])
    try:
        fmt = hub.registry.get(prefix)
    except CrosswalkError:
        raise click.ClickException(f"unknown format {prefix!r}; valid: {known}") from None
    if fmt.write is None:
        raise click.ClickException(f"{prefix} can be read but not written; valid: {known}")
    if record.header and record.header.deleted:
        raise click.ClickException(f"{record.id} is deleted: no metadata to show")
    if hub.finding_aids is not None and prefix == FINDING_AID:
        with hub.engine.connect() as conn:  # the whole finding aid, from the stored units
            made = hub.finding_aids.render(conn, record.id)
        if made is None:
            raise click.ClickException(f"{record.id}: no finding aid could be made")
        return pretty_xml(made[0])
    rendered = render_record(hub.render_context, record)
    for failure in rendered.failures:
        if failure.prefix == prefix:
            raise click.ClickException(str(failure))
    if prefix not in rendered.renderings:  # an aggregator's format the record is not ready for
        raise click.ClickException(f"{record.id} is not served as {prefix} (see its readiness)")
    return pretty_xml(rendered.renderings[prefix][0])


def pretty_xml(xml: bytes) -> str:
    from lxml import etree

    return etree.tostring(parse_xml(xml), pretty_print=True, encoding="unicode")


def describe_record(record: Record) -> str:
    """A readable listing of every non-empty field."""
    lines: list[str] = []
    data = record.to_dict()
    header = data.pop("header", None)
    for key, value in data.items():
        lines.extend(_describe_field(key, value))
    if header:
        lines.append("")
        lines.extend(_describe_field("oai header", header))
    return "\n".join(lines)


def _describe_field(key: str, value: Any, indent: str = "") -> list[str]:
    label = key.replace("_", " ")
    if isinstance(value, dict):
        out = [f"{indent}{label}:"]
        for k, v in value.items():
            out.extend(_describe_field(k, v, indent + "  "))
        return out
    if isinstance(value, list):
        out = [f"{indent}{label}:"]
        for item in value:
            if isinstance(item, dict):
                parts = "; ".join(f"{k}: {_flat(v)}" for k, v in item.items())
                out.append(f"{indent}  - {parts}")
            else:
                out.append(f"{indent}  - {item}")
        return out
    text = str(value)
    if "\n" in text:
        body = "\n".join(f"{indent}  {line}" for line in text.splitlines())
        return [f"{indent}{label}:", body]
    return [f"{indent}{label}: {text}"]


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or value.get("start") or value)
    return str(value)


@records_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=0, help="Stop after this many records (0: all).")
@click.option("--deleted/--no-deleted", default=True, help="Include tombstones.")
@pass_context
def records_list(ctx: Context, as_json: bool, limit: int, deleted: bool) -> None:
    """List records in datestamp order (id, datestamp, status, title)."""
    hub = ctx.hub()
    shown, after = 0, None
    while True:
        page = hub.store.listing.page(Selection(), after, 500, title=True)
        if not page:
            break
        for row in page:
            if row.deleted and not deleted:
                continue
            _echo_listed(hub, row, as_json)
            shown += 1
            if limit and shown >= limit:
                return
        after = page[-1].cursor


def _echo_listed(hub: Hub, row: ListedRecord, as_json: bool) -> None:
    title = row.title
    if as_json:
        item = {
            "id": row.local_id,
            "identifier": hub.store.identifier_prefix + row.local_id,
            "datestamp": format_datestamp(row.datestamp),
            "deleted": row.deleted,
            "sets": list(row.sets),
            "title": title,
        }
        click.echo(json.dumps(item, ensure_ascii=False))
    else:
        status = "deleted" if row.deleted else "live"
        click.echo(f"{row.local_id}\t{format_datestamp(row.datestamp)}\t{status}\t{title}")
