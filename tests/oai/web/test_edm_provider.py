"""The provider serves `edm` for the records ready for Europeana, and only those."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from flask.testing import FlaskClient
from lxml import etree

from oai.app import create_app
from oai.demo import load_demo_records
from oai.hub import Hub
from tests.crosswalks.europeana import Europeana
from tests.oai.web.conftest import NS, REPO_ID, Ask, errors, identifiers, make_hub

EDM = {
    "edm.provider": "Czech aggregator",
    "edm.default_rights": "http://rightsstatements.org/vocab/CNE/1.0/",
    "public_url": "http://hub.example.org",
}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"


@pytest.fixture
def edm_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    with make_hub(database_url, tmp_path, **EDM) as hub:
        load_demo_records(hub)
        yield hub


# The shared validator checks Dublin Core elements anywhere against simpledc, which has
# no rdf:resource; EDM's own DC.xsd allows it (a link to a contextual entity). Those
# errors alone are set aside here; each EDM record is checked against EDM.xsd instead.
_EDM_DC_LINK = re.compile(
    r"Element '\{http://purl.org/dc/elements/1.1/\}\w+', attribute "
    r"'\{http://www.w3.org/1999/02/22-rdf-syntax-ns#\}resource': The attribute .* is not allowed"
)


@pytest.fixture
def edm_ask(edm_hub: Hub, validator: ModuleType) -> Ask:
    def check(document: bytes) -> None:
        errors, _warnings = validator.validate_bytes(document)
        left = [e for e in errors if not _EDM_DC_LINK.search(e[2])]
        assert not left, left

    client: FlaskClient = create_app(hub=edm_hub).test_client()
    return Ask(client, check)


@pytest.fixture(scope="module")
def europeana(schemas_dir: Path) -> Europeana:
    return Europeana(schemas_dir / "edm")


def test_list_metadata_formats_offers_edm(edm_ask: Ask) -> None:
    root = edm_ask(verb="ListMetadataFormats")
    formats = {
        e.findtext("o:metadataPrefix", namespaces=NS): e
        for e in root.iterfind(".//o:metadataFormat", NS)
    }
    assert formats["edm"].findtext("o:schema", namespaces=NS) == (
        "http://www.europeana.eu/schemas/edm/EDM.xsd"
    )
    assert formats["edm"].findtext("o:metadataNamespace", namespaces=NS) == (
        "http://www.europeana.eu/schemas/edm/"
    )


def test_get_record_serves_a_ready_record_and_refuses_an_unready_one(
    edm_ask: Ask, europeana: Europeana
) -> None:
    root = edm_ask(verb="GetRecord", identifier=f"oai:{REPO_ID}:301006", metadataPrefix="edm")
    metadata = root.find(".//o:metadata", NS)
    assert metadata is not None and metadata[0].tag == RDF
    document = etree.tostring(metadata[0])
    assert europeana.schema_errors(document) == []
    assert europeana.schematron_failures(document) == []
    # the demo's other records state no language: not ready, not served as edm
    refused = edm_ask(
        verb="GetRecord", identifier=f"oai:{REPO_ID}:miller-1961-01-09", metadataPrefix="edm"
    )
    assert errors(refused) == ["cannotDisseminateFormat"]
    served = edm_ask(
        verb="GetRecord", identifier=f"oai:{REPO_ID}:miller-1961-01-09", metadataPrefix="oai_dc"
    )
    assert errors(served) == []


def test_list_records_leaves_unready_records_out(edm_ask: Ask, europeana: Europeana) -> None:
    root = edm_ask(verb="ListRecords", metadataPrefix="edm")
    assert identifiers(root) == [f"oai:{REPO_ID}:301006"]
    for metadata in root.iterfind(".//o:metadata", NS):
        document = etree.tostring(metadata[0])
        assert europeana.schematron_failures(document) == []
    listed = edm_ask(verb="ListIdentifiers", metadataPrefix="edm")
    assert identifiers(listed) == [f"oai:{REPO_ID}:301006"]


def test_the_europeana_set_holds_exactly_the_ready_records(edm_hub: Hub, edm_ask: Ask) -> None:
    root = edm_ask(verb="ListIdentifiers", metadataPrefix="oai_dc", set="europeana")
    assert identifiers(root) == [f"oai:{REPO_ID}:301006"]
    sets = edm_ask(verb="ListSets")
    assert "europeana" in [e.text for e in sets.iterfind(".//o:setSpec", NS)]
    # a record made ready by an edit joins the set; one made unready leaves it
    miller = edm_hub.store.get("miller-1961-01-09")
    edm_hub.store.put(replace(miller, languages=("eng",)), renderer=edm_hub.render)
    seed = edm_hub.store.get("301006")
    edm_hub.store.put(replace(seed, languages=()), renderer=edm_hub.render)
    root = edm_ask(verb="ListIdentifiers", metadataPrefix="oai_dc", set="europeana")
    assert identifiers(root) == [f"oai:{REPO_ID}:miller-1961-01-09"]


def test_a_refresh_with_new_settings_makes_records_ready(database_url: str, tmp_path: Path) -> None:
    from oai.refresh import refresh_stale_renderings

    with make_hub(database_url, tmp_path, **EDM) as hub:
        load_demo_records(hub)
        assert hub.store.prefixes_of("miller-1961-01-09") >= {"oai_dc"}
        assert "edm" not in hub.store.prefixes_of("miller-1961-01-09")
    with make_hub(database_url, tmp_path, **EDM, **{"edm.default_language": "en"}) as hub:
        summary = refresh_stale_renderings(hub)  # ends, though some records stay unready
        assert summary.refreshed == 8
        assert "edm" in hub.store.prefixes_of("miller-1961-01-09")
        client = create_app(hub=hub).test_client()
        response = client.get(
            "/oai",
            query_string={"verb": "ListIdentifiers", "metadataPrefix": "edm", "set": "europeana"},
        )
        assert len(identifiers(etree.fromstring(response.data))) == 8
        assert refresh_stale_renderings(hub).refreshed == 0


def test_the_render_context_with_edm_crosses_to_the_worker_pool(edm_hub: Hub) -> None:
    import pickle

    from oai.rendering import render_record

    context = pickle.loads(pickle.dumps(edm_hub.render_context))
    rendered = render_record(context, edm_hub.store.get("301006"))
    assert rendered.failures == ()
    assert rendered.renderings["edm"] == edm_hub.render(edm_hub.store.get("301006"))["edm"]
    unready = render_record(context, edm_hub.store.get("miller-1961-01-09"))
    assert "edm" not in unready.renderings and unready.failures == ()
