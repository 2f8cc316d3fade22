"""Finding aids: EAD 2002 (namespaced and DTD form), apeEAD and EAD3 from ELZA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crosswalks import read_document
from records.model import Record


def _by_title(records: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return next(r for r in records if r["title"] == title)


def _check_links(records: list[dict[str, Any]]) -> None:
    ids = {r["id"] for r in records}
    assert len(ids) == len(records), "ids must be unique within a finding aid"
    for record in records:
        Record.from_dict(record)
        for link in record.get("related", []):
            assert link["id"] in ids


def test_ehri_dtd_form_without_namespace(samples_dir: Path) -> None:
    (fonds,) = read_document((samples_dir / "ehri_ead2002_JMP-130.xml").read_bytes())
    Record.from_dict(fonds)
    assert fonds["id"] == "COLLECTION.JMP.ARCHIVE/130_eng"
    assert fonds["title"] == "Jewish Religious Community of Slaný"
    assert fonds["level"] == "fonds"
    assert fonds["dcmi_type"] == "Collection"
    assert fonds["date"] == {
        "text": "1828 - 1945",
        "start": "1828",
        "end": "1945",
        "precision": "year",
    }
    assert fonds["languages"] == ["ces", "deu", "heb"]
    assert fonds["extent"] == ["7,7 Meter"]
    assert fonds["creators"] == [
        {"name": "Jewish Religious Community Slaný", "role": "creator", "kind": "organization"}
    ]
    assert fonds["places"] == ["Slaný", "Kralupy nad Vltavou"]
    assert fonds["summary"].startswith("This fonds contains the community's statutes")
    assert {"type": "No_of_the_evidence_ID_NAD", "value": "130"} in fonds["identifiers"]
    assert fonds["source"]["archive"] == "Archiv Židovského muzea v Praze"


def test_aspace_ead_components(samples_dir: Path) -> None:
    records = read_document((samples_dir / "aspace_getrecord_oai_ead.xml").read_bytes())
    _check_links(records)
    resource, component = records
    assert resource["title"] == "Test resource 0"
    assert resource["date"]["start"] == "2012-06-01"
    assert resource["date"]["end"] == "2016-06-01"
    assert resource["access_rights"] == "conditions governing access note"
    assert resource["related"] == [
        {"relation": "hasPart", "id": component["id"], "title": "Archival_Object 1"}
    ]
    assert component["id"] == "aspace_e9c11f5b01d8b52fcf4c7b4001e52b47"
    assert component["related"] == [
        {"relation": "isPartOf", "id": resource["id"], "title": "Test resource 0"}
    ]
    assert component["level"] == "file"
    assert component["date"]["start"] == "2017-06-01"


def test_apeead(data_dir: Path) -> None:
    records = read_document((data_dir / "apeead_fonds_with_components.xml").read_bytes())
    _check_links(records)
    fonds, series, file = records
    assert fonds["id"] == "CZ-100000010-1261"
    assert fonds["title"] == "ÚV KSČ"
    assert fonds["date"]["start"] == "1945"
    assert fonds["publisher"] == "Národní archiv"
    assert series["id"] == "s-121"
    assert file["related"] == [
        {"relation": "isPartOf", "id": "s-121", "title": "Antonín Novotný – Zahraničí"}
    ]
    assert file["date"] == {
        "text": "18. 4. 1961",
        "start": "1961-04-18",
        "end": "1961-04-18",
        "precision": "day",
    }
    assert file["places"] == ["Kuba"]
    assert file["people"] == ["Castro, Fidel"]
    assert file["organizations"] == ["Komunistická strana Kuby"]
    assert {"type": "url", "value": "https://example.org/dao/k-121"} in file["identifiers"]
    assert file["source"] == {
        "citation": "Národní archiv, ÚV KSČ, Komunistická strana Kuby, Karton 121, container 121",
        "archive": "Národní archiv",
        "fonds": "ÚV KSČ",
        "container": "121",
        "reference_code": "Karton 121",
    }


def test_elza_ead3(samples_dir: Path) -> None:
    data = (samples_dir / "elza_ead3_cz_findingaid-HK01812.xml").read_bytes()
    records = read_document(data)
    _check_links(records)
    assert len(records) == 449  # the archival description and its 448 components
    fonds = records[0]
    assert fonds["id"] == "1820"  # control/recordid
    assert fonds["title"] == "Farní úřad Všestary"  # titleproper: archdesc has no unittitle
    assert fonds["publisher"] == "Státní okresní archiv Hradec Králové"
    assert {"type": "PEvA", "value": "225101010"} in fonds["identifiers"]
    assert fonds["languages"] == ["ces", "deu", "lat"]
    assert fonds["url"] == "https://archdesc.nacr.cz/dids/6d05e4b6-336e-4067-ba49-5a2f643119df"
    book = _by_title(records, "Kniha nařízení")
    assert book["id"] == "e872ed21-5dbe-4502-ae09-0295d4d6d41e"
    assert book["date"] == {
        "text": "1734-1776",
        "start": "1734",
        "end": "1776",
        "precision": "year",
    }
    assert {"type": "ReferencniOznaceni", "value": "1/1/1//1"} in book["identifiers"]
    assert book["languages"] == ["lat", "deu", "ces"]
    assert book["related"][0] == {
        "relation": "isPartOf",
        "id": "5b1f1c31-284e-4043-8bbe-fb0219247a9c",
        "title": "Panovnická (státní) nařízení",
    }
    assert book["source"]["citation"] == (
        "Státní okresní archiv Hradec Králové, Farní úřad Všestary, Kniha nařízení, "
        "1/1/1//1, container 1"
    )
    cross = _by_title(records, "Nákres tzv. Šrámova kříže")
    assert "Šrám, František" in cross["subjects"]


def test_untitled_component_gets_a_devised_title(samples_dir: Path) -> None:
    data = (samples_dir / "elza_ead3_cz_findingaid-HK01812.xml").read_bytes()
    records = read_document(data)
    untitled = next(r for r in records if r["id"] == "31ec48b4-315c-4d68-955f-8272b9454d35")
    parent = next(r for r in records if r["id"] == untitled["related"][0]["id"])
    assert untitled["title"] == f"{parent['title']}, 2/4/2/1//2/1"


def test_description_without_any_title_gets_a_devised_one() -> None:
    # issue 21: no reader refuses a unit for want of a title (ISAD(G) 3.1.2, DACS 2.3)
    xml = (
        b"<ead>\n<eadheader/>\n<archdesc level='fonds'><did><unitid>1</unitid></did>"
        b"</archdesc></ead>"
    )
    (record,) = read_document(xml)
    assert record["title"] == "fonds, 1" and record["title_devised"] is True
    assert record["id"] == "~ead", "no identifier: the finding aid's place in its file"


def test_component_without_unitid_or_title() -> None:
    xml = (
        b'<ead xmlns="urn:isbn:1-931666-22-9" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b"<eadheader><eadid>e1</eadid></eadheader><archdesc level='fonds'><did>"
        b"<unittitle>Fonds</unittitle></did><dsc><c01><did>"
        b"<dao xlink:href='https://example.org/d/1'/></did></c01></dsc></archdesc></ead>"
    )
    _fonds, part = read_document(xml)
    assert part["title"] == "Fonds, 1"
    assert part["id"] == "e1.1"
    assert part["identifiers"] == [{"type": "url", "value": "https://example.org/d/1"}]
    assert "reference_code" not in part["source"]
