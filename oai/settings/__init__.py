"""Typed settings: defaults, then the TOML file (`OAI_CONFIG` or `oai --config`), then
`OAI_*` environment variables, then overrides given in code.

Every setting is declared once, on the field of its typed, frozen object
(`sections.py`: `read_timeout: float = setting(60.0, "help", at_least=0.01)`); the
table `SETTINGS` (`table.py`) and `config/oaihub.example.toml` (`example.py`) are made
from those declarations. Code reads them as attributes: `settings.harvest.read_timeout`
is a float, never a string looked up and cast. A value of the wrong type is refused
when the settings are made, with the file (or variable), the key and the type expected; so is a bad
`[[sources]]` table (`sources.py`). Environment variables are the TOML key in upper case
with dots as double underscores: `repository.name` -> `OAI_REPOSITORY__NAME`, plus the
short aliases of `ENV_ALIASES`; lists in variables are comma-separated or JSON.

Copies with some values changed are made with `dataclasses.replace`, checked the same
way: `replace(settings, secret_key=...)`, `replace(settings.harvest, workers=0)`.
"""

from oai.settings.loading import load_settings
from oai.settings.sections import (
    AdminSettings,
    HarvestSettings,
    NotifySettings,
    RepositorySettings,
    SchedulerSettings,
    Settings,
    WebSettings,
)
from oai.settings.sources import SOURCE_KEYS, SourceSettings
from oai.settings.table import ENV_ALIASES, SETTINGS
from oai.settings.values import Setting

__all__ = [
    "ENV_ALIASES",
    "SETTINGS",
    "SOURCE_KEYS",
    "AdminSettings",
    "HarvestSettings",
    "NotifySettings",
    "RepositorySettings",
    "SchedulerSettings",
    "Setting",
    "Settings",
    "SourceSettings",
    "WebSettings",
    "load_settings",
]
