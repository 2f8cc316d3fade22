"""The hub's database schema: the record store's tables and the harvester's, one history.

The record store declares its tables (`records.db.metadata`), the harvester its own
(`oai.harvest.runlog.tables`); the Alembic migrations in `oai/migrations` make and change
them, in one revision history, so a database of any earlier version upgrades in place
with its data.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from oai.errors import DatabaseUnreachable

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "missing_schema", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` (Alembic)."""
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if value is None else str(value)


def head_revision() -> str:
    """The newest revision of the migrations shipped (what `oai db upgrade` reaches)."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    return head or ""


def missing_schema(url: str) -> str | None:
    """Why the database at `url` holds no oaihub schema yet, or None when it does;
    `DatabaseUnreachable` when it does not answer.

    Creates nothing: a SQLite file that does not exist is not opened (opening would make
    an empty one), and a database is only asked for its revision."""
    parsed = make_url(url)
    database = parsed.database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    if parsed.get_backend_name() == "sqlite" and on_disk and not Path(database).is_file():
        return f"the file {database} does not exist"
    engine = create_engine(parsed, poolclass=NullPool)
    try:
        revision = current_revision(engine)
    except OperationalError as exc:  # the server, not the schema: say so, not "no schema"
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnreachable(reason) from None
    finally:
        engine.dispose()
    return None if revision else "it holds no oaihub schema"
