"""`oai info`: what a command here opens: the configuration, the database, the data.

Reads only: a database that does not exist yet is reported, not made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from oai.cli.context import Context, pass_context
from oai.errors import DatabaseUnreachable
from oai.harvest.runlog import RunLog
from oai.schema import current_revision, head_revision, missing_schema

__all__ = ["info_command"]


@click.command("info")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@pass_context
def info_command(ctx: Context, as_json: bool) -> None:
    """Which configuration file, database, data folder and schema a command here uses,
    and how many records and sources the database holds."""
    facts = gather(ctx)
    if as_json:
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    for label, value in _lines(facts):
        click.echo(f"{label:20s} {value}")


def gather(ctx: Context) -> dict[str, Any]:
    """The facts `oai info` shows, as JSON-ready values (None: no database yet)."""
    settings = ctx.settings
    config = str(Path(ctx.config).resolve()) if ctx.config else None
    facts: dict[str, Any] = {
        "config_file": config,
        "database_url": settings.database_display,
        "data_dir": str(settings.data_dir.resolve()),
        "schema": {"current": None, "newest": head_revision()},
        "database_missing": None,
        "database_unreachable": None,
        "records": None,
        "sources": {"configured": len(settings.sources), "in_database": None},
    }
    try:
        facts["database_missing"] = missing_schema(settings.database_url)
    except DatabaseUnreachable as exc:
        facts["database_unreachable"] = str(exc)
        return facts
    if facts["database_missing"] is None:
        hub = ctx.hub(migrate=False)  # read as it is: info changes nothing
        facts["schema"]["current"] = current_revision(hub.engine)
        if facts["schema"]["current"] == facts["schema"]["newest"]:
            stats = hub.store.stats()
            facts["records"] = {"live": stats["records"], "deleted": stats["deleted"]}
            facts["sources"]["in_database"] = _sources_in(hub)
    return facts


def _sources_in(hub: Any) -> int:
    return len(RunLog(hub.engine).sources.all())


def _lines(facts: dict[str, Any]) -> list[tuple[str, str]]:
    schema = facts["schema"]
    if facts["database_unreachable"] is not None:
        state = f"unknown: the database cannot be reached ({facts['database_unreachable']})"
    elif facts["database_missing"] is not None:
        state = f"no database yet ({facts['database_missing']}): `oai db upgrade` makes it"
    elif schema["current"] == schema["newest"]:
        state = f"{schema['current']} (the newest)"
    else:
        state = f"{schema['current']}, the newest is {schema['newest']}: run `oai db upgrade`"
    records = facts["records"]
    sources = facts["sources"]
    return [
        ("configuration file", facts["config_file"] or "none found (the defaults)"),
        ("database", facts["database_url"]),
        ("data folder", facts["data_dir"]),
        ("schema", state),
        (
            "records",
            f"{records['live']} live, {records['deleted']} deleted" if records else "-",
        ),
        (
            "sources",
            f"{sources['configured']} configured"
            + (
                f", {sources['in_database']} in the database"
                if sources["in_database"] is not None
                else ""
            ),
        ),
    ]
