"""Sets defined by the admin over real HTTP: ListSets lists them, set= selects them."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from oai.hub import Hub
from records.admin_sets import AdminSets
from tests.oai.web.conftest import NS, REPO_ID, T0, Server, Validate, put, record


def test_an_admin_set_is_listed_and_harvested_by_set(
    hub: Hub, server: Server, assert_valid: Validate
) -> None:
    for i, title in enumerate(["Kronika Praha", "Dopis Brno", "Matrika Prahy"]):
        put(hub, record(f"r{i}", title=title), T0 + timedelta(minutes=i))
    AdminSets(hub.store).add("praha", "Prague", description="Records about Prague", query="Praha")
    put(hub, record("r3", title="Plán Prahy"), T0 + timedelta(minutes=5))  # written after

    sets = server.get(verb="ListSets")
    assert_valid(sets.content)
    root = etree.fromstring(sets.content)
    (entry,) = [
        s for s in root.iterfind(".//o:set", NS) if s.findtext("o:setSpec", None, NS) == "praha"
    ]
    assert entry.findtext("o:setName", None, NS) == "Prague"
    assert entry.findtext(".//dc:description", None, NS) == "Records about Prague"

    for verb in ("ListRecords", "ListIdentifiers"):
        listed = server.get(verb=verb, metadataPrefix="oai_dc", set="praha")
        assert_valid(listed.content)
        found = [
            e.text
            for e in etree.fromstring(listed.content).iterfind(".//o:header/o:identifier", NS)
        ]
        assert found == [f"oai:{REPO_ID}:r0", f"oai:{REPO_ID}:r2", f"oai:{REPO_ID}:r3"]

    AdminSets(hub.store).remove("praha")
    gone = etree.fromstring(
        server.get(verb="ListRecords", metadataPrefix="oai_dc", set="praha").content
    )
    # the hub has no other set: none is left to select
    assert [e.get("code") for e in gone.iterfind("o:error", NS)] == ["noSetHierarchy"]
