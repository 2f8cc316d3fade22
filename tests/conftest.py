"""Fixtures shared by every test package.

`../shared` (schemas, samples, seed) lies beside the project in development and CI, not
on a user's machine: tests that need it skip with a clear reason when it is absent,
except where `OAI_TEST_REQUIRE_SHARED` is set (CI sets it): there a missing `../shared`
fails every test that needs it, as a missing PostgreSQL or Chromium does.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("OAI_TEST_SHARED", ROOT.parent / "shared"))


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the caller's OAI_* settings (a user's OAI_CONFIG or OAI_DATA_DIR
    would point every test at one shared database); OAI_TEST_* steer the suite. Each
    test runs in a folder of its own, so the CLI finds no configuration file there
    (`oai.cli.context.discover_config` looks in the working directory)."""
    for name in list(os.environ):
        if name.startswith("OAI_") and not name.startswith("OAI_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "schemas" / "validate.py").is_file():
        reason = f"../shared is not beside the project ({SHARED}); it holds schemas and samples"
        if os.environ.get("OAI_TEST_REQUIRE_SHARED"):
            pytest.fail(f"{reason}, and OAI_TEST_REQUIRE_SHARED is set")
        pytest.skip(reason)
    return SHARED


@pytest.fixture(scope="session")
def samples_dir(shared_dir: Path) -> Path:
    return shared_dir / "samples"


@pytest.fixture(scope="session")
def schemas_dir(shared_dir: Path) -> Path:
    return shared_dir / "schemas"


@pytest.fixture(scope="session")
def validator(schemas_dir: Path) -> ModuleType:
    """The official offline validator, `../shared/schemas/validate.py`, as a module."""
    spec = importlib.util.spec_from_file_location(
        "oai_shared_validate", schemas_dir / "validate.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def assert_valid(validator: ModuleType) -> Callable[[bytes], None]:
    """Fail the test with every schema error of an OAI-PMH response or a bare record."""

    def check(document: bytes) -> None:
        errors, _warnings = validator.validate_bytes(document)
        assert not errors, "\n".join(f"{line}:{col}: {msg}" for line, col, msg in errors)

    return check


def _postgres_url() -> str:
    return os.environ.get(
        "OAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL; skips without one, except where CI demands it."""
    url = _postgres_url()
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server here
        if os.environ.get("OAI_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required (OAI_TEST_REQUIRE_POSTGRES) but unreachable: {exc}")
        pytest.skip(f"no PostgreSQL reachable at {url}: {exc.__class__.__name__}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind: a temporary SQLite file, a new PG schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
