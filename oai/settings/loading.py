"""`load_settings`: defaults, then the TOML file, then `OAI_*` variables, then overrides.

Each layer's values are checked against the table as they are read, so an error names
where the value came from: the file, the environment variable, or "override".
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.settings.sections import Settings, build_settings
from oai.settings.sources import SourceSettings, read_sources
from oai.settings.table import ENV_ALIASES, SETTINGS
from oai.settings.values import Setting

__all__ = ["load_settings"]

_BY_KEY = {s.key: s for s in SETTINGS}
# not settings: the file to read, and the test suite's own switches
_NOT_SETTINGS = ("OAI_CONFIG",)
_TEST_PREFIX = "OAI_TEST_"


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults <- TOML file (`path` or `$OAI_CONFIG`) <- `OAI_*` variables <- overrides.

    `overrides` maps dotted keys (`"harvest.read_timeout"`, or `harvest__read_timeout`)
    to values, checked like the file's.
    """
    env = os.environ if env is None else env
    values = {s.key: s.convert(s.default, "defaults") for s in SETTINGS}
    found = path or env.get("OAI_CONFIG")
    config_path = Path(found) if found else None
    sources: tuple[SourceSettings, ...] = ()
    if config_path is not None:
        table = _read_toml(config_path)
        sources = read_sources(table.pop("sources", []), config_path)
        values.update(_checked(_flatten(table), str(config_path)))
    values.update(_from_env(env))
    values.update(_checked({k.replace("__", "."): v for k, v in (overrides or {}).items()}))
    return build_settings(values, sources, config_path)


def _known(key: str, where: str) -> Setting:
    if key not in _BY_KEY:
        raise ConfigError(f"{where}: unknown setting {key!r}")
    return _BY_KEY[key]


def _checked(values: Mapping[str, object], where: str = "override") -> dict[str, object]:
    return {key: _known(key, where).convert(value, where) for key, value in values.items()}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    """The settings named by `OAI_*` variables; names that are no setting are ignored."""
    values: dict[str, object] = {}
    for name, raw in env.items():
        if not name.startswith("OAI_") or name in _NOT_SETTINGS or name.startswith(_TEST_PREFIX):
            continue
        key = ENV_ALIASES.get(name) or name[4:].lower().replace("__", ".")
        if key in _BY_KEY:
            values[key] = _BY_KEY[key].parse(raw, name)
    return values


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
