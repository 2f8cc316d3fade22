"""MODS 3.8: the writer's mapping and validity, and MODS from partners (NDK, ArchivesSpace)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from crosswalks import Registry, read_document, render
from records.model import Record

M = {"m": "http://www.loc.gov/mods/v3"}


def _xpath(xml: bytes, path: str) -> list[Any]:
    result = etree.fromstring(xml).xpath(path, namespaces=M)
    assert isinstance(result, list)
    return result


def test_archive_mapping(registry: Registry, archive_record: dict[str, Any]) -> None:
    xml = render(registry, "mods", archive_record)
    assert _xpath(xml, "/m:mods/@version") == ["3.8"]
    assert _xpath(xml, "/m:mods/m:titleInfo/m:title/text()") == [archive_record["title"]]
    assert _xpath(xml, "m:name[@type='corporate']/m:namePart/text()") == ["Soviet Embassy in Cuba"]
    assert _xpath(xml, "m:name[@type='personal']/m:role/m:roleTerm/text()") == ["translator"]
    assert _xpath(xml, "m:typeOfResource/text()") == ["text"]
    created = _xpath(xml, "m:originInfo[@eventType='production']/m:dateCreated")
    assert [(d.text, d.get("encoding"), d.get("keyDate")) for d in created] == [
        ("1961-04", "w3cdtf", "yes")
    ]
    assert _xpath(xml, "m:originInfo[@eventType='publication']/m:publisher/text()") == [
        "Wilson Center Digital Archive"
    ]
    assert _xpath(xml, "m:language/m:languageTerm[@authority='iso639-2b']/text()") == ["eng"]
    assert _xpath(xml, "m:abstract/text()") == [archive_record["summary"]]
    assert _xpath(xml, "m:note[@displayLabel='Original classification']/text()") == ["Top Secret"]
    assert _xpath(xml, "m:subject/m:geographic/text()") == ["Cuba", "Havana"]
    assert _xpath(xml, "m:relatedItem[@type='original']/m:titleInfo/m:title/text()") == [
        archive_record["source"]["citation"]
    ]
    assert _xpath(xml, "m:relatedItem[@type='references']/m:location/m:url/text()") == [
        "https://digitalarchive.example.org/document/118019"
    ]
    assert _xpath(xml, "m:location/m:url/text()") == [archive_record["url"]]
    assert _xpath(xml, "m:recordInfo/m:recordIdentifier/text()") == ["301006"]


def test_czech_language_is_639_2b(registry: Registry) -> None:
    xml = render(registry, "mods", {"id": "c", "title": "t", "languages": ["ces", "deu"]})
    assert _xpath(xml, "m:language/m:languageTerm/text()") == ["cze", "ger"]
    (back,) = read_document(xml)
    assert back["languages"] == ["ces", "deu"]


def test_valid(
    registry: Registry, archive_record: dict[str, Any], assert_valid: Callable[[bytes], None]
) -> None:
    assert_valid(render(registry, "mods", archive_record))


def test_read_back(registry: Registry, archive_record: dict[str, Any]) -> None:
    (back,) = read_document(render(registry, "mods", archive_record))
    Record.from_dict(back)
    for key in (
        "id",
        "title",
        "summary",
        "classification",
        "donors",
        "publisher",
        "uploaded",
        "places",
        "people",
        "organizations",
        "subjects",
        "genres",
        "collections",
        "url",
        "rights",
        "access_rights",
        "extent",
        "formats",
        "languages",
    ):
        assert back[key] == archive_record[key], key
    assert back["date"]["start"] == "1961-04"
    assert back["contributors"] == archive_record["contributors"]
    assert back["source"]["citation"] == archive_record["source"]["citation"]
    assert back["related"][0]["url"] == archive_record["related"][0]["url"]


def test_ndk_monograph(data_dir: Path) -> None:
    (record,) = read_document((data_dir / "ndk_mods_monograph.xml").read_bytes())
    Record.from_dict(record)
    assert record["id"] == "cpk20051492461"
    assert record["title"] == "Umění programování v UNIXu"
    assert record["creators"] == [{"name": "Raymond, Eric S.", "role": "author", "kind": "person"}]
    assert record["contributors"] == [{"name": "Jan Novák", "role": "translator", "kind": "person"}]
    assert record["date"] == {
        "text": "[2004]",
        "start": "2004",
        "end": "2004",
        "precision": "year",
        "inferred": True,
    }
    assert record["publisher"] == "Computer Press"
    assert record["languages"] == ["ces", "eng"]
    assert record["extent"] == ["509 s. : il. ; 23 cm"]
    assert record["subjects"] == ["UNIX", "operační systémy", "004.451.9Unix"]
    assert record["places"] == ["Česko"]
    assert {"type": "ccnb", "value": "cnb001492461"} in record["identifiers"]
    assert {"type": "uuid", "value": "3a9d6f1c-0a4c-4b7e-9a60-6c2d7f1e5b2a"} in record[
        "identifiers"
    ]
    assert record["source"] == {"citation": "ABA001, 54 G 12345", "archive": "ABA001"}
    assert {"type": "alternative title", "text": "Art of UNIX programming"} in record["notes"]


def test_aspace_mods_with_lowercase_titleinfo(samples_dir: Path) -> None:
    (record,) = read_document((samples_dir / "aspace_getrecord_oai_mods.xml").read_bytes())
    Record.from_dict(record)
    assert record["title"] == "Archival_Object 1, 2017-06-01"
    assert record["summary"] == "scope and contents note"
    assert record["access_rights"] == "conditions governing access note"
    assert record["rights"] == "conditions governing use note"
    assert record["people"] == ["Agent, Subject"]
    assert record["related"] == [
        {"relation": "isPartOf", "title": "Test resource 0, Resource OAI test 0.OAI.1"}
    ]


def test_name_from_display_form_without_role_text() -> None:
    xml = (
        b'<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo><title>t</title></titleInfo>'
        b"<name><displayForm>Havel, V\xc3\xa1clav</displayForm><role><roleTerm type='code'>"
        b"aut</roleTerm></role></name><name><role><roleTerm>ctb</roleTerm></role></name>"
        b"</mods>"
    )
    (record,) = read_document(xml)
    assert record["creators"] == [{"name": "Havel, Václav", "role": "author"}]
    assert "contributors" not in record
