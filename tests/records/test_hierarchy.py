"""The stored hierarchy: parents by local id, or by a finding aid's partner identifiers."""

from __future__ import annotations

from dataclasses import replace

from records.hierarchy import ancestor_ids, descendants, heads_of
from records.model import Record
from records.provenance import Origin
from records.store import Store
from tests.records.conftest import rec

HEADS = frozenset({"fonds"})


def _harvested(local_id: str, remote: str, part_of: str | None, level: str) -> Record:
    related = [{"relation": "isPartOf", "id": part_of, "title": "above"}] if part_of else []
    record = rec(local_id, level=level, related=related)
    return replace(record, origin=Origin("harvested", "partner", remote))


def test_local_units_are_linked_by_their_ids_in_any_order(store: Store) -> None:
    store.put(
        rec("item", level="item", related=[{"relation": "isPartOf", "id": "series", "title": "s"}])
    )
    store.put(
        rec(
            "series",
            level="series",
            related=[{"relation": "isPartOf", "id": "fonds", "title": "f"}],
        )
    )
    store.put(rec("fonds", level="fonds"))
    with store.engine.connect() as conn:
        assert ancestor_ids(conn, "item") == ["series", "fonds"]
        assert heads_of(conn, ["item"], HEADS) == {"fonds"}
        below = descendants(conn, "fonds")
    assert [u["id"] for u in below["fonds"]] == ["series"]
    assert [u["id"] for u in below["series"]] == ["item"]


def test_harvested_components_are_linked_by_partner_identifiers(store: Store) -> None:
    # the partner's ids: the finding aid "fa" (its archdesc "AD-1") and its components
    # "fa#c1" (part of the archdesc) and "fa#c2" (part of c1); local ids are the hub's own
    store.put_many(
        [
            _harvested("partner:fa", "fa", None, "fonds"),
            _harvested("partner:c1", "fa#c1", "AD-1", "series"),
            _harvested("partner:c2", "fa#c2", "c1", "file"),
        ]
    )
    with store.engine.connect() as conn:
        assert ancestor_ids(conn, "partner:c2") == ["partner:c1", "partner:fa"]
        assert heads_of(conn, ["partner:c2"], HEADS) == {"partner:fa"}


def test_a_cycle_of_bad_links_ends(store: Store) -> None:
    store.put(rec("a", related=[{"relation": "isPartOf", "id": "b", "title": "b"}]))
    store.put(rec("b", related=[{"relation": "isPartOf", "id": "a", "title": "a"}]))
    with store.engine.connect() as conn:
        assert ancestor_ids(conn, "a") == ["b"]
        assert heads_of(conn, ["a"], HEADS) == set()
        assert [u["id"] for u in descendants(conn, "a")["a"]] == ["b"]
