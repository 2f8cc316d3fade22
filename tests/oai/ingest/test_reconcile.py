"""Reconciliation: local ids, the field merge, local edits that win, match keys (SQLite, PG)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from oai.harvest import run_harvest
from oai.hub import Hub
from oai.ingest.identity import local_id_for
from oai.ingest.prepare import Incoming, Stamp
from oai.ingest.reconcile import Reconciler, merge_fields
from oai.schema import upgrade
from records.db import create_store_engine
from records.model import Record
from records.store import Store
from tests.oai.harvest.conftest import assert_mirrors, events, hub_state, make_hub
from tests.oai.harvest.faultserver import FaultServer, Partner

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def test_local_ids() -> None:
    assert local_id_for("p", "oai:partner.test:doc-1") == "p:doc-1"
    assert local_id_for("p", "urn:x y#z") == "p:urn:x%20y%23z"
    long = local_id_for("p", "oai:r:" + "x" * 500)
    assert len(long) <= 200
    assert long != local_id_for("p", "oai:r:" + "x" * 499)
    Record(id=long, title="t")  # the model accepts every id made here


def test_merge_fields() -> None:
    base = {"id": "a", "title": "T", "summary": "S", "places": ["Praha"]}
    local = {"id": "a", "title": "T (edited here)", "summary": "S", "places": ["Praha"]}
    partner = {"id": "b", "title": "T2", "summary": "S2", "subjects": ["new"]}
    merged, conflicts = merge_fields(base, local, partner)
    assert merged == {"id": "a", "title": "T (edited here)", "summary": "S2", "subjects": ["new"]}
    assert conflicts == ["title"]
    # no base (a matched local record): local values win, the partner fills the gaps
    merged, conflicts = merge_fields(
        None, {"id": "a", "title": "L"}, {"id": "b", "title": "P", "summary": "S"}
    )
    assert merged == {"id": "a", "title": "L", "summary": "S"}
    assert conflicts == ["title"]


@pytest.fixture
def db_hub(database_url: str, server: FaultServer, tmp_path: Path) -> Iterator[Hub]:
    hub = make_hub(server.url, tmp_path, database_url, match=("identifier",))
    yield hub
    hub.close()


def test_local_edits_win_field_by_field(db_hub: Hub, partner: Partner) -> None:
    hub = db_hub
    assert run_harvest(hub, "partner").counts.added == 25
    current = hub.store.get("partner:doc-001")
    edited = Record.from_dict(
        {**current.to_dict(), "title": "Document 1 (curated)", "places": ["Praha"]}
    )
    hub.store.put(edited.with_header(None), reason="edit", actor="admin")
    partner.tick()
    partner.put("doc-001", "Document 1, renamed by the partner", subjects=["topic X"])
    partner.tick()
    result = run_harvest(hub, "partner")
    assert result.counts.updated == 1
    record = hub.store.get("partner:doc-001")
    assert record.title == "Document 1 (curated)"  # the local edit wins
    assert record.subjects == ("topic X",)  # the partner's change follows
    assert record.places == ("Praha",)  # a local addition stays
    (conflict,) = events(hub, result.run_id, "conflict")
    assert conflict.detail == {"fields": ["title"], "local_id": "partner:doc-001"}
    versions = hub.store.versions("partner:doc-001")
    assert [(v.reason, v.run_id) for v in versions] == [
        ("harvest", 1),
        ("edit", None),
        ("harvest", result.run_id),
    ]
    partner.tick()
    assert run_harvest(hub, "partner").counts.changed == 0  # and it stays settled


def test_match_links_a_partner_record_to_a_local_one(db_hub: Hub, partner: Partner) -> None:
    hub = db_hub
    local = Record.from_dict(
        {"id": "seed-5", "title": "Our own description", "identifiers": [{"value": "doc-005"}]}
    )
    hub.store.put(local)
    result = run_harvest(hub, "partner")
    assert result.status == "ok"
    assert result.counts.added == 24
    state = hub_state(hub)
    assert "partner:doc-005" not in {r.id for r in hub.store.iter_records()}
    assert state["oai:partner.test:doc-005"] == ("Our own description", False)
    record = hub.store.get("seed-5")
    # linked, not taken over: a local record the partner's record keeps up to date
    assert (record.origin.kind, record.origin.source_id) == ("linked", "partner")
    assert record.subjects == ("topic 2",)  # filled in from the partner
    assert events(hub, result.run_id, "link")
    partner.tick()
    partner.put("doc-005", "Document 5", subjects=["topic 7"])
    partner.tick()
    second = run_harvest(hub, "partner")
    assert second.counts.updated == 1
    assert hub.store.get("seed-5").subjects == ("topic 7",)
    assert hub.store.get("seed-5").title == "Our own description"


def test_deleted_then_republished(db_hub: Hub, partner: Partner) -> None:
    hub = db_hub
    run_harvest(hub, "partner")
    partner.tick()
    partner.delete("doc-002")
    partner.tick()
    assert run_harvest(hub, "partner").counts.deleted == 1
    partner.tick()
    partner.put("doc-002", "Document 2 is back")
    partner.tick()
    result = run_harvest(hub, "partner")
    assert result.counts.updated == 1
    assert_mirrors(hub, partner)


FINDING_AID = Path(__file__).parents[2] / "crosswalks" / "data" / "apeead_fonds_with_components.xml"


def _without(xml: bytes, xpath: str) -> bytes:
    """The finding aid without the elements `xpath` selects."""
    from lxml import etree

    root = etree.fromstring(xml)
    for element in root.xpath(xpath):
        element.getparent().remove(element)
    return bytes(etree.tostring(root))


WITHOUT_FILE_K121 = "//*[@id='k-121']"
WITHOUT_COMPONENTS = "//*[local-name()='dsc']"


def _harvested_finding_aid(hub: Hub, partner: Partner) -> str:
    """The partner publishes the finding aid (25 + 3 records), the hub harvests it; its id."""
    partner.put_xml("fa", "ÚV KSČ", FINDING_AID.read_bytes())
    partner.tick()
    assert run_harvest(hub, "partner").counts.added == 25 + 3
    return partner.items["fa"].identifier


def _republished(partner: Partner, xpath: str) -> None:
    """A later version of the finding aid, without what `xpath` selects."""
    partner.tick()
    partner.put_xml("fa", "ÚV KSČ", _without(FINDING_AID.read_bytes(), xpath))
    partner.tick()


def _deleted_flags(hub: Hub, fa: str) -> dict[str, bool]:
    """Remote id -> deleted, for the finding aid and its components in the hub."""
    return {k: v[1] for k, v in hub_state(hub).items() if k.startswith(fa)}


def test_components_of_a_finding_aid_follow_it(db_hub: Hub, partner: Partner) -> None:
    """A finding aid is read into one record per component (`<id>#<component>`): a
    component the partner's new version lacks, and all of them when the finding aid
    is deleted, become tombstones."""
    hub = db_hub
    fa = _harvested_finding_aid(hub, partner)
    components = {fa: False, f"{fa}#s-121": False, f"{fa}#k-121": False}
    assert _deleted_flags(hub, fa) == components

    _republished(partner, WITHOUT_FILE_K121)
    result = run_harvest(hub, "partner")
    assert (result.counts.updated, result.counts.deleted) == (1, 1)
    assert _deleted_flags(hub, fa) == {**components, f"{fa}#k-121": True}
    (orphans,) = events(hub, result.run_id, "orphans")
    assert orphans.detail == {"local_ids": [local_id_for("partner", f"{fa}#k-121")]}

    partner.tick()
    partner.delete("fa")
    partner.tick()
    result = run_harvest(hub, "partner")
    assert result.counts.deleted == 2  # the finding aid and its remaining series
    assert _deleted_flags(hub, fa) == dict.fromkeys(components, True)
    assert result.counts.added == result.counts.updated == 0


def test_a_finding_aid_republished_without_components_tombstones_them(
    db_hub: Hub, partner: Partner
) -> None:
    """Read into a single record now, the finding aid still takes its old components
    with it: their tombstones do not wait for a full harvest's sweep."""
    hub = db_hub
    fa = _harvested_finding_aid(hub, partner)

    _republished(partner, WITHOUT_COMPONENTS)
    result = run_harvest(hub, "partner")
    assert (result.counts.updated, result.counts.deleted) == (1, 2)
    assert _deleted_flags(hub, fa) == {fa: False, f"{fa}#s-121": True, f"{fa}#k-121": True}
    (orphans,) = events(hub, result.run_id, "orphans")
    assert sorted(orphans.detail["local_ids"]) == sorted(
        local_id_for("partner", f"{fa}#{c}") for c in ("s-121", "k-121")
    )

    partner.tick()
    partner.touch("fa")  # the single record again: no components, nothing to tombstone
    partner.tick()
    again = run_harvest(hub, "partner")
    assert again.counts.deleted == 0
    assert events(hub, again.run_id, "orphans") == []


