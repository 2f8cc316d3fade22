"""What every `oai` command works with: the settings, and a hub made on first use.

Commands get it one way, `@pass_context` (the click context object that `main` makes);
modules that add commands import it from here, never from `oai.cli` itself.

The configuration file is found in this order (`discover_config`): `--config FILE`,
then `$OAI_CONFIG`, then `oaihub.toml` in the working directory, then
`config/demo.toml` in the working directory: the file `make run` uses, so that `oai
harvest demo-partner` in the checkout sees what the running service sees. Without any,
the defaults (a SQLite file in ./var).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from oai.errors import ConfigError
from oai.hub import Hub
from oai.settings import Settings, load_settings

__all__ = ["LOCAL_CONFIGS", "Context", "discover_config", "pass_context"]

# files looked for in the working directory, in order, when none is named
LOCAL_CONFIGS = (Path("oaihub.toml"), Path("config") / "demo.toml")


def discover_config(given: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The configuration file to load: given, $OAI_CONFIG, or one in the working directory."""
    env = os.environ if env is None else env
    if given:
        return given
    if env.get("OAI_CONFIG"):
        return env["OAI_CONFIG"]
    for candidate in LOCAL_CONFIGS:
        if candidate.is_file():
            return str(candidate)
    return None


class Context:
    """What every command gets: the settings, and a hub made on first use."""

    def __init__(self, config: str | None) -> None:
        self.config = discover_config(config)
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
