"""`load_settings`: defaults, then the TOML file, then `OAI_*` variables, then overrides.

Each layer's values are checked against the table as they are read, so an error names
where the value came from: the file, the environment variable, or "override". Every
error of the file and the variables is reported at once, one a line: an unknown key, an
`OAI_*` variable that names no setting, a value of the wrong type or out of range.

Relative paths in the file are read from the file's folder, not from the working
directory: `data_dir = "var"` in `/srv/hub/oaihub.toml` is `/srv/hub/var`, whichever
folder `oai` runs in (so are a SQLite `database_url`, `harvest.file_roots` and a files
source's `base_url`). Relative paths in variables are the working directory's.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.settings.paths import from_folder
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
    to values, checked like the file's. ConfigError lists every error found, one a line.
    """
    env = os.environ if env is None else env
    values = {s.key: s.convert(s.default, "defaults") for s in SETTINGS}
    found = path or env.get("OAI_CONFIG")
    config_path = Path(found) if found else None
    sources: tuple[SourceSettings, ...] = ()
    problems: list[str] = []
    if config_path is not None:
        table = _read_toml(config_path)
        sources = _collect(problems, lambda: read_sources(table.pop("sources", []), config_path))
        checked = _checked(_flatten(table), str(config_path), problems)
        values.update(from_folder(checked, config_path.parent))
    values.update(_from_env(env, problems))
    overridden = {k.replace("__", "."): v for k, v in (overrides or {}).items()}
    values.update(_checked(overridden, "override", problems))
    if problems:
        raise ConfigError("\n".join(problems))
    return build_settings(values, sources or (), config_path)


def _collect(problems: list[str], read: Callable[[], tuple[SourceSettings, ...]]) -> Any:
    try:
        return read()
    except ConfigError as exc:
        problems.append(str(exc))
        return ()


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key, _BY_KEY, n=1)
    return f"unknown setting {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _checked(values: Mapping[str, object], where: str, problems: list[str]) -> dict[str, object]:
    """The values converted to their settings' types; each error added to `problems`."""
    converted: dict[str, object] = {}
    for key, value in values.items():
        setting = _BY_KEY.get(key)
        if setting is None:
            problems.append(f"{where}: {_unknown(key)}")
            continue
        try:
            converted[key] = setting.convert(value, where)
        except ConfigError as exc:
            problems.append(str(exc))
    return converted


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _env_key(name: str) -> str:
    return ENV_ALIASES.get(name) or name[4:].lower().replace("__", ".")


def _from_env(env: Mapping[str, str], problems: list[str]) -> dict[str, object]:
    """The settings named by `OAI_*` variables; a name that is no setting is an error."""
    values: dict[str, object] = {}
    for name, raw in sorted(env.items()):
        if not name.startswith("OAI_") or name in _NOT_SETTINGS or name.startswith(_TEST_PREFIX):
            continue
        key = _env_key(name)
        setting: Setting | None = _BY_KEY.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, _BY_KEY, n=1)
            hint = f" (did you mean OAI_{close[0].upper().replace('.', '__')}?)" if close else ""
            problems.append(f"{name}: unknown setting {key!r}{hint}")
            continue
        try:
            values[key] = setting.parse(raw, name)
        except ConfigError as exc:
            problems.append(str(exc))
    return values


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
