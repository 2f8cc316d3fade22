"""Every setting as a row: its TOML key, type, default, help text and range.

The rows are made from the fields of the settings objects (`oai.settings.sections`),
where each setting is declared once; `config/oaihub.example.toml` is written from them
(`python -m oai.settings.example`, checked by a test).
"""

from __future__ import annotations

from oai.settings.sections import SECTIONS, settings_of
from oai.settings.values import Setting

__all__ = ["ENV_ALIASES", "RANGES", "SETTINGS", "settings_of"]

SETTINGS: tuple[Setting, ...] = settings_of("") + tuple(
    s for name in SECTIONS for s in settings_of(name)
)

# short environment variables, besides OAI_<KEY> with "__" for each dot
ENV_ALIASES = {
    "OAI_DATABASE_URL": "database_url",
    "OAI_SECRET_KEY": "secret_key",
    "OAI_DATA_DIR": "data_dir",
    "OAI_ADMIN_PASSWORD_HASH": "admin.password_hash",
}

# The range of each number (bounds included), as declared: a negative page size or a
# zero timeout is refused when the configuration is read, naming the key.
RANGES: dict[str, tuple[float | None, float | None]] = {
    s.key: (s.at_least, s.at_most)
    for s in SETTINGS
    if s.at_least is not None or s.at_most is not None
}
