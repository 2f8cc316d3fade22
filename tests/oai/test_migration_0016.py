"""Migration 0016: the hierarchy of the records stored before it is filled in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, func, select

from oai.schema import current_revision, upgrade
from records import tables as t
from records.db import create_store_engine
from tests.oai.schema_0004 import REVISION, fill
from tests.oai.test_schema import _config


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(empty_database_url)
    upgrade(engine, REVISION)
    fill(engine)
    yield engine
    engine.dispose()


def test_every_live_record_stored_before_gets_its_parent_and_level(engine: Engine) -> None:
    upgrade(engine)
    r, p = t.records.c, t.record_parents.c
    with engine.connect() as conn:
        count = select(func.count()).select_from(t.records).where(r.deleted.is_(False))
        live = conn.execute(count).scalar_one()
        query = select(r.local_id, p.level).join(t.record_parents, p.record_pk == r.pk)
        levels = {row.local_id: row.level for row in conn.execute(query)}
    assert live > 0 and len(levels) == live
    assert "fonds-2" in levels


def test_downgrade_drops_the_table(engine: Engine) -> None:
    upgrade(engine)
    command.downgrade(_config(engine), "0015")
    assert current_revision(engine) == "0015"
    command.upgrade(_config(engine), "0016")
    assert current_revision(engine) == "0016"
