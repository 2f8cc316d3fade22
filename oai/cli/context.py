"""What every `oai` command works with: the settings, and a hub made on first use.

Commands get it one way, `@pass_context` (the click context object that `main` makes);
modules that add commands import it from here, never from `oai.cli` itself.
"""

from __future__ import annotations

import click

from oai.errors import ConfigError
from oai.hub import Hub
from oai.settings import Settings, load_settings

__all__ = ["Context", "pass_context"]


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
