"""`[[sources]]`: the partner archives to harvest, each table checked key by key.

`SOURCE_KEYS` declares every key of a source table once (type, default or REQUIRED,
help), as `SETTINGS` does for the settings; `SourceSettings` has one field per key and
is checked against it at import. An unknown key, a missing key or a value of the wrong
type is a ConfigError naming the file, the source (its id, or its number when it has
none), the key and what was expected. `read_table` knows nothing of sources: a partner
kind with keys of its own declares its table and object and is read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.settings.values import (
    BOOL,
    FLOAT,
    INT,
    REQUIRED,
    STR,
    STRINGS,
    Setting,
    check_fields,
    convert_fields,
    describe,
)

__all__ = ["KINDS", "SOURCE_KEYS", "SourceSettings", "read_sources", "read_table"]

# The partner kinds a source can be: each has its module in `oai.harvest.kinds.KINDS`
# (a test keeps the two equal; settings cannot import the harvester).
KINDS = ("oai-pmh", "aron", "files")

SOURCE_KEYS: tuple[Setting, ...] = (
    Setting("id", STR, REQUIRED, "Stable id, used in logs and set names (partners:<id>)."),
    Setting(
        "base_url",
        STR,
        REQUIRED,
        "The partner's OAI-PMH base URL (aron: its API base; files: a file, directory,"
        " glob or one http(s) URL).",
    ),
    Setting(
        "kind",
        STR,
        "oai-pmh",
        "Partner kind: oai-pmh, aron (ARON's REST API), or files (exported files).",
    ),
    Setting("metadata_prefix", STR, "oai_dc", "Any inbound format of the crosswalk registry."),
    Setting("name", STR, "", "Shown on the admin pages; empty: the id."),
    Setting("sets", STRINGS, (), "Sets harvested, each as its own stream; none: all records."),
    Setting("schedule", STR, "", "Cron in UTC for `oai scheduler`; empty: manual runs only."),
    Setting("match", STRINGS, (), "Keys linking partner records to local ones."),
    Setting("enabled", BOOL, True, "false: kept in the configuration, never harvested."),
    Setting("types", STRINGS, (), "aron: entity types swept, one list each; none: all."),
    Setting("page_size", INT, 500, "aron: ids asked for per listview page (1-10000)."),
    Setting("max_concurrency", INT, 2, "aron: requests in flight at most (1-8)."),
    Setting("pause_seconds", FLOAT, 0.25, "aron: pause after each request, per slot."),
    Setting(
        "search_window",
        INT,
        10_000,
        "aron (ARON 2.0 API): the portal's search page window (from + size), 10-1000000.",
    ),
)


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """One `[[sources]]` table: a partner archive to harvest."""

    id: str
    base_url: str
    metadata_prefix: str = "oai_dc"
    name: str = ""
    sets: tuple[str, ...] = ()
    schedule: str = ""
    match: tuple[str, ...] = ()
    enabled: bool = True
    kind: str = "oai-pmh"
    types: tuple[str, ...] = ()
    page_size: int = 500
    max_concurrency: int = 2
    pause_seconds: float = 0.25
    search_window: int = 10_000

    def __post_init__(self) -> None:
        where = f"source {self.id!r}" if isinstance(self.id, str) else "SourceSettings"
        convert_fields(self, SOURCE_KEYS, where)
        for key in SOURCE_KEYS:
            if key.required and not getattr(self, key.name):
                raise ConfigError(f"{where}: {key.key!r} is required")
        if self.kind not in KINDS:
            raise ConfigError(
                f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {self.kind!r}"
            )
        if not 1 <= self.page_size <= 10_000:
            raise ConfigError(f"{where}: 'page_size' must be 1 to 10000, not {self.page_size}")
        if not 1 <= self.max_concurrency <= 8:
            raise ConfigError(f"{where}: 'max_concurrency' must be 1 to 8")
        if not 0 <= self.pause_seconds <= 60:
            raise ConfigError(f"{where}: 'pause_seconds' must be 0 to 60")
        if not 10 <= self.search_window <= 1_000_000:
            raise ConfigError(f"{where}: 'search_window' must be 10 to 1000000")


def read_sources(value: object, path: Path) -> tuple[SourceSettings, ...]:
    """The `sources` array of a TOML file, every table checked."""
    if not isinstance(value, list):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    sources = tuple(_read_source(table, index, path) for index, table in enumerate(value))
    ids = [source.id for source in sources]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"{path}: two [[sources]] share the id {twice[0]!r}")
    return sources


def _read_source(table: object, index: int, path: Path) -> SourceSettings:
    where = f"{path}: [[sources]] {_label(table, index)}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, not {describe(table)}")
    return SourceSettings(**read_table(table, SOURCE_KEYS, where))


def _label(table: object, index: int) -> str:
    """The source's id when it has a usable one, else its number in the file."""
    source_id = table.get("id") if isinstance(table, dict) else None
    return repr(source_id) if isinstance(source_id, str) and source_id else f"#{index + 1}"


def read_table(table: Mapping[str, object], keys: Sequence[Setting], where: str) -> dict[str, Any]:
    """Every key of `keys` from a TOML table, converted, defaults filled in; else ConfigError."""
    known = {key.key for key in keys}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    values: dict[str, Any] = {}
    for key in keys:
        if key.key in table:
            values[key.name] = key.convert(table[key.key], where)
        elif not key.required:
            values[key.name] = key.convert(key.default, where)
        if key.required and not values.get(key.name):
            raise ConfigError(f"{where}: {key.key!r} is required")
    return values


check_fields(SourceSettings, SOURCE_KEYS)
