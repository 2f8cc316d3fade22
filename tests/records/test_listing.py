"""The keyset listing on SQLite and PostgreSQL: pages and counts against a naive listing,
the index ranges a page reads, and the work of a deep page (SQLite's VM steps)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from oai.schema import upgrade
from records.db import create_store_engine
from records.listing import Cursor, ListedRecord, Selection
from records.model import Record
from records.store import Rendering, Store
from tests.databases import unchanged
from tests.records.conftest import T0, dc_renderer, rec

FAR = datetime(2099, 1, 1, tzinfo=UTC)
PAGE = 7


def two_formats(record: Record) -> Mapping[str, Rendering]:
    return {**dc_renderer(record), "native": (f"<n>{record.title}</n>".encode(), "v1")}


@pytest.fixture(scope="module")
def filled(shared_database_url: str) -> Iterator[Store]:
    """Records in hierarchical sets, tombstones, records that lack a format, and a bulk
    import that gave a dozen records one second (pages end inside that second); made
    once a module."""
    engine = create_store_engine(shared_database_url)
    store = Store(engine, identifier_prefix="oai:test:")
    for i in range(30):
        spec = "a:b" if i % 2 == 0 else "a:c"
        record = rec(f"r{i:04d}", f"Title {i}", collections=[{"spec": spec}])
        store.put(record, renderer=two_formats, now=T0 + timedelta(minutes=i))
    for i in (3, 4, 17):
        store.delete(f"r{i:04d}", now=T0 + timedelta(days=1, minutes=i))
    for i in range(5):
        store.put(rec(f"dc-only-{i}"), renderer=dc_renderer, now=T0 + timedelta(hours=i))
    bulk = [rec(f"bulk-{i:02d}", collections=[{"spec": "a:b"}]) for i in range(12)]
    store.put_many(bulk, renderer=two_formats, now=T0 + timedelta(minutes=10, seconds=30))
    yield store
    engine.dispose()


@pytest.fixture
def mixed(filled: Store) -> Iterator[Store]:
    """The filled store, which the tests only read."""
    with unchanged(filled.engine):
        yield filled


def naive(store: Store, selection: Selection) -> list[tuple[str, datetime, bool, tuple[str, ...]]]:
    """The list as its definition says, from every record read one by one."""
    rows = []
    for position, record in enumerate(store.iter_records()):  # in pk order
        header = record.header
        assert header is not None
        stamp = header.datestamp
        if selection.set_spec is not None and selection.set_spec not in header.sets:
            continue
        if selection.from_ is not None and stamp < selection.from_:
            continue
        if selection.until is not None and stamp > selection.until:
            continue
        prefix = selection.prefix
        if prefix is not None and not header.deleted and prefix not in store.prefixes_of(record.id):
            continue
        rows.append(((stamp, position), (record.id, stamp, header.deleted, header.sets)))
    return [row for _key, row in sorted(rows)]


def walk(store: Store, selection: Selection, *, xml: bool) -> list[ListedRecord]:
    got: list[ListedRecord] = []
    after: Cursor | None = None
    while page := store.listing.page(selection, after, PAGE, xml=xml):
        assert len(page) <= PAGE
        got += page
        after = page[-1].cursor
    return got


SELECTIONS = [
    Selection(),
    Selection(until=T0 + timedelta(minutes=20)),
    Selection(set_spec="a:b", until=FAR),
    Selection(from_=T0 + timedelta(minutes=5), until=FAR),
    Selection(set_spec="a", from_=T0, until=T0 + timedelta(days=1, minutes=4)),
    Selection(from_=T0 + timedelta(minutes=10, seconds=30)),  # from the bulk's second
]


@pytest.mark.parametrize("prefix", [None, "oai_dc", "native"])
@pytest.mark.parametrize("selection", SELECTIONS)
def test_pages_and_counts_match_the_naive_listing(
    mixed: Store, prefix: str | None, selection: Selection
) -> None:
    selection = Selection(prefix, selection.set_spec, selection.from_, selection.until)
    expected = naive(mixed, selection)
    got = walk(mixed, selection, xml=prefix is not None)
    assert [(r.local_id, r.datestamp, r.deleted, r.sets) for r in got] == expected
    assert mixed.listing.count(selection) == len(expected)
    for row in got:
        if prefix is None or row.deleted:
            assert row.xml is None
        else:
            wanted = two_formats(mixed.get(row.local_id))[prefix][0]
            assert row.xml == wanted
    assert [r.local_id for r in walk(mixed, selection, xml=False)] == [r[0] for r in expected]
    assert all(r.xml is None for r in walk(mixed, selection, xml=False))


def test_a_cursor_before_from_lists_the_whole_selection(mixed: Store) -> None:
    selection = Selection(prefix="oai_dc", from_=T0 + timedelta(minutes=12))
    early = Cursor(T0, 1)
    assert mixed.listing.page(selection, early, 50) == mixed.listing.page(selection, None, 50)


@pytest.mark.parametrize("after", [None, Cursor(T0 + timedelta(minutes=10, seconds=30), 40)])
def test_titles_come_when_asked(mixed: Store, after: Cursor | None) -> None:
    selection = Selection(prefix="oai_dc")
    titled = mixed.listing.page(selection, after, 20, xml=True, title=True)
    plain = mixed.listing.page(selection, after, 20, xml=True)
    assert [r._replace(title=None) for r in titled] == plain and len(plain) == 20
    assert [r.title for r in titled] == [mixed.get(r.local_id).title for r in titled]
    assert all(r.title is None for r in plain)


def test_xml_needs_a_prefix(store: Store) -> None:
    with pytest.raises(ValueError, match="prefix"):
        store.listing.page(Selection(), xml=True)


def test_one_listed_record(store: Store) -> None:
    origin = {"kind": "harvested", "source_id": "nacr", "remote_identifier": "oai:nacr:1"}
    store.put(
        rec("a", "Alpha", collections=[{"spec": "z"}, {"spec": "b:c"}], origin=origin),
        renderer=dc_renderer,
        now=T0,
    )
    store.put(rec("gone"), renderer=dc_renderer, now=T0)
    store.delete("gone", now=T0 + timedelta(seconds=1))
    row = store.listing.get("a", "oai_dc")
    assert row is not None
    assert (row.local_id, row.datestamp, row.deleted, row.title) == ("a", T0, False, "Alpha")
    assert row.sets == ("b", "b:c", "partners", "partners:nacr", "z")
    assert row.xml == b"<dc>Alpha</dc>" and row.origin is not None
    assert row.origin.remote_identifier == "oai:nacr:1"
    assert store.listing.get("a") == row._replace(xml=None)
    assert store.listing.get("a", "mods") == row._replace(xml=None)
    gone = store.listing.get("gone", "oai_dc")
    assert gone is not None and gone.deleted and gone.xml is None and gone.origin is None
    assert store.listing.get("missing", "oai_dc") is None


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on the engine inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: object, cursor: object, sql: str, params: Any, *rest: object) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def test_a_list_size_never_counts_the_whole_list(mixed: Store) -> None:
    # completeListSize: the kept counts, then at most three index ranges of bounded length
    for selection, size in (
        (Selection(prefix="oai_dc", until=FAR), 35 + 12),
        (Selection(prefix="native", until=T0), 1),
        (Selection(prefix="oai_dc", set_spec="a", until=FAR), None),
        (Selection(prefix="oai_dc", from_=T0, until=FAR), None),
    ):
        with statements(mixed.engine) as seen:
            counted = mixed.listing.count(selection)
        assert counted == mixed.listing.count_scan(selection)
        if size is not None:
            assert counted == size
        ranged = [sql for sql, _ in seen if "list_counts" not in sql]
        assert 1 <= len(ranged) <= 3
        assert all("LIMIT" in sql for sql in ranged), ranged


def test_an_empty_store_counts_zero(store: Store) -> None:
    assert store.listing.count(Selection(prefix="oai_dc", until=FAR)) == 0
    assert store.listing.count(Selection(set_spec="a")) == 0


def test_a_page_after_a_cursor_seeks_the_keyset_index(store: Store) -> None:
    # two index ranges from the cursor (the rest of its second, then later seconds),
    # never a scan of the table; only the page's rows are sorted
    for i in range(50):
        store.put(rec(f"r{i}"), renderer=dc_renderer, now=T0 + timedelta(seconds=i))
    with statements(store.engine) as seen:
        store.listing.page(Selection(prefix="oai_dc"), Cursor(T0 + timedelta(seconds=40), 40), 5)
    ((sql, params),) = seen
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            detail = " | ".join(str(row[-1]) for row in plan)
            assert "SEARCH records USING INDEX ix_records_keyset (datestamp=? AND pk>?)" in detail
            assert "SEARCH records USING INDEX ix_records_keyset (datestamp>?)" in detail, detail
            assert "SCAN records" not in detail, detail
        else:
            conn.exec_driver_sql("SET enable_sort = off")
            plan = conn.exec_driver_sql("EXPLAIN " + sql, params).all()
            detail = " ".join(str(row[0]) for row in plan)
            assert "Index Scan using ix_records_keyset" in detail, detail
            assert "(pk > 40)" in detail and "(datestamp > " in detail, detail
            assert "Seq Scan on records" not in detail, detail


@contextmanager
def vm_steps(engine: Engine) -> Iterator[list[int]]:
    """SQLite's virtual-machine steps (one tick per 10) on the engine inside the block."""
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0

    def checkout(dbapi_conn: Any, *rest: object) -> None:
        dbapi_conn.set_progress_handler(tick, 10)

    def checkin(dbapi_conn: Any, *rest: object) -> None:
        dbapi_conn.set_progress_handler(None, 10)

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield ticks
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


