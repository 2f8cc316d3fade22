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
