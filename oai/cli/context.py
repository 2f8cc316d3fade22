"""What every `oai` command works with: the settings, and a hub made on first use.

Commands get it one way, `@pass_context` (the click context object that `main` makes);
modules that add commands import it from here, never from `oai.cli` itself.

The configuration file is found in this order (`discover_config`): `--config FILE`,
then `$OAI_CONFIG`, then `oaihub.toml` in the working directory, then
`config/demo.toml` in the working directory: the file `make run` uses, so that `oai
harvest demo-partner` in the checkout sees what the running service sees. Without any,
the defaults (a SQLite file in ./var).

A command opens only a database that holds oaihub's schema: one that would have to be
made (a SQLite file that does not exist, an empty PostgreSQL database) is refused with
what was looked for and where, and `oai db upgrade` makes it (`oai run`, the demo,
makes its own). So a command run from the wrong folder never opens a new empty database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from oai.errors import ConfigError, DatabaseUnreachable
from oai.hub import Hub
from oai.schema import missing_schema
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
        """The hub on the configured database, migrated to the newest schema; a database
        that holds no oaihub schema yet is refused (`migrate=False`: opened as it is, for
        `oai db upgrade`, which makes it)."""
        if self._hub is None:
            if migrate:
                self.require_database()
            self._hub = Hub.from_settings(self.settings, migrate=migrate)
        return self._hub

    def require_database(self) -> None:
        """ClickException unless the configured database holds oaihub's schema."""
        settings = self.settings
        try:
            why = missing_schema(settings.database_url)
        except DatabaseUnreachable as exc:
            raise click.ClickException(
                f"cannot reach the database at {settings.database_display}: {exc}"
                f" (configuration: {self.described_config()})"
            ) from exc
        if why is not None:
            raise click.ClickException(
                f"no oaihub database at {settings.database_display} ({why}); nothing was"
                f" opened or created. Configuration: {self.described_config()}; data"
                f" folder: {settings.data_dir.resolve()}. Create the database with `oai db"
                " upgrade`, or name the configuration of an existing one with --config or"
                " OAI_CONFIG (`oai info` shows what a command opens)."
            )

    def described_config(self) -> str:
        """The configuration file in words: its absolute path, or how none was found."""
        if self.config:
            return str(Path(self.config).resolve())
        return f"none found in {Path.cwd()} (the defaults)"

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()


pass_context = click.make_pass_decorator(Context)
