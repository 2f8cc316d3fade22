"""EDM for Europeana: the writer's output passes EDM.xsd and Europeana's schematron."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crosswalks import default_registry, read_document, render
from crosswalks.edm import EdmOptions, EdmSource, NotReady, assess, write
from crosswalks.hierarchy import Hierarchy
from tests.crosswalks.europeana import Europeana

ROOT = Path(__file__).resolve().parents[2]
CNE = "http://rightsstatements.org/vocab/CNE/1.0/"
OPTIONS = EdmOptions(
    provider="Czech aggregator",
    default_rights=CNE,
    public_url="http://hub.example.org",
    uri_prefix="oai:hub.example.org:",
    local=EdmSource(name="Test hub"),
)
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "edm": "http://www.europeana.eu/schemas/edm/",
    "ore": "http://www.openarchives.org/ore/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
SAMPLES = [
    "aron_apux_archdesc-PA00870_P.xml",
    "aspace_getrecord_oai_dc.xml",
    "aspace_getrecord_oai_marc.xml",
    "aspace_getrecord_oai_mods.xml",
    "cam2019_entity_3392.xml",
    "ehri_ead2002_JMP-130.xml",
    "elza_ead3_cz_findingaid-HK01812.xml",
    "elza_edx_archdesc-PA00870_P.xml",
    "kramerius_biblio_oai_dc.xml",
    "nkcr_marcxml_cpk20051492461.xml",
]


def seed_record() -> dict[str, Any]:
    with (ROOT / "oai" / "demo" / "records.jsonl").open(encoding="utf-8") as lines:
        return dict(json.loads(next(lines)))


def passes(europeana: Europeana, document: bytes) -> None:
    assert europeana.schema_errors(document) == []
    assert europeana.schematron_failures(document) == []


@pytest.mark.parametrize("name", SAMPLES)
def test_every_record_of_a_sample_is_ready_and_passes_europeanas_checks(
    samples_dir: Path, europeana: Europeana, name: str
) -> None:
    forms = read_document((samples_dir / name).read_bytes())
    hierarchy = Hierarchy(forms)
    for form in forms[:40]:  # a finding aid's units all take the same path
        result = assess(form, OPTIONS, hierarchy.ancestors(form))
        assert result.ready, (form["id"], [str(f) for f in result.failures])
        passes(europeana, result.xml)


def test_the_seed_record_carries_title_timespan_language_provider_and_rights(
    europeana: Europeana,
) -> None:
    xml = write(seed_record(), OPTIONS)
    passes(europeana, xml)
    root = etree.fromstring(xml)
    cho = root.find("edm:ProvidedCHO", NS)
    assert cho is not None
    assert cho.findtext("dc:title", "", NS).startswith("Document from the Soviet Embassy")
    assert [e.text for e in cho.findall("dc:language", NS)] == ["en"]
    assert cho.findtext("edm:type", namespaces=NS) == "TEXT"
    span_uri = cho.find("dcterms:temporal", NS).get(f"{{{NS['rdf']}}}resource")  # type: ignore[union-attr]
    span = root.find(f"edm:TimeSpan[@rdf:about='{span_uri}']", NS)
    assert span is not None
    assert span.findtext("edm:begin", namespaces=NS) == "1961"
    assert span.findtext("edm:end", namespaces=NS) == "1961"
    aggregation = root.find("ore:Aggregation", NS)
    assert aggregation is not None
    provider = aggregation.findtext("edm:dataProvider", "", NS)
    assert "National Archives of the Czech Republic" in provider
    rights = aggregation.find("edm:rights", NS)
    assert rights is not None and rights.get(f"{{{NS['rdf']}}}resource") == CNE
    shown = aggregation.find("edm:isShownAt", NS)
    assert shown is not None
    assert shown.get(f"{{{NS['rdf']}}}resource") == "http://hub.example.org/records/301006"


def test_the_seed_records_own_text_rights_are_reported_as_mapped_to_the_default() -> None:
    result = assess(seed_record(), OPTIONS)
    assert any("maps to no Europeana URI" in note for note in result.notes)


def test_a_record_with_its_own_rights_keeps_them_in_canonical_form() -> None:
    record = {**seed_record(), "rights": "https://rightsstatements.org/page/InC/1.0/?language=cs"}
    root = etree.fromstring(write(record, OPTIONS))
    uri = root.find("ore:Aggregation/edm:rights", NS).get(f"{{{NS['rdf']}}}resource")  # type: ignore[union-attr]
    assert uri == "http://rightsstatements.org/vocab/InC/1.0/"


def test_units_inherit_the_language_and_rights_of_the_finding_aid(samples_dir: Path) -> None:
    forms = read_document((samples_dir / "elza_ead3_cz_findingaid-HK01812.xml").read_bytes())
    hierarchy = Hierarchy(forms)
    unit = next(f for f in forms if f.get("related") and not f.get("languages"))
    result = assess(unit, OPTIONS, hierarchy.ancestors(unit))
    root = etree.fromstring(result.xml)
    assert [e.text for e in root.iterfind("edm:ProvidedCHO/dc:language", NS)] == ["cs", "de", "la"]
    assert any("a unit above" in note for note in result.notes)
    parent = root.find("edm:ProvidedCHO/dcterms:isPartOf", NS)
    assert parent is not None
    assert parent.get(f"{{{NS['rdf']}}}resource", "").startswith("oai:hub.example.org:")


def test_a_record_without_a_language_anywhere_is_not_ready_and_says_why(
    samples_dir: Path, europeana: Europeana
) -> None:
    forms = read_document((samples_dir / "aspace_getrecord_oai_ead.xml").read_bytes())
    result = assess(forms[0], OPTIONS)
    assert [f.rule for f in result.failures] == ["language-for-text"]
    assert any("dc:language" in f.text for f in europeana.schematron_failures(result.xml))
    with pytest.raises(NotReady, match="language-for-text"):
        write(forms[0], OPTIONS)
    fixed = replace(OPTIONS, default_language="English")
    ready = assess(forms[0], fixed)
    assert ready.ready
    passes(europeana, ready.xml)


def test_a_source_configured_data_provider_wins_over_the_record() -> None:
    record = {**seed_record(), "origin": {"kind": "harvested", "source": "nacr"}}
    options = replace(OPTIONS, sources=(("nacr", EdmSource(data_provider="Národní archiv")),))
    root = etree.fromstring(write(record, options))
    assert root.findtext("ore:Aggregation/edm:dataProvider", namespaces=NS) == "Národní archiv"


def test_without_options_no_record_is_ready() -> None:
    failures = {f.rule for f in assess(seed_record(), EdmOptions()).failures}
    assert failures == {"provider", "rights", "shown-at-or-by"}


def test_the_default_registry_lists_edm_and_writes_ready_records_only() -> None:
    registry = default_registry(OPTIONS)
    assert "edm" in [f.prefix for f in registry.outbound()]
    assert render(registry, "edm", seed_record()).startswith(b"<rdf:RDF")
    with pytest.raises(NotReady):
        render(default_registry(OPTIONS), "edm", {**seed_record(), "languages": []})
    assert "edm" not in default_registry()  # no provider configured: no EDM offered
    assert "edm" not in default_registry(EdmOptions())
