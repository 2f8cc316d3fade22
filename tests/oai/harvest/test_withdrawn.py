"""A withdrawn record stays withdrawn when its partner sends it again: the run says so."""

from __future__ import annotations

from oai.hub import Hub
from oai.withdrawals import reinstate, withdraw
from tests.oai.harvest.conftest import Harvest, events, hub_state
from tests.oai.harvest.faultserver import Partner


def test_a_harvest_does_not_republish_a_withdrawn_record(
    hub: Hub, partner: Partner, harvest: Harvest
) -> None:
    first = harvest()
    assert first.status == "ok", first.message
    local_id = hub.store.find_by_origin("partner", "oai:partner.test:doc-003")
    assert local_id is not None
    withdraw(hub, local_id.id, "personal data found", "admin")
    partner.put("doc-003", "Document 3, corrected")
    partner.tick(120)
    second = harvest(full=True)
    assert second.status == "ok", second.message
    assert hub_state(hub)["oai:partner.test:doc-003"] == ("Document 3", True)
    said = events(hub, second.run_id, kind="withdrawn")
    assert [e.detail["local_id"] for e in said] == [local_id.id]
    assert "holds until the record is reinstated" in said[0].message
    reinstate(hub, local_id.id, "admin")
    assert hub_state(hub)["oai:partner.test:doc-003"] == ("Document 3", False)
    third = harvest(full=True)
    assert third.status == "ok", third.message
    assert hub_state(hub)["oai:partner.test:doc-003"] == ("Document 3, corrected", False)


def test_a_record_the_partner_deleted_meanwhile_stays_deleted_when_reinstated(
    hub: Hub, partner: Partner, harvest: Harvest
) -> None:
    assert harvest().status == "ok"
    found = hub.store.find_by_origin("partner", "oai:partner.test:doc-005")
    assert found is not None
    withdraw(hub, found.id, "takedown", "admin")
    partner.delete("doc-005")
    partner.tick(120)
    assert harvest(full=True).status == "ok"
    done = reinstate(hub, found.id, "admin")
    assert not done.published
    assert hub_state(hub)["oai:partner.test:doc-005"][1] is True  # still a tombstone
    partner.put("doc-005", "Document 5, published again")
    partner.tick(120)
    assert harvest().status == "ok"
    assert hub_state(hub)["oai:partner.test:doc-005"] == ("Document 5, published again", False)


def test_a_partner_deletion_undone_while_withdrawn_is_forgotten(
    hub: Hub, partner: Partner, harvest: Harvest
) -> None:
    assert harvest().status == "ok"
    found = hub.store.find_by_origin("partner", "oai:partner.test:doc-006")
    assert found is not None
    withdraw(hub, found.id, "takedown", "admin")
    partner.delete("doc-006")
    partner.tick(120)
    assert harvest(full=True).status == "ok"
    partner.put("doc-006", "Document 6 again")
    partner.tick(120)
    assert harvest(full=True).status == "ok"  # withheld, and the deletion forgotten
    assert reinstate(hub, found.id, "admin").published
    assert hub_state(hub)["oai:partner.test:doc-006"][1] is False