def test_a_page_of_ordinary_records_costs_the_same_statements_at_any_size(
    database_url: str,
) -> None:
    """The store's reads and writes for a page are batched: no statement per record."""
    engine = create_store_engine(database_url)
    upgrade(engine)
    store = Store(engine)

    def incoming(n: int, name: str, stamp: str, summary: str) -> list[Incoming]:
        items = []
        for i in range(n):
            remote = f"oai:p:{name}-{i}"
            origin = {"kind": "harvested", "source_id": "p", "remote_identifier": remote}
            origin["remote_datestamp"] = stamp
            data = {"id": f"p:{name}-{i}", "title": f"{name} {i}", "summary": summary}
            data["origin"] = origin
            items.append(Incoming(remote, i, Record.from_dict(data), stamp))
        return items

    def statements(items: list[Incoming]) -> list[str]:
        seen: list[str] = []

        def capture(conn: object, cursor: object, sql: str, *rest: object) -> None:
            if not sql.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                seen.append(sql.split()[0])

        reconciler = Reconciler(store, Stamp("p", "", NOW), 1)
        event.listen(engine, "before_cursor_execute", capture)
        with store.transaction() as conn:
            reconciler.apply(conn, items, lambda record: {})
        event.remove(engine, "before_cursor_execute", capture)
        return seen

    passes = [("2024-01-01", "new"), ("2024-01-02", "new"), ("2024-01-03", "changed")]
    for stamp, summary in passes:  # added, touched (same content), updated
        small, large = incoming(3, "small", stamp, summary), incoming(40, "large", stamp, summary)
        assert statements(small) == statements(large), (stamp, summary)
    engine.dispose()
