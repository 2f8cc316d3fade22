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

from tests.databases import PostgresSchemas, migrated_sqlite, sqlite_url
from tests.servers import ReservedPort

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


@pytest.fixture
def free_port() -> Iterator[Callable[[], int]]:
    """Gives free ports on 127.0.0.1 for servers that want a number before they start (a
    child process's), each kept from everyone else until the test ends (tests/servers.py).
    A server the test starts itself binds port 0 instead."""
    reserved: list[ReservedPort] = []

    def take() -> int:
        reserved.append(ReservedPort())
        return reserved[-1].number

    yield take
    for port in reserved:
        port.close()


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


@pytest.fixture(scope="session")
def postgres_schemas(postgres_url: str) -> Iterator[PostgresSchemas]:
    """Schemas at head in the test PostgreSQL, migrated once and reset after each test."""
    schemas = PostgresSchemas(postgres_url)
    yield schemas
    schemas.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind at the schema's head, with no data, for this test alone: a
    copy of a SQLite file migrated once per session; a PG schema reset after each test
    (tests/databases.py). Hubs on it migrate nothing."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path / "test.sqlite")
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    url = schemas.checkout()
    yield url
    schemas.checkin(url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`database_url` for all the tests of a module, for data they only read: a
    module-scoped fixture fills it once and hands it to each test inside
    `tests.databases.unchanged`, which fails a test that changed it."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path_factory.mktemp("shared") / "test.sqlite")
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    url = schemas.checkout()
    yield url
    schemas.checkin(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (no schema at all): for the tests of migrating."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "test.sqlite")
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    schema = schemas.empty()
    yield schemas.url(schema)
    schemas.drop(schema)
