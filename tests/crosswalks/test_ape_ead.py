"""apeEAD: one whole finding aid per fonds, valid against the Archives Portal's apeEAD.xsd."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from crosswalks import read_document
from crosswalks.ape_ead import ApeOptions, write_finding_aid
from crosswalks.errors import CrosswalkError
from crosswalks.hierarchy import Hierarchy

NS = {"e": "urn:isbn:1-931666-22-9"}
ARCHIVAL = [
    "aron_apux_archdesc-PA00870_P.xml",
    "elza_edx_archdesc-PA00870_P.xml",
    "ehri_ead2002_JMP-130.xml",
    "aspace_getrecord_oai_ead.xml",
    "elza_ead3_cz_findingaid-HK01812.xml",
]
OPTIONS = ApeOptions("CZ", "CZ-225202010")


@pytest.fixture(scope="module")
def ape_schema(schemas_dir: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(schemas_dir / "apeead" / "apeEAD.xsd"), parser))


def _finding_aid(samples_dir: Path, name: str) -> tuple[etree._Element, int]:
    forms = read_document((samples_dir / name).read_bytes())
    hierarchy = Hierarchy(forms)
    [head] = hierarchy.roots()
    document = write_finding_aid(head, hierarchy.children_of, OPTIONS)
    return etree.fromstring(document), len(forms)


@pytest.mark.parametrize("name", ARCHIVAL)
def test_every_archival_sample_gives_one_valid_finding_aid_with_all_its_units(
    samples_dir: Path, ape_schema: etree.XMLSchema, name: str
) -> None:
    root, records = _finding_aid(samples_dir, name)
    assert ape_schema.validate(root), ape_schema.error_log
    assert len(root.findall(".//e:c", NS)) == records - 1  # every unit below the head
    eadid = root.find("e:eadheader/e:eadid", NS)
    assert eadid is not None
    assert eadid.get("mainagencycode") == "CZ-225202010"
    assert eadid.get("countrycode") == "CZ"
    assert eadid.get("identifier")
    assert root.find("e:archdesc", NS).get("level") == "fonds"  # type: ignore[union-attr]


def test_languages_are_iso_639_2b_and_dates_iso_8601(samples_dir: Path) -> None:
    root, _ = _finding_aid(samples_dir, "ehri_ead2002_JMP-130.xml")
    codes = [e.get("langcode") for e in root.iterfind(".//e:language", NS)]
    assert codes == ["cze", "ger", "heb"]
    date = root.find("e:archdesc/e:did/e:unitdate", NS)
    assert date is not None and date.get("normal") == "1828/1945"


def test_units_nest_as_in_the_finding_aid(samples_dir: Path) -> None:
    root, _ = _finding_aid(samples_dir, "elza_edx_archdesc-PA00870_P.xml")
    series = root.findall("e:archdesc/e:dsc/e:c", NS)
    assert [c.findtext("e:did/e:unittitle", namespaces=NS) for c in series] == ["Knihy", "Spisy"]
    assert all(c.get("level") == "series" for c in series)
    assert all(c.find("e:c", NS) is not None for c in series)


def test_a_bad_agency_code_is_refused() -> None:
    with pytest.raises(CrosswalkError, match="agency code"):
        ApeOptions("CZ", "not a code").main_agency()
