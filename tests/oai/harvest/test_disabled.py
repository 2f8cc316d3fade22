"""A source disabled in the configuration is neither harvested nor shown as enabled."""

from __future__ import annotations

from pathlib import Path

import pytest

from oai.errors import ConfigError
from oai.harvest.harvester import run_harvest, sync_sources
from oai.hub import Hub
from oai.settings import SourceSettings, load_settings


def test_disabled_source_is_refused_and_marked(tmp_path: Path) -> None:
    settings = load_settings(env={"OAI_DATA_DIR": str(tmp_path)}).with_sources(
        (
            SourceSettings(id="on", base_url="http://127.0.0.1:9/oai"),
            SourceSettings(id="off", base_url="http://127.0.0.1:9/oai", enabled=False),
        )
    )
    both_on = settings.with_sources(
        tuple(SourceSettings(id=s.id, base_url=s.base_url) for s in settings.sources)
    )
    with Hub.from_settings(both_on, migrate=True) as hub:
        sync_sources(hub)  # "off" was enabled once: its row, runs and records stay
    with Hub.from_settings(settings) as hub:
        with pytest.raises(ConfigError, match="disabled"):
            run_harvest(hub, "off")
        log = sync_sources(hub)
        assert {s.id: s.enabled for s in log.sources.all()} == {"on": True, "off": False}
