"""`[[sources]]` tables: every key checked by type, errors that say where and what."""

from __future__ import annotations

from pathlib import Path

import pytest

from oai.errors import ConfigError
from oai.settings import SourceSettings, load_settings

GOOD = 'id = "p"\nbase_url = "http://127.0.0.1:1/oai"\n'


def load(tmp_path: Path, *tables: str) -> tuple[Path, tuple[SourceSettings, ...]]:
    config = tmp_path / "partners.toml"
    config.write_text("".join(f"[[sources]]\n{t}\n" for t in tables), encoding="utf-8")
    return config, load_settings(config, env={}).sources


def refused(tmp_path: Path, *tables: str) -> tuple[Path, str]:
    config = tmp_path / "partners.toml"
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, *tables)
    return config, str(caught.value)


def test_a_source_with_every_key_is_read_into_typed_values(tmp_path: Path) -> None:
    _, sources = load(
        tmp_path,
        GOOD + 'name = "P"\nmetadata_prefix = "mods"\nsets = ["physics", "maths"]\n'
        'schedule = "0 3 * * *"\nmatch = ["identifier"]\nenabled = false\n',
        'id = "q"\nbase_url = "http://127.0.0.1:2/oai"\n',
    )
    assert sources[0] == SourceSettings(
        id="p",
        base_url="http://127.0.0.1:1/oai",
        metadata_prefix="mods",
        name="P",
        sets=("physics", "maths"),
        schedule="0 3 * * *",
        match=("identifier",),
        enabled=False,
    )
    assert sources[1] == SourceSettings(id="q", base_url="http://127.0.0.1:2/oai")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # strings
        ("metadata_prefix = 2", "metadata_prefix must be a string, not an integer: 2"),
        ("name = true", "name must be a string, not a boolean: True"),
        ("schedule = ['0 3 * * *']", "schedule must be a string, not a list: ['0 3 * * *']"),
        # lists of strings: a string is not a list of one-letter sets
        ("sets = 'physics'", "sets must be a list of strings, not a string: 'physics'"),
        ("sets = ['physics', 2]", "sets must be a list of strings, not a list: ['physics', 2]"),
        ("match = 'identifier'", "match must be a list of strings, not a string: 'identifier'"),
        # booleans: the string "false" is not false
        ("enabled = 'false'", "enabled must be true or false, not a string: 'false'"),
        ("enabled = 0", "enabled must be true or false, not an integer: 0"),
    ],
)
def test_a_wrong_type_names_file_source_key_and_expectation(
    tmp_path: Path, line: str, expected: str
) -> None:
    config, message = refused(tmp_path, GOOD + line)
    assert message == f"{config}: [[sources]] 'p': {expected}"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('id = 5\nbase_url = "u"', "id must be a string, not an integer: 5"),
        ('base_url = "u"', "'id' is required"),
        ('id = ""\nbase_url = "u"', "'id' is required"),
    ],
)
def test_a_source_without_a_usable_id_is_named_by_its_number(
    tmp_path: Path, table: str, expected: str
) -> None:
    config, message = refused(tmp_path, GOOD, table)
    assert message == f"{config}: [[sources]] #2: {expected}"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('id = "p"', "'base_url' is required"),
        ('id = "p"\nbase_url = 1', "base_url must be a string, not an integer: 1"),
        (
            GOOD + "colour = 'red'",
            "unknown key 'colour' (known: base_url, data_provider, default_language,",
        ),
    ],
)
def test_missing_and_unknown_keys(tmp_path: Path, table: str, expected: str) -> None:
    config, message = refused(tmp_path, table)
    assert message.startswith(f"{config}: [[sources]] 'p': {expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources = 'p'\n", "sources must be an array of tables ([[sources]])"),
        ("sources = [1]\n", "[[sources]] #1 must be a table, not an integer: 1"),
        (
            f"[[sources]]\n{GOOD}[[sources]]\n{GOOD}",
            "two [[sources]] share the id 'p'",
        ),
    ],
)
def test_the_sources_array_itself(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "partners.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert str(caught.value) == f"{config}: {expected}"


def test_sources_made_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"^source 'p': sets must be a list of strings"):
        SourceSettings(id="p", base_url="u", sets="physics")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^source 'p': enabled must be true or false"):
        SourceSettings(id="p", base_url="u", enabled="false")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^source 'p': 'base_url' is required"):
        SourceSettings(id="p", base_url="")
    assert SourceSettings(id="p", base_url="u", sets=["a"]).sets == ("a",)  # type: ignore[arg-type]
    settings = load_settings(env={})
    with pytest.raises(ConfigError, match="two \\[\\[sources\\]\\] share the id 'p'"):
        settings.with_sources((SourceSettings("p", "u"), SourceSettings("p", "v")))
