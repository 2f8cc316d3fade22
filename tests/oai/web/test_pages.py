"""The provider's page reader agrees with the store's own listing and counting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oai.hub import Hub
from oai.protocol.repository import ListSpec
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
    [
        (None, None, FAR),
        (None, None, T0 + timedelta(minutes=20)),
        ("a:b", None, FAR),
        (None, T0 + timedelta(minutes=5), FAR),
        ("a", T0, T0 + timedelta(days=1, minutes=4)),
    ],
)
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


@pytest.mark.parametrize(
    "spec",
    [
        ListSpec("oai_dc", None, None, FAR),
        ListSpec("oai_dc", None, T0, FAR),
        ListSpec("oai_dc", "a:b", T0 + timedelta(seconds=1), FAR),
        ListSpec("oai_dc", "a", None, FAR),
    ],
)
def test_a_deep_page_does_the_work_of_a_shallow_one(tmp_path: Path, spec: ListSpec) -> None:
    """Keyset pages: SQLite executes as many VM steps at depth 1,150 as at depth 50.

    Counted with sqlite3's progress handler (one tick per 100 VM instructions), so the
    test measures work, not time.
    """
    import sqlite3

    from tests.oai.web.conftest import make_hub

    db = tmp_path / "db.sqlite"
    with make_hub(f"sqlite:///{db}", tmp_path) as hub:
        rows = [
            record(f"k{i:05d}", collections=[{"spec": "a:b" if i % 2 else "a:c"}])
            for i in range(1200)
        ]
        hub.store.put_many(rows, renderer=only_dc, now=T0 + timedelta(seconds=5))
        reader = PageReader(hub.engine)
        listed = reader.page(spec, None, 1200, metadata=True)
        shape = (spec.set_spec is not None, spec.from_ is not None, True, True)
        compiled = reader._compiled(shape)
    conn = sqlite3.connect(db)

    def steps(position: int) -> int:
        last = listed[position]
        values = {
            "prefix": spec.prefix,
            "limit": 101,
            "set": spec.set_spec,
            "until": int(FAR.timestamp()),
            "stamp": int(last.datestamp.timestamp()),
            "pk": last.pk,
        }
        if spec.from_ is not None:
            values["from"] = int(spec.from_.timestamp())
        ticks = [0]
        conn.set_progress_handler(lambda: ticks.__setitem__(0, ticks[0] + 1) or 0, 100)
        assert len(conn.execute(compiled.sql, compiled.params(values)).fetchall()) == 101
        conn.set_progress_handler(None, 100)
        return ticks[0]

    deep = len(listed) - 120
    assert steps(deep) <= steps(50) * 1.1 + 5
    conn.close()
