"""A source's settings by id, wherever the source is declared."""

from __future__ import annotations

from oai.hub import Hub
from oai.settings import SourceSettings

__all__ = ["source_settings"]


def source_settings(hub: Hub, source_id: str) -> SourceSettings:
    """The source's settings; `ConfigError` when no configuration declares it."""
    return hub.settings.source(source_id)
