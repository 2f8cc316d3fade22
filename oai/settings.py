"""Settings: defaults, then the TOML file named by `OAI_CONFIG`, then `OAI_*` variables.

Every setting is declared once in `SETTINGS` (its TOML key, its type, its default and a
help text); `tests/oai/test_settings.py` fails when `config/oaihub.example.toml`
does not document one of them. Environment variables are the TOML key in upper case
with dots as double underscores: `repository.name` -> `OAI_REPOSITORY__NAME`, and a
few short aliases (`OAI_DATABASE_URL`, `OAI_SECRET_KEY`, `OAI_ADMIN_PASSWORD_HASH`).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oai.errors import ConfigError

__all__ = ["SETTINGS", "Setting", "Settings", "SourceSettings", "load_settings"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One documented setting."""

    key: str
    type: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", str, "var", "Folder for the SQLite file and other local state."),
    Setting(
        "database_url",
        str,
        "",
        "SQLAlchemy URL; empty means sqlite:///<data_dir>/oaihub.sqlite. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    ),
    Setting("secret_key", str, "", "Signs resumption tokens and admin sessions. Set it."),
    Setting("public_url", str, "", "Public base URL of record pages, used in dc:identifier."),
    Setting("repository.name", str, "oaihub", "repositoryName in Identify."),
    Setting("repository.base_url", str, "", "baseURL in Identify; empty: the request's URL."),
    Setting("repository.identifier", str, "oaihub.localhost", "repositoryIdentifier."),
    Setting("repository.admin_email", list, ["admin@oaihub.localhost"], "adminEmail(s)."),
    Setting("repository.friends", list, [], "baseURLs listed in the friends description."),
    Setting("repository.page_size", int, 100, "Records or headers per list page."),
    Setting("repository.token_ttl_hours", int, 48, "Resumption token lifetime (>= 24)."),
    Setting("repository.max_concurrent_lists", int, 8, "Concurrent list requests per worker."),
    Setting("repository.rate_limit_per_minute", int, 600, "Requests per client and minute."),
    Setting("repository.retry_after_seconds", int, 10, "Retry-After sent with a 503."),
    Setting("harvest.connect_timeout", float, 10.0, "Seconds to connect to a partner."),
    Setting("harvest.read_timeout", float, 60.0, "Seconds to wait for a partner's bytes."),
    Setting("harvest.max_retries", int, 5, "Retries of one request before the stream fails."),
    Setting("harvest.backoff_seconds", float, 2.0, "First backoff; doubles, with jitter."),
    Setting("harvest.max_retry_after", float, 300.0, "Cap on a partner's Retry-After."),
    Setting("harvest.max_response_bytes", int, 100_000_000, "Largest response accepted."),
    Setting("harvest.overlap_seconds", int, 60, "Incremental from = last until - overlap."),
    Setting("harvest.max_empty_pages", int, 5, "Empty pages in a row that fail a stream."),
    Setting("harvest.sweep_max_share", float, 0.10, "Most a full-harvest sweep may delete."),
    Setting(
        "harvest.workers",
        int,
        2,
        "Processes that crosswalk and render large pages ahead (0: all in one process).",
    ),
    Setting("scheduler.misfire_grace_seconds", int, 3600, "Late job runs still allowed."),
    Setting("scheduler.heartbeat_seconds", int, 30, "How often a run proves it is alive."),
    Setting("scheduler.stale_after_seconds", int, 300, "Silent runs older than this failed."),
    Setting("scheduler.max_failures", int, 3, "Consecutive failures that mark a failing source."),
    Setting("scheduler.poll_seconds", int, 5, "How often the queue of manual runs is read."),
    Setting("admin.password_hash", str, "", "werkzeug password hash of the admin password."),
    Setting("admin.api_tokens", list, [], "Tokens accepted in the X-API-Token header."),
    Setting("admin.max_login_attempts", int, 5, "Failed logins per client and 15 minutes."),
)
_BY_KEY = {s.key: s for s in SETTINGS}
_ALIASES = {
    "OAI_DATABASE_URL": "database_url",
    "OAI_SECRET_KEY": "secret_key",
    "OAI_DATA_DIR": "data_dir",
    "OAI_ADMIN_PASSWORD_HASH": "admin.password_hash",
}


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

    @classmethod
    def from_table(cls, table: Mapping[str, Any], index: int) -> SourceSettings:
        where = f"sources[{index}]"
        unknown = set(table) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        for key in ("id", "base_url"):
            if not isinstance(table.get(key), str) or not table[key]:
                raise ConfigError(f"{where}: {key!r} is required")
        return cls(
            id=table["id"],
            base_url=table["base_url"],
            metadata_prefix=str(table.get("metadata_prefix", "oai_dc")),
            name=str(table.get("name", "")),
            sets=tuple(table.get("sets", ())),
            schedule=str(table.get("schedule", "")),
            match=tuple(table.get("match", ())),
            enabled=bool(table.get("enabled", True)),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, flat by dotted key, plus the `[[sources]]` list."""

    values: Mapping[str, Any]
    sources: tuple[SourceSettings, ...] = ()
    config_path: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def database_url(self) -> str:
        url = str(self.values["database_url"])
        if url:
            return url
        return f"sqlite:///{Path(self.values['data_dir']).resolve() / 'oaihub.sqlite'}"

    def source(self, source_id: str) -> SourceSettings:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(f"no source with id {source_id!r} in the configuration")

    def replace(self, **values: Any) -> Settings:
        """A copy with some dotted keys changed (used by tests and `oai run`)."""
        merged = dict(self.values)
        for key, value in values.items():
            dotted = key.replace("__", ".")
            _check_type(_known(dotted), value, "argument")
            merged[dotted] = value
        return Settings(merged, self.sources, self.config_path)

    def with_sources(self, sources: tuple[SourceSettings, ...]) -> Settings:
        return Settings(self.values, sources, self.config_path)


def _known(key: str) -> Setting:
    if key not in _BY_KEY:
        raise ConfigError(f"unknown setting {key!r}")
    return _BY_KEY[key]


def _check_type(setting: Setting, value: Any, where: str) -> Any:
    if setting.type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, setting.type) or (setting.type is int and isinstance(value, bool)):
        raise ConfigError(
            f"{where}: {setting.key} must be {setting.type.__name__}, not {type(value).__name__}"
        )
    return value


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith("OAI_") or name in ("OAI_CONFIG",) or name.startswith("OAI_TEST_"):
            continue
        key = _ALIASES.get(name) or name[4:].lower().replace("__", ".")
        if key not in _BY_KEY:
            continue
        values[key] = _parse_env(_BY_KEY[key], raw, name)
    return values


def _parse_env(setting: Setting, raw: str, name: str) -> Any:
    try:
        if setting.type is str:
            return raw
        if setting.type is list:
            return json.loads(raw) if raw.startswith("[") else [p for p in raw.split(",") if p]
        if setting.type is bool:
            return raw.lower() in ("1", "true", "yes", "on")
        return setting.type(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: cannot read {raw!r} as {setting.type.__name__}") from exc


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults <- TOML file (`path` or `$OAI_CONFIG`) <- `OAI_*` variables <- overrides."""
    env = os.environ if env is None else env
    values = {s.key: s.default for s in SETTINGS}
    config_path = (
        Path(path or env.get("OAI_CONFIG") or "") if (path or env.get("OAI_CONFIG")) else None
    )
    sources: tuple[SourceSettings, ...] = ()
    if config_path is not None:
        table = _read_toml(config_path)
        raw_sources = table.pop("sources", [])
        if not isinstance(raw_sources, list):
            raise ConfigError(f"{config_path}: 'sources' must be an array of tables")
        sources = tuple(SourceSettings.from_table(t, i) for i, t in enumerate(raw_sources))
        for key, value in _flatten(table).items():
            values[key] = _check_type(_known(key), value, str(config_path))
    values.update(_from_env(env))
    for key, value in (overrides or {}).items():
        dotted = key.replace("__", ".")
        values[dotted] = _check_type(_known(dotted), value, "override")
    ids = [s.id for s in sources]
    if len(ids) != len(set(ids)):
        raise ConfigError("two [[sources]] share one id")
    return Settings(values, sources, config_path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
