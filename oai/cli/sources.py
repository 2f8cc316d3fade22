"""`oai sources`: the partner archives, from the command line, by the admin pages' rules.

`list`, `show ID`, `add`, `edit ID`, `enable ID`, `disable ID`, `test ID`, `remove ID`;
`--json` where a script reads the answer. Sources of the configuration file are shown
and tested but changed only in the file. Every change is audited as the operating
system's user ("cli:<user>").
"""

from __future__ import annotations

import getpass
import json
from typing import Any

import click

from oai.cli.context import Context, pass_context
from oai.harvest import SourceEntry, source_entries, table_of
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.source_admin import (
    AFTER_REMOVAL,
    SourceRefused,
    entry_of,
    records_of,
    remove_source,
    save_source,
    set_enabled,
    source_of_values,
    test_connection,
)

__all__ = ["sources_command"]


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a container
        return "cli"


def _summary(hub: Hub, entry: SourceEntry, counts: dict[str, int]) -> dict[str, Any]:
    source = entry.settings
    last = RunLog(hub.engine).runs.newest(source_id=source.id, limit=1)
    return {
        **table_of(source),
        "origin": entry.origin,
        "records": counts.get(source.id, 0),
        "last_run": (
            {"id": last[0].id, "status": last[0].status, "started_at": str(last[0].started_at)}
            if last
            else None
        ),
    }


def _values(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: KEY=VALUE", param_hint="--set")
        values[key.strip()] = value
    return values


def _refused(action: Any) -> Any:
    try:
        return action()
    except SourceRefused as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("sources")
def sources_command() -> None:
    """The partner archives: list, show, add, edit, enable, disable, test, remove."""


@sources_command.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@pass_context
def list_sources(ctx: Context, as_json: bool) -> None:
    """Every source, configured or added in the browser, with its records and last run."""
    hub = ctx.hub()
    counts = hub.store.live_counts_by_source()
    rows = [_summary(hub, e, counts) for e in source_entries(hub)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        last = row["last_run"]
        state = "enabled" if row["enabled"] else "disabled"
        run = f"run {last['id']} {last['status']}" if last else "never run"
        click.echo(
            f"{row['id']:<20} {row['kind']:<8} {state:<8} {row['origin']:<13} "
            f"{row['records']:>8} records  {run}  {row['base_url']}"
        )


@sources_command.command("show")
@click.argument("source_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(ctx: Context, source_id: str, as_json: bool) -> None:
    """One source: its settings, where it comes from, its records and last run."""
    hub = ctx.hub()
    entry = entry_of(hub, source_id)
    if entry is None:
        raise click.ClickException(f"no source {source_id!r}")
    row = _summary(hub, entry, hub.store.live_counts_by_source())
    if as_json:
        click.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    for key, value in row.items():
        click.echo(f"{key}: {value}")


@sources_command.command("add")
@click.option("--id", "source_id", required=True, help="A short plain name (partners:<id>).")
@click.option("--base-url", required=True, help="OAI-PMH base URL, ARON API, or files.")
@click.option("--kind", default="oai-pmh", show_default=True, help="oai-pmh, aron or files.")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", help="Any other key.")
@click.option("--test/--no-test", default=False, help="Test the connection before saving.")
@pass_context
def add(
    ctx: Context, source_id: str, base_url: str, kind: str, pairs: tuple[str, ...], test: bool
) -> None:
    """Add a source (stored in the database, as the admin pages do)."""
    hub = ctx.hub()
    values = {"enabled": "true", **_values(pairs), "id": source_id, "base_url": base_url}
    values["kind"] = kind
    source = _refused(lambda: source_of_values(hub, values))
    if test:
        _report(test_connection(hub, source), fail=True)
    _refused(lambda: save_source(hub, source, who=_who(), adding=True))
    click.echo(f"source {source_id} added")


@sources_command.command("edit")
@click.argument("source_id")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", required=True)
@pass_context
def edit(ctx: Context, source_id: str, pairs: tuple[str, ...]) -> None:
    """Change keys of a source added in the browser or with `add`."""
    hub = ctx.hub()
    entry = entry_of(hub, source_id)
    if entry is None:
        raise click.ClickException(f"no source {source_id!r}")
    current = {k: _text(v) for k, v in table_of(entry.settings).items()}
    values = {**current, **_values(pairs), "id": source_id}
    source = _refused(lambda: source_of_values(hub, values))
    change = _refused(lambda: save_source(hub, source, who=_who(), adding=False))
    click.echo(f"source {source_id} saved" if change else "nothing changed")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


@sources_command.command("enable")
@click.argument("source_id")
@pass_context
def enable(ctx: Context, source_id: str) -> None:
    """Harvest the source again on its schedule."""
    _refused(lambda: set_enabled(ctx.hub(), source_id, True, who=_who()))
    click.echo(f"source {source_id} enabled")


@sources_command.command("disable")
@click.argument("source_id")
@pass_context
def disable(ctx: Context, source_id: str) -> None:
    """Keep the source, never harvest it."""
    _refused(lambda: set_enabled(ctx.hub(), source_id, False, who=_who()))
    click.echo(f"source {source_id} disabled")


@sources_command.command("test")
@click.argument("source_id")
@pass_context
def test(ctx: Context, source_id: str) -> None:
    """Test the connection as a run would begin (exit 1 when it fails)."""
    hub = ctx.hub()
    entry = entry_of(hub, source_id)
    if entry is None:
        raise click.ClickException(f"no source {source_id!r}")
    _report(test_connection(hub, entry.settings), fail=True)


def _report(result: Any, *, fail: bool) -> None:
    click.echo(("ok: " if result.ok else "failed: ") + result.summary)
    for key, value in result.details.items():
        click.echo(f"  {key}: {value}")
    if fail and not result.ok:
        raise SystemExit(1)


@sources_command.command("remove")
@click.argument("source_id")
@click.option(
    "--records",
    type=click.Choice(AFTER_REMOVAL),
    help="What becomes of its records: tombstone (served as deleted) or keep (local).",
)
@pass_context
def remove(ctx: Context, source_id: str, records: str | None) -> None:
    """Remove a source added in the browser or with `add` (its runs stay)."""
    hub = ctx.hub()
    if records is None:
        count = records_of(hub, source_id)
        raise click.ClickException(
            f"{source_id} has {count} live records: say what becomes of them with "
            "--records tombstone (served as deleted) or --records keep (local records)"
        )
    removed = _refused(
        lambda: remove_source(hub, source_id, records=records, who=_who())  # type: ignore[arg-type]
    )
    fate = "kept as local records" if removed.kept else "served as deleted"
    click.echo(f"source {source_id} removed; its {removed.records} records are {fate}")
