"""The settings table: every setting documented, and the typed objects agree with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from oai.errors import ConfigError
from oai.settings import SETTINGS, SOURCE_KEYS, Settings, load_settings
from oai.settings.sections import check_against_the_table
from oai.settings.values import INT, Setting

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "oaihub.example.toml"


def _flatten(table: dict[str, object], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        if isinstance(value, dict):
            keys |= _flatten(value, f"{prefix}{key}.")
        else:
            keys.add(f"{prefix}{key}")
    return keys


def value_of(settings: Settings, key: str) -> object:
    """A setting by its table key: only the table's own tests walk the table this way."""
    section, _, name = key.rpartition(".")
    return getattr(getattr(settings, section) if section else settings, name)


def test_every_setting_is_documented_in_the_example_config() -> None:
    documented = _flatten(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    declared = {s.key for s in SETTINGS}
    assert declared - documented == set(), "settings missing from the example config"
    assert documented - declared == set(), "example config has keys no setting declares"
    assert all(s.help for s in SETTINGS)


def test_every_source_key_is_documented_in_the_example_config() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[text.index("# [[sources]]") :]
    documented = set(re.findall(r"^# (\w+) = ", block, flags=re.MULTILINE))
    assert documented == {key.key for key in SOURCE_KEYS}
    assert all(key.help for key in SOURCE_KEYS)


def test_example_config_loads_with_the_defaults_typed() -> None:
    settings = load_settings(EXAMPLE, env={})
    for setting in SETTINGS:
        if setting.key == "data_dir":  # relative: from the file's folder
            assert settings.data_dir == EXAMPLE.parent.resolve() / "var"
        elif setting.key != "database_url":  # resolved: see the next test
            value = value_of(settings, setting.key)
            assert value == setting.type.convert(setting.default), setting.key
            assert isinstance(value, setting.type.convert(setting.default).__class__)


def test_defaults_without_config_use_a_local_sqlite_file() -> None:
    settings = load_settings(env={})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/oaihub.sqlite")
    assert settings.data_dir == Path("var")


def test_the_section_objects_agree_with_the_table() -> None:
    check_against_the_table()  # also runs at import; here so that a failure is a test's


def test_the_example_config_is_written_from_the_declarations() -> None:
    from oai.settings.example import example_toml

    assert EXAMPLE.read_text(encoding="utf-8") == example_toml(), (
        "run: python -m oai.settings.example > config/oaihub.example.toml"
    )


def test_each_documented_range_is_the_enforced_one() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for setting in SETTINGS:
        if setting.at_least is not None:
            assert f"({setting.range()}.)" in " ".join(text.replace("# ", "").split())
            with pytest.raises(ConfigError, match=setting.key):
                load_settings(env={}, overrides={setting.key: _below(setting.at_least)})


def _below(low: float) -> object:
    return int(low) - 1 if float(low).is_integer() else low / 2


def test_a_default_of_the_wrong_type_fails_at_declaration() -> None:
    with pytest.raises(Exception, match=r"x\.size must be an integer, not a string: '3'"):
        Setting("x.size", INT, "3", "A size.")
