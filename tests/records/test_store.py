"""The store on SQLite and PostgreSQL: versions, tombstones, sets, keyset paging."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from oai.schema import current_revision, upgrade
from records import store as store_module
from records.db import create_store_engine
from records.errors import RecordNotFound, StoreError
from records.model import Record
from records.store import Cursor, ListQuery, Rendering, Store

T0 = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield Store(engine, identifier_prefix="oai:test:")
    engine.dispose()


def rec(local_id: str, title: str = "T", **extra: object) -> Record:
    return Record.from_dict({"id": local_id, "title": title, **extra})


def dc_renderer(record: Record) -> Mapping[str, Rendering]:
    return {"oai_dc": (f"<dc>{record.title}</dc>".encode(), "v1")}


def test_migration_reaches_head_and_is_idempotent(database_url: str) -> None:
    engine = create_store_engine(database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    head = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == head is not None
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path}/x.sqlite")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_unchanged_reimport_keeps_datestamp_and_version(store: Store) -> None:
    first = store.put(rec("a"), now=T0)
    again = store.put(rec("a"), now=T0 + timedelta(hours=1))
    assert first.status == "added" and again.status == "unchanged"
    assert again.datestamp == T0 and again.version == 1
    assert len(store.versions("a")) == 1


def test_change_moves_datestamp_and_keeps_previous_version(store: Store) -> None:
    store.put(rec("a", "Old"), now=T0)
    later = T0 + timedelta(minutes=5)
    result = store.put(rec("a", "New"), now=later, reason="edit", actor="alice")
    assert (result.status, result.version, result.datestamp) == ("updated", 2, later)
    versions = store.versions("a")
    assert [(v.version, v.reason, v.content["title"]) for v in versions] == [
        (1, "import", "Old"),
        (2, "edit", "New"),
    ]
    assert versions[1].actor == "alice" and versions[1].created_at == later
    assert store.get("a").title == "New"
    assert store.get("a").header is not None
    assert store.get("a").header.datestamp == later  # type: ignore[union-attr]


def test_delete_leaves_a_tombstone_and_undelete_restores(store: Store) -> None:
    store.put(rec("a"), renderer=dc_renderer, now=T0)
    gone = store.delete("a", now=T0 + timedelta(seconds=1))
    assert gone.status == "deleted"
    assert store.delete("a").status == "unchanged"
    record = store.get("a")
    assert record.header is not None and record.header.deleted
    assert store.prefixes_of("a") == set()
    (row,) = store.list_records(ListQuery(prefix="oai_dc"))
    assert row.deleted and row.xml is None
    back = store.put(rec("a"), renderer=dc_renderer, now=T0 + timedelta(seconds=2))
    assert back.status == "undeleted" and not store.get("a").header.deleted  # type: ignore[union-attr]
    assert [v.deleted for v in store.versions("a")] == [False, True, False]
    with pytest.raises(RecordNotFound):
        store.delete("missing")


def test_sets_are_hierarchical_and_listed_per_record(store: Store) -> None:
    store.put(rec("a", collections=[{"spec": "cold-war:cuba", "name": "Cuba"}]), now=T0)
    store.put(
        rec(
            "b",
            origin={"kind": "harvested", "source_id": "nacr", "remote_identifier": "oai:nacr:1"},
        ),
        now=T0,
    )
    specs = {s.spec: s.name for s in store.sets()}
    assert specs["cold-war"] == "cold-war" and specs["cold-war:cuba"] == "Cuba"
    assert "partners:nacr" in specs and "partners" in specs
    assert store.get("a").header.sets == ("cold-war", "cold-war:cuba")  # type: ignore[union-attr]
    parent = store.list_records(ListQuery(set_spec="cold-war"))
    assert [r.local_id for r in parent] == ["a"]
    assert [r.local_id for r in store.list_records(ListQuery(set_spec="partners"))] == ["b"]
    assert store.find_by_origin("nacr", "oai:nacr:1") is not None


def test_keyset_pages_cover_everything_once_with_filters(store: Store) -> None:
    for i in range(25):
        store.put(
            rec(f"r{i:02d}", collections=[{"spec": "even" if i % 2 else "odd"}]),
            renderer=dc_renderer,
            now=T0 + timedelta(seconds=i // 3),
        )
    seen: list[str] = []
    after: Cursor | None = None
    while page := store.list_records(ListQuery(prefix="oai_dc", after=after, limit=4)):
        seen.extend(r.local_id for r in page)
        assert all(r.xml is not None for r in page)
        after = page[-1].cursor
    assert seen == [f"r{i:02d}" for i in range(25)]
    window = ListQuery(from_=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=4))
    assert store.count(window) == 9
    in_set = ListQuery(set_spec="even", from_=T0 + timedelta(seconds=2), limit=100)
    assert [r.local_id for r in store.list_records(in_set)] == [
        f"r{i:02d}" for i in range(6, 25) if i % 2
    ]
    assert store.count(ListQuery(set_spec="even")) == 12


def test_listing_uses_the_keyset_index(store: Store) -> None:
    # a page must be an index range scan from the cursor, never a sort of the whole table
    for i in range(50):
        store.put(rec(f"r{i}"), now=T0 + timedelta(seconds=i))
    captured: list[tuple[str, object]] = []

    def capture(conn: object, cursor: object, sql: str, params: object, *rest: object) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            captured.append((sql, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    store.list_records(ListQuery(after=Cursor(T0 + timedelta(seconds=40), 40), limit=5))
    event.remove(store.engine, "before_cursor_execute", capture)
    pages = [(sql, params) for sql, params in captured if "FROM records" in sql]
    assert len(pages) == 2  # the rest of the cursor's second, then later seconds
    with store.engine.connect() as conn:
        for sql, params in pages:
            if conn.dialect.name == "sqlite":
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()  # type: ignore[arg-type]
                detail = " | ".join(str(row[-1]) for row in plan)
                assert "SEARCH records USING INDEX ix_records_keyset" in detail, detail
                assert "TEMP B-TREE" not in detail, detail
            else:
                conn.exec_driver_sql("SET enable_sort = off")
                plan = conn.exec_driver_sql("EXPLAIN " + sql, params).all()  # type: ignore[arg-type]
                detail = " ".join(str(row[0]) for row in plan)
                assert "ix_records_keyset" in detail and "Sort" not in detail, detail


def test_a_failed_batch_leaves_nothing(store: Store) -> None:
    def broken(record: Record) -> Mapping[str, Rendering]:
        if record.id == "b":
            raise StoreError("renderer failed")
        return dc_renderer(record)

    with pytest.raises(StoreError):
        store.put_many([rec("a"), rec("b")], renderer=broken)
    assert not store.exists("a") and not store.exists("b")
    assert store.stats()["versions"] == 0


def test_stale_renderings_are_found_and_replaced(store: Store) -> None:
    store.put(rec("a"), renderer=dc_renderer)
    assert store.stale_renderings("oai_dc", "v1") == []
    assert store.stale_renderings("oai_dc", "v2") == ["a"]
    store.replace_renderings("a", {"oai_dc": (b"<dc>new</dc>", "v2")})
    assert store.stale_renderings("oai_dc", "v2") == []
    listed = store.get_listed("a", "oai_dc")
    assert listed is not None and listed.xml == b"<dc>new</dc>"


def test_earliest_datestamp_and_stats(store: Store) -> None:
    assert store.earliest_datestamp() is None
    store.put(rec("a"), now=T0 + timedelta(days=1))
    store.put(rec("b"), now=T0)
    store.delete("b", now=T0 + timedelta(days=2))
    assert store.earliest_datestamp() == T0 + timedelta(days=1)
    assert store.stats() == {"records": 1, "deleted": 1, "versions": 3, "sets": 0}
    assert [r.id for r in store.iter_records(batch=1)] == ["a", "b"]


def test_a_deep_page_reads_no_more_than_a_shallow_one(tmp_path: object) -> None:
    # SQLite's virtual-machine steps, counted by its progress handler: a deep page that
    # re-read the list from its start (or from `from`) would cost many times the first
    engine = create_store_engine(f"sqlite:///{tmp_path}/deep.sqlite")
    upgrade(engine)
    store = Store(engine)
    batch = [rec(f"r{i:05d}") for i in range(3000)]
    for start in range(0, 3000, 500):  # 500 records share each second
        store.put_many(batch[start : start + 500], now=T0 + timedelta(seconds=start // 500))

    def steps(query: ListQuery) -> int:
        count = 0

        def tick() -> int:
            nonlocal count
            count += 1
            return 0

        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.set_progress_handler(tick, 10)  # type: ignore[union-attr]
            try:
                store_module.page_rows(conn, query)
            finally:
                raw.set_progress_handler(None, 10)  # type: ignore[union-attr]
        return count

    window = {"from_": T0, "limit": 20}
    shallow = store.list_records(ListQuery(limit=10))[-1]
    deep = store.list_records(ListQuery(limit=2990))[-1]
    shallow_cost = steps(ListQuery(after=shallow.cursor, **window))
    deep_cost = steps(ListQuery(after=deep.cursor, **window))
    assert deep_cost <= 2 * shallow_cost, (shallow_cost, deep_cost)
    engine.dispose()
