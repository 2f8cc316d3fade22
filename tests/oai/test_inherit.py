"""A stored unit takes its language and rights from the units above it, in the hub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from crosswalks.ape_ead import FINDING_AID_LEVELS
from oai.hub import Hub
from oai.readiness import record_readiness
from oai.refresh import refresh_stale_renderings
from oai.rendering import StoreRenderer
from records import tables as t
from records.hierarchy import stale_heads
from records.model import Record
from tests.oai.web.conftest import T0, make_hub, record

DC = "{http://purl.org/dc/elements/1.1/}"
EDM = "{http://www.europeana.eu/schemas/edm/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
SETTINGS = {
    "edm.provider": "Czech aggregator",
    "public_url": "http://hub.example.org",
    "ape.agency_code": "CZ-225202010",
}
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    with make_hub(database_url, tmp_path, **SETTINGS) as hub:
        yield hub


def _put(hub: Hub, rec: Record, minutes: int) -> None:
    renderer = StoreRenderer(hub.render_context)
    hub.store.put(rec, renderer=renderer, now=T0 + timedelta(minutes=minutes))


def _fonds(language: str = "ces") -> Record:
    return record(
        "fonds-1",
        level="fonds",
        languages=[language],
        rights="CC0 1.0",
        related=[{"relation": "hasPart", "id": "series-1", "title": "Series"}],
    )


def _series() -> Record:
    return record(
        "series-1",
        level="series",
        subjects=["Schools"],
        related=[{"relation": "isPartOf", "id": "fonds-1", "title": "Fonds"}],
    )


def _stored(hub: Hub, local_id: str, prefix: str) -> bytes | None:
    r, m = t.records.c, t.rendered_metadata.c
    query = (
        select(m.xml)
        .join(t.records, r.pk == m.record_pk)
        .where(r.local_id == local_id, m.prefix == prefix)
    )
    with hub.engine.connect() as conn:
        xml = conn.execute(query).scalar()
    return None if xml is None else bytes(xml)


def _edm(hub: Hub, local_id: str) -> etree._Element | None:
    xml = _stored(hub, local_id, "edm")
    return None if xml is None else etree.fromstring(xml)


def test_a_unit_states_the_language_and_rights_of_its_fonds(hub: Hub) -> None:
    _put(hub, _fonds(), 0)
    _put(hub, _series(), 1)
    edm = _edm(hub, "series-1")
    assert edm is not None, "the series is ready for Europeana with its fonds' values"
    assert [e.text for e in edm.iter(f"{DC}language")] == ["cs"]
    rights = edm.find(f".//{EDM}rights")
    assert rights is not None and rights.get(f"{RDF}resource") == CC0
    assert "europeana" in hub.store.get("series-1").header.sets  # type: ignore[union-attr]
    readiness = record_readiness(hub, hub.store.get("series-1"))
    assert readiness.edm_ready
    assert any("a unit above" in note for note in readiness.notes)


def test_a_unit_written_before_its_fonds_inherits_when_the_fonds_comes(hub: Hub) -> None:
    _put(hub, _series(), 0)
    assert _edm(hub, "series-1") is None  # no language, no rights: not ready alone
    _put(hub, _fonds(), 1)
    edm = _edm(hub, "series-1")
    assert edm is not None
    assert hub.store.get("series-1").header.datestamp == T0 + timedelta(minutes=1)  # type: ignore[union-attr]


def test_a_fonds_whose_language_changes_moves_its_units(hub: Hub) -> None:
    _put(hub, _fonds(), 0)
    _put(hub, _series(), 1)
    _put(hub, _fonds("deu"), 5)
    edm = _edm(hub, "series-1")
    assert edm is not None
    assert [e.text for e in edm.iter(f"{DC}language")] == ["de"]
    assert hub.store.get("series-1").header.datestamp == T0 + timedelta(minutes=5)  # type: ignore[union-attr]


def test_a_fonds_finding_aid_holds_the_unit_and_moves_with_it(hub: Hub) -> None:
    _put(hub, _fonds(), 0)
    _put(hub, _series(), 1)
    xml = _stored(hub, "fonds-1", "ape_ead")
    assert xml is not None
    ead = etree.fromstring(xml)
    assert ead.find(".//{urn:isbn:1-931666-22-9}c[@level='series']") is not None
    assert hub.store.get("fonds-1").header.datestamp == T0 + timedelta(minutes=1)  # type: ignore[union-attr]


def test_a_finding_aid_states_the_language_and_rights_of_the_unit_above_its_fonds(
    hub: Hub,
) -> None:
    group = record("group-0", level="recordgrp", languages=["deu"], rights="CC0 1.0")
    fonds = record(
        "fonds-2",
        level="fonds",
        related=[{"relation": "isPartOf", "id": "group-0", "title": "Group"}],
    )
    _put(hub, group, 0)
    _put(hub, fonds, 1)
    xml = _stored(hub, "fonds-2", "ape_ead")
    assert xml is not None
    ead = etree.fromstring(xml)
    archdesc = ead.find("{urn:isbn:1-931666-22-9}archdesc")
    assert archdesc is not None
    codes = [e.get("langcode") for e in archdesc.iterfind(".//{urn:isbn:1-931666-22-9}language")]
    assert codes == ["ger"]
    assert "CC0 1.0" in "".join(str(text) for text in archdesc.itertext())


def test_a_finding_aid_takes_the_default_language_last(database_url: str, tmp_path: Path) -> None:
    with make_hub(database_url, tmp_path, **SETTINGS, **{"edm.default_language": "ces"}) as hub:
        _put(hub, record("fonds-3", level="fonds"), 0)
        xml = _stored(hub, "fonds-3", "ape_ead")
    assert xml is not None
    ead = etree.fromstring(xml)
    codes = [e.get("langcode") for e in ead.iterfind(".//{urn:isbn:1-931666-22-9}language")]
    assert codes == ["cze"]


def test_a_refresh_keeps_what_units_inherit_and_their_datestamps(
    database_url: str, tmp_path: Path
) -> None:
    with make_hub(database_url, tmp_path, **SETTINGS) as hub:
        _put(hub, _fonds(), 0)
        _put(hub, _series(), 1)
    # other [edm] settings: the edm format's version changes, every record is stale
    changed = {**SETTINGS, "edm.provider": "Another aggregator"}
    with make_hub(database_url, tmp_path, **changed) as hub:
        summary = refresh_stale_renderings(hub)
        assert not summary.failed
        edm = _edm(hub, "series-1")
        assert edm is not None, "still ready with what it inherits"
        assert "Another aggregator" in "".join(str(text) for text in edm.itertext())
        assert [e.text for e in edm.iter(f"{DC}language")] == ["cs"]
        assert hub.store.get("series-1").header.datestamp == T0 + timedelta(minutes=1)  # type: ignore[union-attr]
        assert hub.store.get("fonds-1").header.datestamp == T0 + timedelta(minutes=1)  # type: ignore[union-attr]
        aids = hub.finding_aids
        assert aids is not None
        with hub.engine.connect() as conn:
            assert stale_heads(conn, FINDING_AID_LEVELS, "ape_ead", aids.version) == []
