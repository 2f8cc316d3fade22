"""Loading settings: the file, OAI_* variables and overrides, each checked by type."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from oai.errors import ConfigError
from oai.settings import SOURCE_KEYS, load_settings

KNOWN_SOURCE_KEYS = ", ".join(sorted(k.key for k in SOURCE_KEYS))


def write(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "c.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        'database_url = "sqlite:///from-file.sqlite"\n[repository]\nname = "File"\n'
        'page_size = 50\n[[sources]]\nid = "p"\nbase_url = "http://127.0.0.1:1/oai"\n',
    )
    env = {
        "OAI_CONFIG": str(config),
        "OAI_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/test",
        "OAI_REPOSITORY__PAGE_SIZE": "25",
        "OAI_REPOSITORY__ADMIN_EMAIL": "a@127.0.0.1,b@127.0.0.1",
    }
    settings = load_settings(env=env)
    assert settings.config_path == config
    assert settings.database_url == env["OAI_DATABASE_URL"]
    assert settings.repository.name == "File"
    assert settings.repository.page_size == 25
    assert settings.repository.admin_email == ("a@127.0.0.1", "b@127.0.0.1")
    assert settings.source("p").metadata_prefix == "oai_dc"


def test_overrides_come_last(tmp_path: Path) -> None:
    config = write(tmp_path, "[harvest]\nworkers = 4\n")
    env = {"OAI_HARVEST__WORKERS": "3"}
    settings = load_settings(config, env=env, overrides={"harvest.workers": 0})
    assert settings.harvest.workers == 0
    assert load_settings(config, env=env).harvest.workers == 3
    assert load_settings(config, env={}).harvest.workers == 4
    assert load_settings(env={}, overrides={"harvest__workers": 1}).harvest.workers == 1


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("OAI_HARVEST__READ_TIMEOUT", "2.5", 2.5),
        ("OAI_HARVEST__READ_TIMEOUT", "7", 7.0),
        ("OAI_HARVEST__SWEEP_MAX_SHARE", "0.25", 0.25),
        ("OAI_REPOSITORY__PAGE_SIZE", "7", 7),
        ("OAI_SCHEDULER__POLL_SECONDS", " 2 ", 2),
        ("OAI_DATA_DIR", "/srv/oaihub", Path("/srv/oaihub")),
        ("OAI_REPOSITORY__NAME", "A hub, with a comma", "A hub, with a comma"),
        ("OAI_ADMIN__API_TOKENS", '["t,1", "t2"]', ("t,1", "t2")),
        ("OAI_ADMIN__API_TOKENS", "t1, t2,", ("t1", "t2")),
        ("OAI_ADMIN__API_TOKENS", "", ()),
        ("OAI_REPOSITORY__FRIENDS", "http://127.0.0.1:1/oai", ("http://127.0.0.1:1/oai",)),
        ("OAI_REPOSITORY__ADMIN_EMAIL", "one@example.org", ("one@example.org",)),
        ("OAI_REPOSITORY__ADMIN_EMAIL", '["a@example.org", "b@example.org"]', None),
        ("OAI_ADMIN_PASSWORD_HASH", "scrypt:x", "scrypt:x"),
    ],
)
def test_environment_values_are_parsed_into_their_types(
    name: str, raw: str, expected: object
) -> None:
    settings = load_settings(env={name: raw})
    value = {
        "OAI_HARVEST__READ_TIMEOUT": settings.harvest.read_timeout,
        "OAI_HARVEST__SWEEP_MAX_SHARE": settings.harvest.sweep_max_share,
        "OAI_REPOSITORY__PAGE_SIZE": settings.repository.page_size,
        "OAI_SCHEDULER__POLL_SECONDS": settings.scheduler.poll_seconds,
        "OAI_DATA_DIR": settings.data_dir,
        "OAI_REPOSITORY__NAME": settings.repository.name,
        "OAI_ADMIN__API_TOKENS": settings.admin.api_tokens,
        "OAI_REPOSITORY__FRIENDS": settings.repository.friends,
        "OAI_REPOSITORY__ADMIN_EMAIL": settings.repository.admin_email,
        "OAI_ADMIN_PASSWORD_HASH": settings.admin.password_hash,
    }[name]
    if expected is None:
        expected = ("a@example.org", "b@example.org")
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("OAI_REPOSITORY__PAGE_SIZE", "many", "repository.page_size must be an integer"),
        ("OAI_REPOSITORY__PAGE_SIZE", "2.5", "repository.page_size must be an integer"),
        ("OAI_HARVEST__READ_TIMEOUT", "soon", "harvest.read_timeout must be a number"),
        ("OAI_ADMIN__API_TOKENS", '["a", 1]', "admin.api_tokens must be a list of strings"),
        ("OAI_ADMIN__API_TOKENS", '["a"', "admin.api_tokens must be a list of strings"),
    ],
)
def test_a_bad_environment_value_names_the_variable_key_and_type(
    name: str, raw: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{name}: {message}, not "):
        load_settings(env={name: raw})


def test_test_and_other_variables_are_ignored() -> None:
    env = {"OAI_TEST_POSTGRES_URL": "x", "OAI_CONFIG": "", "OTHER": "y", "OAIX": "z"}
    assert load_settings(env=env) == load_settings(env={})


def test_an_unknown_variable_is_reported_like_an_unknown_key() -> None:
    # issue 27: a misspelt variable was silently ignored (it was: this test said so)
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"OAI_HARVEST__MAXRETRIES": "9"})
    assert str(caught.value) == (
        "OAI_HARVEST__MAXRETRIES: unknown setting 'harvest.maxretries'"
        " (did you mean OAI_HARVEST__MAX_RETRIES?)"
    )
    with pytest.raises(ConfigError, match=r"^OAI_COLOUR: unknown setting 'colour'$"):
        load_settings(env={"OAI_COLOUR": "blue"})


def test_every_error_of_the_file_and_the_variables_is_reported_at_once(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "colour = 1\n[repository]\npage_size = 'ten'\nname = 5\n"
        "[[sources]]\nid = 'a'\nbase_url = 'http://127.0.0.1:1/oai'\nsets = 'x'\nenabled = 'no'\n"
        "[[sources]]\nbase_url = 'http://127.0.0.1:1/oai'\nextra = 1\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={"OAI_HARVEST__WORKERS": "many", "OAI_TYPO": "1"})
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{config}: [[sources]] 'a': sets must be a list of strings, not a string: 'x'",
        f"{config}: [[sources]] 'a': enabled must be true or false, not a string: 'no'",
        f"{config}: [[sources]] #2: unknown key 'extra' (known: {KNOWN_SOURCE_KEYS})",
        f"{config}: [[sources]] #2: 'id' is required",
        f"{config}: unknown setting 'colour'",
        f"{config}: repository.page_size must be an integer, not a string: 'ten'",
        f"{config}: repository.name must be a string, not an integer: 5",
        "OAI_HARVEST__WORKERS: harvest.workers must be an integer, not 'many'",
        "OAI_TYPO: unknown setting 'typo'",
    ]


def test_relative_paths_in_a_file_are_read_from_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "hub"
    folder.mkdir()
    config = folder / "oaihub.toml"
    config.write_text(
        'data_dir = "var"\n[harvest]\nfile_roots = ["exports", "/abs"]\n'
        '[[sources]]\nid = "f"\nkind = "files"\nbase_url = "exports/*.xml"\n'
        '[[sources]]\nid = "o"\nbase_url = "http://127.0.0.1:1/oai"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_settings(Path("..") / "hub" / "oaihub.toml", env={})
    assert settings.data_dir == folder / "var"
    assert settings.database_url == f"sqlite:///{folder / 'var' / 'oaihub.sqlite'}"
    assert settings.harvest.file_roots == (str(folder / "exports"), "/abs")
    assert settings.source("f").base_url == str(folder / "exports" / "*.xml")
    assert settings.source("o").base_url == "http://127.0.0.1:1/oai"
    named = write(tmp_path, 'database_url = "sqlite:///db/hub.sqlite"\n')
    expected = f"sqlite:///{tmp_path / 'db' / 'hub.sqlite'}"
    assert load_settings(named, env={}).database_url == expected
    from_env = load_settings(config, env={"OAI_DATA_DIR": "here"})
    assert from_env.data_dir == Path("here"), "a variable's path is the working directory's"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "unknown setting 'colour'"),
        ("[colours]\nred = 1\n", "unknown setting 'colours.red'"),
        ("[repository]\npage_size = 'ten'\n", "repository.page_size must be an integer, not a"),
        ("[repository]\npage_size = true\n", "repository.page_size must be an integer, not a"),
        ("[repository]\npage_size = 2.5\n", "repository.page_size must be an integer, not a"),
        ("[harvest]\nread_timeout = 'slow'\n", "harvest.read_timeout must be a number, not a"),
        ("[harvest]\nread_timeout = false\n", "harvest.read_timeout must be a number, not a"),
        ("[repository]\nname = 5\n", "repository.name must be a string, not an integer"),
        ("data_dir = 1\n", "data_dir must be a path \\(a string\\), not an integer"),
        ("secret_key = ['a']\n", "secret_key must be a string, not a list"),
        ("[repository]\nfriends = 'x'\n", "repository.friends must be a list of strings, not a"),
        ("[admin]\napi_tokens = [1]\n", "admin.api_tokens must be a list of strings, not a list"),
        (
            "[repository]\nadmin_email = 5\n",
            "repository.admin_email must be a string or a list of strings, not an integer",
        ),
        ("[repository]\nadmin_email = ['a@b.c', 2]\n", "admin_email must be a string or a list"),
        ("not toml = = 1\n", "line 1"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(config, env={})
    assert str(caught.value).startswith(f"{config}: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('admin_email = "one@example.org"', ("one@example.org",)),
        ('admin_email = ["one@example.org"]', ("one@example.org",)),
        ('admin_email = ["a@example.org", "b@example.org"]', ("a@example.org", "b@example.org")),
    ],
)
def test_admin_email_is_one_string_or_a_list(
    tmp_path: Path, text: str, expected: tuple[str, ...]
) -> None:
    config = write(tmp_path, f"[repository]\n{text}\n")
    assert load_settings(config, env={}).repository.admin_email == expected
    with_override = load_settings(env={}, overrides={"repository.admin_email": expected[0]})
    assert with_override.repository.admin_email == expected[:1]


def test_values_are_converted_to_their_declared_types(tmp_path: Path) -> None:
    config = write(tmp_path, "[harvest]\nread_timeout = 5\n[repository]\nfriends = []\n")
    settings = load_settings(config, env={})
    assert settings.harvest.read_timeout == 5.0
    assert isinstance(settings.harvest.read_timeout, float)
    assert settings.repository.friends == ()


def test_missing_file_and_bad_override() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/oaihub.toml", env={})
    with pytest.raises(ConfigError, match=r"^override: harvest\.workers must be an integer"):
        load_settings(env={}, overrides={"harvest.workers": "2"})
    with pytest.raises(ConfigError, match=r"^override: unknown setting 'harvest\.colour'"):
        load_settings(env={}, overrides={"harvest__colour": 1})


def test_copies_are_checked_like_loaded_settings() -> None:
    settings = load_settings(env={})
    copy = replace(settings, secret_key="s", harvest=replace(settings.harvest, workers=0))
    assert (copy.secret_key, copy.harvest.workers, settings.harvest.workers) == ("s", 0, 2)
    assert replace(settings.repository, admin_email=["a@b.c"]).admin_email == ("a@b.c",)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^HarvestSettings: harvest\.read_timeout must be a"):
        replace(settings.harvest, read_timeout="slow")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^Settings: secret_key must be a string"):
        replace(settings, secret_key=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^Settings: harvest must be a HarvestSettings"):
        replace(settings, harvest=settings.scheduler)  # type: ignore[arg-type]


def test_secrets_stay_out_of_the_repr() -> None:
    overrides = {
        "secret_key": "s3cr3t",
        "admin.api_tokens": ["t0k3n"],
        "admin.password_hash": "h4sh",
    }
    text = repr(load_settings(env={}, overrides=overrides))
    assert "repository=RepositorySettings(" in text
    assert all(secret not in text for secret in ("s3cr3t", "t0k3n", "h4sh"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[repository]\npage_size = -5\n",
            "repository.page_size must be between 1 and 10000, not -5",
        ),
        ("[repository]\npage_size = 0\n", "repository.page_size must be between 1 and 10000"),
        ("[harvest]\nread_timeout = 0\n", "harvest.read_timeout must be at least 0.01, not 0.0"),
        ("[harvest]\nsweep_max_share = 2\n", "harvest.sweep_max_share must be between 0 and 1"),
        ("[harvest]\nmax_retries = -1\n", "harvest.max_retries must be between 0 and 100"),
        ("[notify]\nsmtp_port = 70000\n", "notify.smtp_port must be between 1 and 65535"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    config = write(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_settings(config, env={})
    assert str(config) in str(caught.value)


def test_an_environment_value_out_of_range_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"OAI_HARVEST__WORKERS: harvest\.workers must be"):
        load_settings(env={"OAI_HARVEST__WORKERS": "-2"})


def test_every_default_lies_in_its_range() -> None:
    from oai.settings.table import RANGES, SETTINGS

    by_key = {s.key: s for s in SETTINGS}
    for key, (low, high) in RANGES.items():
        default = by_key[key].default
        assert isinstance(default, int | float)
        assert (low is None or default >= low) and (high is None or default <= high), key


def test_the_repr_shows_no_database_password_nor_secret() -> None:
    url = "postgresql+psycopg://bob:s3cret-pw@127.0.0.1:5432/test"
    settings = load_settings(env={}, overrides={"database_url": url, "secret_key": "k3y-v4lue"})
    shown = repr(settings)
    assert "bob:***@127.0.0.1:5432/test" in shown
    assert "s3cret-pw" not in shown and "k3y-v4lue" not in shown
    assert settings.database_url == url  # the value itself is whole
