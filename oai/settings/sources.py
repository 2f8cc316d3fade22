"""`[[sources]]`: the partner archives to harvest, each table checked key by key.

Every key of a source table is declared once, on its field of `SourceSettings` (type,
default or REQUIRED, help, range); `SOURCE_KEYS` is the table made from those fields.
An unknown key, a missing key or a value of the wrong type is a ConfigError naming the
file, the source (its id, or its number when it has none), the key and what was
expected. `read_table` knows nothing of sources: a partner
kind with keys of its own declares its table and object and is read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.settings.aggregators import check_language, check_rights
from oai.settings.paths import local_path
from oai.settings.values import REQUIRED, Setting, convert_fields, declared, describe, setting

__all__ = ["KINDS", "SOURCE_KEYS", "SourceSettings", "read_sources", "read_table"]

# The partner kinds a source can be: each has its module in `oai.harvest.kinds.KINDS`
# (a test keeps the two equal; settings cannot import the harvester).
KINDS = ("oai-pmh", "aron", "files")


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """One `[[sources]]` table: a partner archive to harvest."""

    id: str = setting(REQUIRED, "Stable id, used in logs and set names (partners:<id>).")
    base_url: str = setting(
        REQUIRED,
        "The partner's OAI-PMH base URL (aron: its API base; files: a file, directory,"
        " glob or one http(s) URL).",
    )
    metadata_prefix: str = setting("oai_dc", "Any inbound format of the crosswalk registry.")
    name: str = setting("", "Shown on the admin pages; empty: the id.")
    sets: tuple[str, ...] = setting(
        (), "Sets harvested, each as its own stream; none: all records."
    )
    schedule: str = setting("", "Cron in UTC for `oai scheduler`; empty: manual runs only.")
    match: tuple[str, ...] = setting((), "Keys linking partner records to local ones.")
    enabled: bool = setting(True, "false: kept in the configuration, never harvested.")
    kind: str = setting(
        "oai-pmh", "Partner kind: oai-pmh, aron (ARON's REST API), or files (exported files)."
    )
    types: tuple[str, ...] = setting((), "aron: entity types swept, one list each; none: all.")
    page_size: int = setting(
        500, "aron: ids asked for per listview page.", at_least=1, at_most=10_000
    )
    max_concurrency: int = setting(2, "aron: requests in flight at most.", at_least=1, at_most=8)
    pause_seconds: float = setting(
        0.25, "aron: pause after each request, per slot.", at_least=0, at_most=60
    )
    data_provider: str = setting("", "edm:dataProvider of its records; empty: the name.")
    default_rights: str = setting("", "Europeana rights URI for its records without one.")
    default_language: str = setting("", "Language of its records that state none.")
    search_window: int = setting(
        10_000,
        "aron (ARON 2.0 API): the portal's search page window (from + size).",
        at_least=10,
        at_most=1_000_000,
    )

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
        check_rights(self.default_rights, f"{where}: 'default_rights'")
        check_language(self.default_language, f"{where}: 'default_language'")


SOURCE_KEYS: tuple[Setting, ...] = declared(SourceSettings, "")


def read_sources(value: object, path: Path) -> tuple[SourceSettings, ...]:
    """The `sources` array of a TOML file, every table checked (ConfigError: every error
    of every table, one a line). A files source's relative path is the file's folder's."""
    if not isinstance(value, list):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    read: list[SourceSettings] = []
    problems: list[str] = []
    for index, table in enumerate(value):
        try:
            read.append(_read_source(table, index, path))
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    sources = tuple(_in_folder(source, path.parent) for source in read)
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


def _in_folder(source: SourceSettings, folder: Path) -> SourceSettings:
    if source.kind != "files":
        return source
    return replace(source, base_url=local_path(source.base_url, folder.resolve()))


def _label(table: object, index: int) -> str:
    """The source's id when it has a usable one, else its number in the file."""
    source_id = table.get("id") if isinstance(table, dict) else None
    return repr(source_id) if isinstance(source_id, str) and source_id else f"#{index + 1}"


def read_table(table: Mapping[str, object], keys: Sequence[Setting], where: str) -> dict[str, Any]:
    """Every key of `keys` from a TOML table, converted, defaults filled in; else ConfigError."""
    known = {key.key for key in keys}
    listed = ", ".join(sorted(known))
    problems = [
        f"{where}: unknown key {name!r} (known: {listed})" for name in sorted(set(table) - known)
    ]
    values: dict[str, Any] = {}
    for key in keys:
        try:
            if key.key in table:
                values[key.name] = key.convert(table[key.key], where)
            elif not key.required:
                values[key.name] = key.convert(key.default, where)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        if key.required and not values.get(key.name):
            problems.append(f"{where}: {key.key!r} is required")
    if problems:  # every error of the table at once
        raise ConfigError("\n".join(problems))
    return values
