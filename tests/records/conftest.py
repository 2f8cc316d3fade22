"""Fixtures of the record store tests: a migrated store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest

from records.db import create_store_engine
from records.model import Record
from records.store import Rendering, Store

T0 = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = create_store_engine(database_url)  # at head already
    yield Store(engine, identifier_prefix="oai:test:")
    engine.dispose()


def rec(local_id: str, title: str = "T", **extra: object) -> Record:
    return Record.from_dict({"id": local_id, "title": title, **extra})


def dc_renderer(record: Record) -> Mapping[str, Rendering]:
    return {"oai_dc": (f"<dc>{record.title}</dc>".encode(), "v1")}
