"""Settings: defaults, TOML file, OAI_* variables; every setting documented."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from oai.errors import ConfigError
from oai.settings import SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "oaihub.example.toml"


def _flatten(table: dict[str, object], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        if isinstance(value, dict):
            keys |= _flatten(value, f"{prefix}{key}.")
        else:
            keys.add(f"{prefix}{key}")
    return keys


def test_every_setting_is_documented_in_the_example_config() -> None:
    documented = _flatten(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    declared = {s.key for s in SETTINGS}
    assert declared - documented == set(), "settings missing from the example config"
    assert documented - declared == set(), "example config has keys no setting declares"
    assert all(s.help for s in SETTINGS)


def test_example_config_loads_with_defaults() -> None:
    settings = load_settings(EXAMPLE, env={})
    assert all(settings[s.key] == s.default for s in SETTINGS)


def test_defaults_without_config_use_a_local_sqlite_file() -> None:
    settings = load_settings(env={})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/oaihub.sqlite")


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'database_url = "sqlite:///from-file.sqlite"\n[repository]\nname = "File"\n'
        'page_size = 50\n[[sources]]\nid = "p"\nbase_url = "http://127.0.0.1:1/oai"\n'
    )
    env = {
        "OAI_CONFIG": str(config),
        "OAI_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/test",
        "OAI_REPOSITORY__PAGE_SIZE": "25",
        "OAI_REPOSITORY__ADMIN_EMAIL": "a@127.0.0.1,b@127.0.0.1",
    }
    settings = load_settings(env=env)
    assert settings.database_url == env["OAI_DATABASE_URL"]
    assert settings["repository.name"] == "File"
    assert settings["repository.page_size"] == 25
    assert settings["repository.admin_email"] == ["a@127.0.0.1", "b@127.0.0.1"]
    assert settings.source("p").metadata_prefix == "oai_dc"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "unknown setting 'colour'"),
        ("[repository]\npage_size = 'ten'\n", "repository.page_size must be int"),
        ("[[sources]]\nid = 'x'\n", "'base_url' is required"),
        ("[[sources]]\nid = 'x'\nbase_url = 'u'\nfoo = 1\n", "unknown key 'foo'"),
        ("not toml = = 1\n", "c.toml"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config, env={})


def test_missing_file_and_bad_env_value() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/oaihub.toml", env={})
    with pytest.raises(ConfigError, match="OAI_REPOSITORY__PAGE_SIZE"):
        load_settings(env={"OAI_REPOSITORY__PAGE_SIZE": "many"})
