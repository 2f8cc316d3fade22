"""The store on SQLite and PostgreSQL: versions, tombstones, sets, renderings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pytest
from sqlalchemy import text

from oai.schema import current_revision, upgrade
from records.db import create_store_engine
from records.errors import RecordNotFound, StoreError
from records.listing import Selection
from records.model import Record
from records.store import Rendering, Store
from tests.records.conftest import T0, dc_renderer, rec


def test_migration_reaches_head_and_is_idempotent(empty_database_url: str) -> None:
    engine = create_store_engine(empty_database_url)
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
    (row,) = store.listing.page(Selection(prefix="oai_dc"), xml=True)
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
    parent = store.listing.page(Selection(set_spec="cold-war"))
    assert [r.local_id for r in parent] == ["a"]
    assert [r.local_id for r in store.listing.page(Selection(set_spec="partners"))] == ["b"]
    assert store.find_by_origin("nacr", "oai:nacr:1") is not None


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
    listed = store.listing.get("a", "oai_dc")
    assert listed is not None and listed.xml == b"<dc>new</dc>"


def test_earliest_datestamp_and_stats(store: Store) -> None:
    assert store.earliest_datestamp() is None
    store.put(rec("a"), now=T0 + timedelta(days=1))
    store.put(rec("b"), now=T0)
    store.delete("b", now=T0 + timedelta(days=2))
    assert store.earliest_datestamp() == T0 + timedelta(days=1)
    assert store.stats() == {"records": 1, "deleted": 1, "versions": 3, "sets": 0}
    assert [r.id for r in store.iter_records(batch=1)] == ["a", "b"]