def work(store: Store, call: Callable[[], object]) -> int:
    with vm_steps(store.engine) as ticks:
        call()
    return ticks[0]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'deep.sqlite'}")
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "selection",
    [
        Selection("oai_dc", None, None, FAR),
        Selection("oai_dc", None, T0, FAR),
        Selection("oai_dc", "a:b", T0 + timedelta(seconds=1), FAR),
        Selection("oai_dc", "a", None, FAR),
        Selection(None, None, T0, None),
    ],
)
def test_a_deep_page_does_the_work_of_a_shallow_one(
    sqlite_store: Store, selection: Selection
) -> None:
    """Keyset pages: as many VM steps at depth 1,080 as at depth 50, also when a bulk
    import gave every record one second (the provider's pages read this listing)."""
    records = [
        rec(f"k{i:05d}", collections=[{"spec": "a:b" if i % 2 else "a:c"}]) for i in range(1200)
    ]
    sqlite_store.put_many(records, renderer=dc_renderer, now=T0 + timedelta(seconds=5))
    listed = sqlite_store.listing.page(selection, None, 1200)
    xml = selection.prefix is not None

    def cost(position: int) -> int:
        after = listed[position].cursor
        page = lambda: sqlite_store.listing.page(selection, after, 101, xml=xml)  # noqa: E731
        assert len(page()) == 101
        return work(sqlite_store, page)

    assert cost(len(listed) - 120) <= cost(50) * 1.1 + 5


def test_a_deep_page_over_many_seconds_reads_no_more(sqlite_store: Store) -> None:
    # 500 records a second: a range bounded by `from` instead of the cursor would read
    # every row between them
    batch = [rec(f"r{i:05d}") for i in range(3000)]
    for start in range(0, 3000, 500):
        sqlite_store.put_many(batch[start : start + 500], now=T0 + timedelta(seconds=start // 500))
    selection = Selection(from_=T0)
    listed = sqlite_store.listing.page(selection, None, 3000)
    for shallow, deep in ((10, 2990), (10, 2499), (499, 2499)):
        costs = [
            work(
                sqlite_store,
                lambda at=at: sqlite_store.listing.page(selection, listed[at].cursor, 20),
            )
            for at in (shallow, deep)
        ]
        assert costs[1] <= costs[0] * 1.1 + 5, costs
