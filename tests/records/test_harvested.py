"""The store's reads and writes for reconciliation and dashboards (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import event

from records.harvested import RecordState
from records.model import Record, canonical_json
from records.store import Store
from tests.records.conftest import T0, rec


def harvested(source: str, remote_id: str, local_id: str | None = None, **extra: object) -> Record:
    origin = {
        "kind": "harvested",
        "source_id": source,
        "remote_identifier": remote_id,
        "remote_datestamp": "2024-01-01",
    }
    return rec(local_id or f"{source}:{remote_id}", f"Title of {remote_id}", origin=origin, **extra)


def test_states_by_remote_id_in_batches(store: Store) -> None:
    store.put_many([harvested("p", f"doc-{i:04d}") for i in range(1100)], now=T0)
    store.put(harvested("q", "doc-0001"), now=T0)
    store.delete("p:doc-0002", now=T0 + timedelta(seconds=1))
    asked = [f"doc-{i:04d}" for i in range(1200)] + ["doc-0001", "unknown"]
    selects: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: selects.append(a[2]))
    with store.transaction() as conn:
        states = store.states_by_remote_id(conn, "p", asked)
    # 1,201 distinct identifiers, 500 a statement
    assert sum(s.lstrip().upper().startswith("SELECT") for s in selects) == 3
    assert len(states) == 1100
    one = states["doc-0001"]
    assert one[:5] == RecordState("p:doc-0001", "2024-01-01", None, one.content, False)[:5]
    assert one.origin is not None and not one.linked
    assert json.loads(one.content)["title"] == "Title of doc-0001"
    assert states["doc-0002"].deleted and not states["doc-0003"].deleted
    with store.transaction() as conn:
        assert store.states_by_remote_id(conn, "q", ["doc-0001", "doc-0002"]).keys() == {"doc-0001"}
        assert store.states_by_remote_id(conn, "p", []) == {}


def test_merge_bases_are_written_in_one_statement(store: Store) -> None:
    store.put_many([harvested("p", f"doc-{i}") for i in range(3)], now=T0)
    bases = {f"p:doc-{i}": canonical_json({"id": f"doc-{i}", "title": f"base {i}"}) for i in (0, 2)}
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with store.transaction() as conn:
        store.set_remote_contents(conn, bases)
        store.set_remote_contents(conn, {})
    assert sum(s.lstrip().upper().startswith("UPDATE") for s in statements) == 1
    assert store.remote_content("p:doc-2") == {"id": "doc-2", "title": "base 2"}
    assert store.remote_content("p:doc-1") is None
    with store.transaction() as conn:
        states = store.states_by_remote_id(conn, "p", ["doc-0", "doc-1"])
    assert states["doc-0"].remote_content == bases["p:doc-0"]
    assert states["doc-1"].remote_content is None


def test_live_ids_by_remote_prefix_is_exact(store: Store) -> None:
    for remote in ("doc1#a", "doc1#b", "DOC1#c", "doc1", "doc10#x", "doc1#d", "d%c#1", "dxc#1"):
        store.put(harvested("p", remote, f"p:{remote.replace('#', '-')}"), now=T0)
    store.put(harvested("q", "doc1#e", "q:doc1-e"), now=T0)
    store.delete("p:doc1-d", now=T0 + timedelta(seconds=1))
    with store.transaction() as conn:
        found = store.live_ids_by_remote_prefix(conn, "p", "doc1#")
        # LIKE wildcards in an identifier are literal characters
        wild = store.live_ids_by_remote_prefix(conn, "p", "d%c#")
    assert found == {"doc1#a": "p:doc1-a", "doc1#b": "p:doc1-b"}
    assert wild == {"d%c#1": "p:d%c-1"}


def test_local_records_for_matching(store: Store) -> None:
    store.put(rec("local-a", "A"), now=T0)
    store.put(rec("local-b", "B"), now=T0)
    store.put(rec("local-gone", "G"), now=T0)
    store.delete("local-gone", now=T0 + timedelta(seconds=1))
    store.put(harvested("p", "doc-1"), now=T0)
    with store.transaction() as conn:
        contents = dict(store.live_local_contents(conn))
        a = store.local_state(conn, "local-a")
        gone = store.local_state(conn, "local-gone")
        assert store.local_state(conn, "p:doc-1") is None  # harvested, not local
        assert store.local_state(conn, "missing") is None
    assert sorted(contents) == ["local-a", "local-b"]
    assert json.loads(contents["local-a"])["title"] == "A"
    assert a == RecordState("local-a", None, None, contents["local-a"], False)
    assert gone is not None and gone.deleted


def test_counts_per_source_and_versions_of_a_run(store: Store) -> None:
    first, other, second = 7, 8, 9  # ids of the harvester's runs (its run log's)
    store.put_many([harvested("p", f"doc-{i}") for i in range(3)], run_id=first, now=T0)
    store.put(harvested("q", "doc-1"), run_id=other, now=T0)
    store.put(rec("local"), now=T0)
    store.delete("p:doc-0", run_id=second, now=T0 + timedelta(seconds=1))
    assert store.live_counts_by_source() == {"p": 2, "q": 1}
    assert store.versions_of_run(first) == [
        ("p:doc-0", "import"),
        ("p:doc-1", "import"),
        ("p:doc-2", "import"),
    ]
    assert store.versions_of_run(first, limit=1) == [("p:doc-0", "import")]
    assert store.versions_of_run(second) == [("p:doc-0", "delete")]
    assert store.versions_of_run(second + 1) == []
    assert store.local_ids_of_source("p") == {"p:doc-1", "p:doc-2"}
    assert store.local_ids_of_source("p", include_deleted=True) == {f"p:doc-{i}" for i in range(3)}
