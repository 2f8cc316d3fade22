"""The list sizes the database keeps (records.counts) equal a count of each list, always."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from records import counts
from records import tables as t
from records.bulk import BULK_FROM
from records.errors import StoreError
from records.listing import Selection
from records.model import Record
from records.store import Rendering, Store
from records.writer import BatchWriter
from tests.records.conftest import T0, rec

SETS = ("a", "a:x", "a:y", "b")
PREFIXES = ("oai_dc", "mods", "marc21")


def _renderer(formats: tuple[str, ...]) -> object:
    def render(record: Record) -> Mapping[str, Rendering]:
        return {p: (f"<{p}>{record.title}</{p}>".encode(), "v1") for p in formats}

    return render


def _record(rng: random.Random, n: int) -> Record:
    specs = rng.sample(SETS, rng.randint(0, 2))
    return rec(
        f"r{n}",
        f"title {rng.random()}",
        collections=[{"spec": s} for s in specs],
    )


def _scanned(store: Store, set_spec: str | None, prefix: str | None) -> int:
    return store.listing.count_scan(Selection(prefix=prefix, set_spec=set_spec))


def _assert_counts_exact(store: Store) -> None:
    with store.engine.connect() as conn:
        kept = counts.ListCounts(conn)
        for set_spec in (None, "a", "a:x", "a:y", "b", "nope"):
            for prefix in (None, *PREFIXES):
                expected = _scanned(store, set_spec, prefix)
                got = kept.list_size(set_spec, prefix)
                assert got == expected, (set_spec, prefix, got, expected)
        r = t.records.c
        actual = {
            "records": conn.execute(select(func.count()).where(r.deleted.is_(False))).scalar(),
            "deleted": conn.execute(select(func.count()).where(r.deleted.is_(True))).scalar(),
            "versions": conn.execute(select(func.count()).select_from(t.record_versions)).scalar(),
        }
    stats = store.stats()
    assert {k: stats[k] for k in actual} == actual


def test_counts_follow_every_kind_of_write(store: Store) -> None:
    rng = random.Random(16)
    now = T0
    for step in range(60):
        now += timedelta(seconds=1)
        action = rng.random()
        n = rng.randrange(25)
        formats = tuple(rng.sample(PREFIXES, rng.randint(1, 3)))
        render = _renderer(formats)
        if action < 0.5:
            batch = [_record(rng, rng.randrange(25)) for _ in range(rng.randint(1, 6))]
            store.put_many(batch, renderer=render, now=now)  # type: ignore[arg-type]
        elif action < 0.75 and store.exists(f"r{n}"):
            store.delete(f"r{n}", now=now)
        elif action < 0.9 and store.exists(f"r{n}"):
            store.replace_renderings(f"r{n}", render(store.get(f"r{n}")))  # type: ignore[operator]
        else:
            store.put(_record(rng, n), renderer=render, now=now)  # type: ignore[arg-type]
        if step % 10 == 9:
            _assert_counts_exact(store)
    _assert_counts_exact(store)


def test_counts_follow_batches_written_without_the_triggers(store: Store) -> None:
    # batches of BULK_FROM records and more add their change once (SQLite), over
    # new, changed, undeleted and unchanged records, sets and formats that come and go
    rng = random.Random(22)
    now = T0
    ids = range(4 * BULK_FROM)
    for step in range(24):
        now += timedelta(seconds=1)
        size = rng.randint(BULK_FROM, 3 * BULK_FROM)
        batch = [_record(rng, n) for n in rng.sample(ids, size)]
        formats = tuple(rng.sample(PREFIXES, rng.randint(1, 3)))
        store.put_many(batch, renderer=_renderer(formats), now=now)  # type: ignore[arg-type]
        for n in rng.sample(ids, 4):
            if store.exists(f"r{n}"):
                store.delete(f"r{n}", now=now)  # by the triggers: they are back
        if step % 6 == 5:
            _assert_counts_exact(store)
    _assert_counts_exact(store)


def test_a_large_batch_that_fails_midway_leaves_the_triggers_and_counts(store: Store) -> None:
    # the batch fails after its triggers were dropped: its savepoint takes everything
    # back, and the records written next are counted by the triggers as before
    rng = random.Random(5)
    store.put_many([_record(rng, n) for n in range(10)], renderer=_renderer(PREFIXES), now=T0)  # type: ignore[arg-type]

    def failing(record: Record) -> Mapping[str, Rendering]:
        if record.id == f"r{BULK_FROM + 5}":
            raise StoreError("refused")
        return {"oai_dc": (b"<dc/>", "v1")}

    batch = [_record(rng, n) for n in range(5, BULK_FROM + 10)]
    sqlite = store.engine.dialect.name == "sqlite"
    find = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    with store.transaction() as conn:
        triggers = conn.exec_driver_sql(find).all() if sqlite else []
        with pytest.raises(StoreError), conn.begin_nested():
            BatchWriter(conn, T0 + timedelta(seconds=1), "import").put(batch, failing)
        if sqlite:  # the list counts' and the full-text index's, as they were
            assert len(triggers) >= 12
            assert conn.exec_driver_sql(find).all() == triggers
        BatchWriter(conn, T0 + timedelta(seconds=2), "import").put(
            batch[:3],
            _renderer(("mods",)),  # type: ignore[arg-type]
        )
    _assert_counts_exact(store)


def test_recount_rebuilds_the_same_counts(store: Store) -> None:
    rng = random.Random(7)
    store.put_many([_record(rng, n) for n in range(40)], renderer=_renderer(PREFIXES), now=T0)  # type: ignore[arg-type]
    for n in range(0, 40, 3):
        store.delete(f"r{n}", now=T0 + timedelta(seconds=5))
    with store.engine.begin() as conn:
        before = _totals(conn)
        counts.recount(conn)
        assert _totals(conn) == before
        assert conn.execute(select(func.count()).select_from(t.list_counts)).scalar() == len(before)


def test_compaction_keeps_the_sum(store: Store) -> None:
    rng = random.Random(3)
    for n in range(counts.COMPACT_AFTER + 10):  # one statement per record on PostgreSQL
        store.put(_record(rng, n), renderer=_renderer(("oai_dc",)), now=T0)  # type: ignore[arg-type]
    with store.engine.begin() as conn:
        before = _totals(conn)
        counts.compact_all(conn)
        assert _totals(conn) == before
        rows = conn.execute(
            select(func.count()).select_from(t.list_counts).where(t.list_counts.c.set_spec == "")
        ).scalar()
        assert rows == len([k for k in before if k[0] == ""])
    _assert_counts_exact(store)


def _totals(conn: object) -> dict[tuple[str, str], int]:
    c = t.list_counts.c
    query = select(c.set_spec, c.prefix, func.sum(c.n)).group_by(c.set_spec, c.prefix)
    return {
        (s, p): int(n)
        for s, p, n in conn.execute(query)  # type: ignore[attr-defined]
        if int(n) != 0
    }


def _windows() -> list[tuple[int | None, int | None]]:
    """(from, until) in seconds after T0: none, narrow, wide, at each end, empty."""
    return [(None, None), (None, 200), (5, None), (3, 8), (0, 400), (50, 60), (150, 140), (1, 398)]


def test_list_size_of_any_window_is_exact_or_unknown(store: Store) -> None:
    rng = random.Random(11)
    for second in range(0, 400, 2):  # 200 records, two seconds apart, some deleted later
        store.put(
            _record(rng, second),
            renderer=_renderer(PREFIXES[:2]),
            now=T0 + timedelta(seconds=second),
        )  # type: ignore[arg-type]
    for second in range(0, 400, 14):
        store.delete(f"r{second}", now=T0 + timedelta(seconds=401))
    for limit in (1000, 30, 5):
        store.listing.count_limit = limit
        unknown = 0
        for from_, until in _windows():
            for set_spec in (None, "a", "b"):
                for prefix in (None, "oai_dc", "marc21"):
                    selection = Selection(
                        prefix=prefix,
                        set_spec=set_spec,
                        from_=None if from_ is None else T0 + timedelta(seconds=from_),
                        until=None if until is None else T0 + timedelta(seconds=until),
                    )
                    size = store.listing.count(selection)
                    if size is None:
                        unknown += 1
                    else:
                        assert size == store.listing.count_scan(selection), selection
        # a generous limit always knows; a tiny one must sometimes give up
        assert (unknown == 0) is (limit == 1000), (limit, unknown)
