"""The `oai` command: thin wrappers over library functions.

Configuration comes from the TOML file named by `OAI_CONFIG` (or `--config`), with
`OAI_*` environment variables over it. Each part of the service adds its commands to
`main` at the bottom of this module, one line each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from oai.errors import ConfigError
from oai.harvest.commands import harvest_command, history_command, runs_command
from oai.hub import Hub
from oai.importing import ImportSummary, import_paths
from oai.scheduler_commands import scheduler_command
from oai.settings import Settings, load_settings
from oai.web.admin.commands import admin_command
from oai.web.commands import request_command, serve_command
from records.db import current_revision, upgrade
from records.errors import RecordNotFound
from records.model import Record

__all__ = ["main"]


class Context:
    """What every command gets: the settings, and a hub made on first use."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None
        self._hub: Hub | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._settings

    def hub(self, *, migrate: bool = True) -> Hub:
        if self._hub is None:
            self._hub = Hub.from_settings(self.settings, migrate=migrate)
        return self._hub

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    envvar="OAI_CONFIG",
    type=click.Path(dir_okay=False),
    help="TOML config file (default: $OAI_CONFIG; without one, a local SQLite file).",
)
@click.version_option(package_name="oaihub")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """oaihub: record store, crosswalks, OAI-PMH provider and harvester."""
    context = Context(config)
    ctx.obj = context
    ctx.call_on_close(context.close)


# -- db -----------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database schema to the newest revision."""
    hub = ctx.hub(migrate=False)
    before = current_revision(hub.engine)
    upgrade(hub.engine)
    after = current_revision(hub.engine)
    url = hub.engine.url.render_as_string(hide_password=True)
    click.echo(f"{url}: schema {before or 'empty'} -> {after}")


# -- demo ---------------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@pass_context
def demo_load(ctx: Context) -> None:
    """Load the demo records (the seed document and its related documents); idempotent."""
    from oai.demo import load_demo_records

    summary = load_demo_records(ctx.hub())
    click.echo(summary.describe())


# -- records ------------------------------------------------------------------------------


@main.group()
def records() -> None:
    """Records in the store."""


@records.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--batch", default=500, show_default=True, help="Records per transaction.")
@pass_context
def records_import(ctx: Context, paths: tuple[str, ...], batch: int) -> None:
    """Import JSON Lines of the record model, or XML in any inbound format.

    An OAI-PMH GetRecord or ListRecords response imports every record inside it.
    """
    summary: ImportSummary = import_paths(ctx.hub(), [Path(p) for p in paths], batch=batch)
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(summary.describe())
    if summary.failed and not (summary.added or summary.updated or summary.unchanged):
        sys.exit(1)


@records.command("show")
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
        click.echo(render_record(hub, record, fmt))


def render_record(hub: Hub, record: Record, prefix: str) -> str:
    from crosswalks import CrosswalkError

    try:
        fmt = hub.registry.get(prefix)
    except CrosswalkError as exc:
        known = ", ".join(f.prefix for f in hub.registry.outbound())
        raise click.ClickException(f"{exc} (known: json, text, {known})") from None
    if fmt.write is None:
        raise click.ClickException(f"{prefix} can be read but not written")
    if record.header and record.header.deleted:
        raise click.ClickException(f"{record.id} is deleted: no metadata to show")
    return _pretty(fmt.write(hub.record_dict(record)))


def _pretty(xml: bytes) -> str:
    from lxml import etree

    from crosswalks import parse_xml

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


@records.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=0, help="Stop after this many records (0: all).")
@click.option("--deleted/--no-deleted", default=True, help="Include tombstones.")
@pass_context
def records_list(ctx: Context, as_json: bool, limit: int, deleted: bool) -> None:
    """List records in datestamp order (id, datestamp, status, title)."""
    from records.store import ListQuery

    hub = ctx.hub()
    shown, after = 0, None
    while True:
        page = hub.store.list_records(ListQuery(after=after, limit=500))
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


def _echo_listed(hub: Hub, row: Any, as_json: bool) -> None:
    from records.model import format_datestamp

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


# -- crosswalk ----------------------------------------------------------------------------


@main.command("crosswalk")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--to", "prefix", required=True, help="json, or an outbound metadata prefix.")
def crosswalk(file: str, prefix: str) -> None:
    """Convert a document in any inbound format (detected) to another format.

    A document that holds several records (an EAD finding aid, an OAI-PMH response)
    prints each one; `--to json` prints the record model's JSON form, a line each.
    """
    from crosswalks import CrosswalkError, default_registry, read_document, render

    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    registry = default_registry()
    try:
        forms = read_document(data, registry)
        if prefix == "json":
            for form in forms:
                click.echo(json.dumps(form, ensure_ascii=False))
            return
        outputs = [_pretty(render(registry, prefix, form)) for form in forms]
    except CrosswalkError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo("\n".join(outputs), nl=False)
    if len(forms) > 1:
        click.echo(f"{len(forms)} records", err=True)


# -- run --------------------------------------------------------------------------------


@main.command("run")
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


main.add_command(serve_command)
main.add_command(request_command)
main.add_command(scheduler_command)
main.add_command(harvest_command)
main.add_command(runs_command)
records.add_command(history_command)
main.add_command(admin_command)
