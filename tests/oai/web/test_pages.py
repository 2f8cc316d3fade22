"""The provider's page reader agrees with the store's own listing and counting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from oai.hub import Hub
from oai.protocol.model import ListSpec
from oai.web.pages import PageReader
from oai.web.repository import StoreRepository
from records.model import Record
from records.store import ListQuery, Rendering
from tests.oai.protocol.memory import oai_dc
from tests.oai.web.conftest import T0, populate, record

FAR = datetime(2099, 1, 1, tzinfo=UTC)


def only_dc(rec: Record) -> Mapping[str, Rendering]:
    return {"oai_dc": (oai_dc(rec.title), "1")}


@pytest.fixture
def mixed(hub: Hub) -> Hub:
    """Records in sets, tombstones, and records that lack a format."""
    populate(hub, 30)
    for i in (3, 4, 17):
        hub.store.delete(f"r{i:04d}", now=T0 + timedelta(days=1, minutes=i))
    for i in range(5):
        hub.store.put(record(f"dc-only-{i}"), renderer=only_dc, now=T0 + timedelta(hours=i))
    return hub


@pytest.mark.parametrize("prefix", ["oai_dc", "oaihub"])
@pytest.mark.parametrize(
    ("set_spec", "from_", "until"),
    [(None, None, FAR), (None, None, T0 + timedelta(minutes=20)), ("a:b", None, FAR),
     (None, T0 + timedelta(minutes=5), FAR), ("a", T0, T0 + timedelta(days=1, minutes=4))],
)  # fmt: skip
def test_pages_and_counts_match_the_store(
    mixed: Hub, prefix: str, set_spec: str | None, from_: datetime | None, until: datetime
) -> None:
    repo = StoreRepository(mixed.store)
    spec = ListSpec(prefix, set_spec, from_, until)
    query = ListQuery(from_=from_, until=until, set_spec=set_spec, prefix=prefix, limit=7)
    assert repo.count(spec) == mixed.store.count(query)
    got, after = [], None
    while page := repo.page(spec, after, 7, metadata=True):
        got += page
        after = (page[-1].datestamp, page[-1].pk)
    expected, cursor = [], None
    while rows := mixed.store.list_records(
        ListQuery(from_=from_, until=until, set_spec=set_spec, prefix=prefix, after=cursor, limit=7)
    ):
        expected += rows
        cursor = rows[-1].cursor
    assert [(i.local_id, i.datestamp, i.deleted, i.sets) for i in got] == [
        (r.local_id, r.datestamp, r.deleted, r.sets) for r in expected
    ]
    assert [i.metadata for i in got] == [r.xml for r in expected]
    assert len(got) == repo.count(spec)


def test_the_fast_count_is_used_only_for_unrestricted_lists(mixed: Hub) -> None:
    reader = PageReader(mixed.engine)
    assert reader.full_count(ListSpec("oai_dc", None, None, FAR)) == 35
    assert reader.full_count(ListSpec("oaihub", None, None, FAR)) == 30  # 27 live + 3 deleted
    assert reader.full_count(ListSpec("oai_dc", "a", None, FAR)) is None
    assert reader.full_count(ListSpec("oai_dc", None, T0, FAR)) is None
    assert reader.full_count(ListSpec("oai_dc", None, None, T0)) is None
