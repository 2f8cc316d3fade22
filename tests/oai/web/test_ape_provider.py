"""The provider serves `ape_ead`: one whole finding aid per fonds, over HTTP.

The archival samples (EAD 2002, EAD3, ELZA, APUX, ...) are imported into a hub served on
127.0.0.1; each finding aid the portal would harvest is validated against apeEAD.xsd,
holds its units as nested `<c>`, and moves when one of its units changes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
import requests
from lxml import etree
from werkzeug.serving import make_server

from oai.app import create_app
from oai.hub import Hub
from oai.importing import import_paths
from oai.protocol.datestamps import format_datestamp
from oai.rendering import StoreRenderer
from records.times import utcnow
from tests.oai.web.conftest import NS, REPO_ID, make_hub
from tests.servers import Background

APE = "urn:isbn:1-931666-22-9"
A = {"a": APE}
ARCHIVAL = (
    "ehri_ead2002_JMP-130.xml",
    "elza_ead3_cz_findingaid-HK01812.xml",
    "elza_edx_archdesc-PA00870_P.xml",
    "aron_apux_archdesc-PA00870_P.xml",
    "aspace_getrecord_oai_ead.xml",
)


@pytest.fixture(scope="module")
def ape_schema(schemas_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schemas_dir / "apeead" / "apeEAD.xsd")))


@pytest.fixture
def ape_hub(database_url: str, tmp_path: Path, samples_dir: Path) -> Iterator[Hub]:
    settings = {"public_url": "http://hub.example.org", "ape.agency_code": "CZ-225202010"}
    with make_hub(database_url, tmp_path, **settings) as hub:
        summary = import_paths(hub, [samples_dir / name for name in ARCHIVAL])
        assert summary.failed == 0, summary.errors
        yield hub


@pytest.fixture
def base_url(ape_hub: Hub) -> Iterator[str]:
    app = create_app(hub=ape_hub)
    with Background(make_server("127.0.0.1", 0, app, threaded=True)) as http:
        yield f"http://127.0.0.1:{http.server.server_port}/oai"


def _ask(base_url: str, **args: str) -> etree._Element:
    response = requests.get(base_url, params=args, timeout=30)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.find("o:error", NS) is None, response.text[:500]
    return root


def _harvest(base_url: str, **args: str) -> list[etree._Element]:
    """Every record of a ListRecords list, following resumption tokens."""
    found: list[etree._Element] = []
    root = _ask(base_url, verb="ListRecords", **args)
    while True:
        found += root.findall(".//o:record", NS)
        token = root.findtext(".//o:resumptionToken", namespaces=NS)
        if not token:
            return found
        root = _ask(base_url, verb="ListRecords", resumptionToken=token)


def _finding_aids(records: list[etree._Element]) -> dict[str, etree._Element]:
    aids = {}
    for record in records:
        identifier = record.findtext("o:header/o:identifier", namespaces=NS)
        ead = record.find(f"o:metadata/{{{APE}}}ead", NS)
        assert identifier is not None and ead is not None
        aids[identifier] = ead
    return aids


def test_list_metadata_formats_offers_ape_ead(base_url: str) -> None:
    root = _ask(base_url, verb="ListMetadataFormats")
    formats = {
        e.findtext("o:metadataPrefix", namespaces=NS): e
        for e in root.iterfind(".//o:metadataFormat", NS)
    }
    assert formats["ape_ead"].findtext("o:metadataNamespace", namespaces=NS) == APE
    assert formats["ape_ead"].findtext("o:schema", namespaces=NS) == (
        "https://www.archivesportaleurope.net/schemas/ead/apeEAD.xsd"
    )


def test_each_fonds_is_one_valid_finding_aid_with_its_units(
    base_url: str, ape_schema: etree.XMLSchema
) -> None:
    aids = _finding_aids(_harvest(base_url, metadataPrefix="ape_ead"))
    assert len(aids) >= 3
    for identifier, ead in aids.items():
        assert ape_schema.validate(ead), (identifier, ape_schema.error_log)
        assert ead.find("a:archdesc[@level='fonds']", A) is not None
        eadid = ead.find("a:eadheader/a:eadid", A)
        assert eadid is not None and eadid.get("mainagencycode") == "CZ-225202010"
    units = {i: len(ead.findall(".//a:dsc//a:c", A)) for i, ead in aids.items()}
    # the ELZA finding aid of Všestary: hundreds of units, nested below series
    assert max(units.values()) > 400
    assert any(ead.find(".//a:c/a:c", A) is not None for ead in aids.values())
    # the set `ape` holds exactly the finding aids
    in_set = _finding_aids(_harvest(base_url, metadataPrefix="ape_ead", set="ape"))
    assert set(in_set) == set(aids)


def test_a_unit_below_a_fonds_has_no_finding_aid_of_its_own(base_url: str, ape_hub: Hub) -> None:
    aids = _finding_aids(_harvest(base_url, metadataPrefix="ape_ead"))
    head = next(i for i in aids if len(aids[i].findall(".//a:c", A)) > 400)
    unit = _deepest_unit(ape_hub, head.removeprefix(f"oai:{REPO_ID}:"))
    root = requests.get(
        base_url,
        params={
            "verb": "GetRecord",
            "identifier": f"oai:{REPO_ID}:{unit}",
            "metadataPrefix": "ape_ead",
        },
        timeout=30,
    ).content
    error = etree.fromstring(root).find("o:error", NS)
    assert error is not None and error.get("code") == "cannotDisseminateFormat"


def _deepest_unit(hub: Hub, head: str) -> str:
    from records.hierarchy import descendants

    with hub.engine.connect() as conn:
        below = descendants(conn, head)
    leaves = [u["id"] for units in below.values() for u in units if u["id"] not in below]
    return str(leaves[-1])


def test_a_changed_unit_moves_its_finding_aid_into_the_next_incremental_harvest(
    base_url: str, ape_hub: Hub, ape_schema: etree.XMLSchema
) -> None:
    aids = _finding_aids(_harvest(base_url, metadataPrefix="ape_ead"))
    head = next(i for i in aids if len(aids[i].findall(".//a:c", A)) > 400)
    unit_id = _deepest_unit(ape_hub, head.removeprefix(f"oai:{REPO_ID}:"))
    imported = utcnow()
    time.sleep(1.1 - imported.microsecond / 1e6)  # datestamps are seconds: the next one
    unit = ape_hub.store.get(unit_id)
    changed = replace(unit, title=unit.title + " (revised)", header=None)
    renderer = StoreRenderer(ape_hub.render_context)
    later = ape_hub.store.put(changed, renderer=renderer, reason="edit").datestamp
    assert later > imported

    since = format_datestamp(later)
    moved = _finding_aids(_harvest(base_url, metadataPrefix="ape_ead", **{"from": since}))
    assert set(moved) == {head}  # the other finding aids did not change
    ead = moved[head]
    assert ape_schema.validate(ead), ape_schema.error_log
    titles = [t.text for t in ead.iterfind(".//a:c/a:did/a:unittitle", A)]
    assert unit.title + " (revised)" in titles
    stamp = _ask(base_url, verb="GetRecord", identifier=head, metadataPrefix="ape_ead")
    assert stamp.findtext(".//o:header/o:datestamp", namespaces=NS) == format_datestamp(later)


def test_every_response_passes_the_official_validator(base_url: str, validator: ModuleType) -> None:
    pages = [
        requests.get(
            base_url, params={"verb": "ListRecords", "metadataPrefix": "ape_ead"}, timeout=30
        )
    ]
    token = etree.fromstring(pages[0].content).findtext(".//o:resumptionToken", namespaces=NS)
    while token:
        pages.append(
            requests.get(
                base_url, params={"verb": "ListRecords", "resumptionToken": token}, timeout=30
            )
        )
        token = etree.fromstring(pages[-1].content).findtext(".//o:resumptionToken", namespaces=NS)
    for verb in ("ListIdentifiers", "ListMetadataFormats"):
        args = {"verb": verb} | ({"metadataPrefix": "ape_ead"} if verb == "ListIdentifiers" else {})
        pages.append(requests.get(base_url, params=args, timeout=30))
    for page in pages:
        errors, _warnings = validator.validate_bytes(page.content)
        assert not errors, errors[:3]
