"""Fixtures of the run log tests: a migrated database of each kind and a log with two sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from oai.harvest.runlog import RunLog
from records.db import create_store_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(database_url)  # at head already
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine: Engine) -> RunLog:
    log = RunLog(engine)
    log.sources.sync(
        [
            ("a", "Archive A", "http://127.0.0.1:1/oai", "oai_dc", '{"sets": []}'),
            ("b", "Archive B", "http://127.0.0.1:2/oai", "oai_dc", "{}"),
        ]
    )
    return log
