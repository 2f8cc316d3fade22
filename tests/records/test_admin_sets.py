"""Sets defined by the admin: from a source or a search, kept current as records are written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from records import tables as t
from records.admin_sets import AdminSetError, AdminSets
from records.listing import Selection
from records.model import Record
from records.store import Store
from tests.records.conftest import T0, dc_renderer, rec

HARVESTED = {"kind": "harvested", "source_id": "soa", "remote_identifier": "x"}


def harvested(local_id: str, title: str) -> Record:
    origin = {**HARVESTED, "remote_identifier": f"oai:soa:{local_id}"}
    return rec(local_id, title, origin=origin)


def members(store: Store, spec: str) -> list[str]:
    rows = store.listing.page(Selection(prefix="oai_dc", set_spec=spec), limit=100)
    return sorted(r.local_id for r in rows)


@pytest.fixture
def filled(store: Store) -> Store:
    store.put(rec("kronika", "Kronika obce Praha"), renderer=dc_renderer, now=T0)
    store.put(rec("dopis", "Dopis z Brna"), renderer=dc_renderer, now=T0)
    store.put_many(
        [harvested("s1", "Matrika"), harvested("s2", "Pamětní kniha Prahy")],
        renderer=dc_renderer,
        now=T0,
    )
    return store


def test_a_source_set_holds_its_records_and_those_written_later(filled: Store) -> None:
    made = AdminSets(filled).add("soa-all", "SOA", description="All of SOA", source_id="soa")
    assert made.size == 2
    assert members(filled, "soa-all") == ["s1", "s2"]
    filled.put(harvested("s3", "Nová"), renderer=dc_renderer)
    filled.put(rec("local", "Local"), renderer=dc_renderer)
    assert members(filled, "soa-all") == ["s1", "s2", "s3"]
    assert filled.listing.count(Selection(prefix="oai_dc", set_spec="soa-all")) == 3
    info = {s.spec: s for s in filled.sets()}["soa-all"]
    assert (info.name, info.description) == ("SOA", "All of SOA")


def test_a_query_set_follows_the_search_as_records_change(filled: Store) -> None:
    made = AdminSets(filled).add("praha", "Praha", query="Praze")  # inflected: finds Praha, Prahy
    assert made.size == 2
    assert members(filled, "praha") == ["kronika", "s2"]
    filled.put(rec("dopis", "Dopis z Prahy"), renderer=dc_renderer)  # now it matches
    filled.put(rec("kronika", "Kronika obce Brno"), renderer=dc_renderer)  # no longer
    assert members(filled, "praha") == ["dopis", "s2"]
    filled.delete("s2")  # a tombstone stays in its sets (harvesters learn of the deletion)
    rows = filled.listing.page(Selection(prefix="oai_dc", set_spec="praha"), limit=10)
    assert {(r.local_id, r.deleted) for r in rows} == {("dopis", False), ("s2", True)}


def test_remove_and_refusals(filled: Store) -> None:
    sets = AdminSets(filled)
    sets.add("soa-all", "SOA", source_id="soa")
    with pytest.raises(AdminSetError, match="set soa-all exists already"):
        sets.add("soa-all", "Again", source_id="soa")
    with pytest.raises(AdminSetError, match="setSpec"):
        sets.add("a:b", "Nested", source_id="soa")
    with pytest.raises(AdminSetError, match="either a source or a search query"):
        sets.add("both", "Both", source_id="soa", query="x")
    with pytest.raises(AdminSetError, match="no words"):
        sets.add("empty", "Empty", query="  ")
    with pytest.raises(AdminSetError, match="name"):
        sets.add("noname", " ", source_id="soa")
    sets.remove("soa-all")
    assert sets.all() == []
    with filled.engine.connect() as conn:
        left = conn.execute(select(t.record_sets).where(t.record_sets.c.set_spec == "soa-all"))
        assert left.first() is None
    assert "soa-all" not in {s.spec for s in filled.sets()}
    with pytest.raises(AdminSetError, match="no set soa-all"):
        sets.remove("soa-all")
    with pytest.raises(AdminSetError, match="no set partners"):
        sets.remove("partners")  # not the admin's: refused
