"""Migration 0014: records stored before it are found by every descriptive field.

The database is made at revision 0004 and filled as that release wrote it
(`schema_0004`), then upgraded to head: the search text of the stored records is made
by the migration, and the new full-text index answers for them; a downgrade puts the
index of 0007 back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine

from oai.schema import current_revision, upgrade
from records.db import create_store_engine
from records.search import RecordSearch, SearchQuery
from tests.oai.schema_0004 import REVISION, fill
from tests.oai.test_schema import _config


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(empty_database_url)
    upgrade(engine, REVISION)
    fill(engine)
    yield engine
    engine.dispose()


def _ids(engine: Engine, words: str) -> list[str]:
    return [r.local_id for r in RecordSearch(engine).page(SearchQuery(text=words)).rows]


def test_records_stored_before_are_found_after_the_upgrade(engine: Engine) -> None:
    upgrade(engine)
    assert _ids(engine, "Příbram") == ["fonds-2"]
    assert _ids(engine, "pribrami") == ["fonds-2"], "folded and stemmed"
    assert _ids(engine, "chronicle") == ["partner-7"]
    assert _ids(engine, "oai:partner:7") == ["partner-7"], "the partner's identifier"


def test_downgrade_puts_the_title_index_back(engine: Engine) -> None:
    upgrade(engine)
    command.downgrade(_config(engine), "0012")
    assert current_revision(engine) == "0012"
    upgrade(engine)
    assert _ids(engine, "pribram") == ["fonds-2"]
