"""oai_dc: the archive's mapping (issue 3), schema validity, and partner oai_dc records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from crosswalks import Registry, read_document, render
from records.model import Record

DC = "{http://purl.org/dc/elements/1.1/}"


def _values(xml: bytes, name: str) -> list[str]:
    return [e.text or "" for e in etree.fromstring(xml).iter(DC + name)]


def test_archive_mapping(registry: Registry, archive_record: dict[str, Any]) -> None:
    xml = render(registry, "oai_dc", archive_record)
    assert _values(xml, "title") == [archive_record["title"]]
    assert _values(xml, "creator") == ["Soviet Embassy in Cuba"]
    assert _values(xml, "contributor") == ["Radoslav Yordanov"]
    assert _values(xml, "subject") == [
        "Cuban Missile Crisis",
        "Bay of Pigs Invasion, 1961",
        "Castro, Fidel",
        "Khrushchev, Nikita Sergeevich, 1894-1971",
        "United Nations. General Assembly",
    ]
    assert _values(xml, "description") == [
        archive_record["summary"],
        "Original classification: Top Secret",
        "This document was made possible with support from Blavatnik Family Foundation",
        "Translated from Russian",
    ]
    assert _values(xml, "publisher") == ["Wilson Center Digital Archive"]
    # The document date at its precision; the upload date is not a dc:date.
    assert _values(xml, "date") == ["1961-04"]
    assert _values(xml, "type") == ["Text", "Report"]
    assert _values(xml, "format") == ["application/pdf", "3 pages"]
    assert _values(xml, "identifier") == [
        "https://digitalarchive.example.org/document/301006",
        "301006",
        "uuid:9b0f6a1e-3c55-4a4e-8f3b-2d1c0e9a7f11",
    ]
    assert _values(xml, "source") == [archive_record["source"]["citation"]]
    assert _values(xml, "language") == ["eng"]
    assert _values(xml, "relation") == [
        "https://digitalarchive.example.org/document/118019",
        "J. Miller, 'The Danger of Military Aggression against Cuba'",
        "Cuban Missile Crisis",
    ]
    assert _values(xml, "coverage") == ["Cuba", "Havana"]
    assert _values(xml, "rights") == [archive_record["rights"], "Open access"]


def test_transcript_stays_out(registry: Registry, archive_record: dict[str, Any]) -> None:
    xml = render(registry, "oai_dc", archive_record)
    assert b"seriously alarmed" not in xml
    assert b"2024-09-19" not in xml


def test_day_and_range_dates(registry: Registry) -> None:
    day = {
        "id": "a",
        "title": "t",
        "date": {
            "text": "January 9, 1961",
            "start": "1961-01-09",
            "end": "1961-01-09",
            "precision": "day",
        },
    }
    span = {
        "id": "b",
        "title": "t",
        "date": {
            "text": "19.2. - 14.3.1945",
            "start": "1945-02-19",
            "end": "1945-03-14",
            "precision": "day",
        },
    }
    year = {
        "id": "c",
        "title": "t",
        "date": {"text": "1961", "start": "1961", "end": "1961", "precision": "year"},
    }
    assert _values(render(registry, "oai_dc", day), "date") == ["1961-01-09"]
    assert _values(render(registry, "oai_dc", span), "date") == ["1945-02-19/1945-03-14"]
    assert _values(render(registry, "oai_dc", year), "date") == ["1961"]


def test_output_is_valid(
    registry: Registry, archive_record: dict[str, Any], assert_valid: Callable[[bytes], None]
) -> None:
    assert_valid(render(registry, "oai_dc", archive_record))


def test_no_declaration_and_own_namespaces(
    registry: Registry, archive_record: dict[str, Any]
) -> None:
    xml = render(registry, "oai_dc", archive_record)
    assert xml.startswith(b"<oai_dc:dc ")
    root = etree.fromstring(xml)
    assert root.nsmap["dc"] == "http://purl.org/dc/elements/1.1/"
    location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location == (
        "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    )


def test_control_characters_are_dropped(registry: Registry) -> None:
    xml = render(registry, "oai_dc", {"id": "x", "title": "bell\x07 and form\x0c feed"})
    assert _values(xml, "title") == ["bell and form feed"]


def test_read_back_keeps_dc_fields(registry: Registry, archive_record: dict[str, Any]) -> None:
    (back,) = read_document(render(registry, "oai_dc", archive_record), registry)
    Record.from_dict(back)
    assert back["id"] == "301006"
    assert back["title"] == archive_record["title"]
    assert back["summary"] == archive_record["summary"]
    assert back["classification"] == "Top Secret"
    assert back["donors"] == ["Blavatnik Family Foundation"]
    assert back["date"]["start"] == "1961-04"
    assert back["date"]["precision"] == "month"
    assert back["url"] == archive_record["url"]
    assert back["source"] == {"citation": archive_record["source"]["citation"]}
    assert back["places"] == ["Cuba", "Havana"]
    assert back["rights"] == archive_record["rights"]
    assert back["access_rights"] == "Open access"


def test_aspace_getrecord(samples_dir: Path) -> None:
    (record,) = read_document((samples_dir / "aspace_getrecord_oai_dc.xml").read_bytes())
    Record.from_dict(record)
    assert record["title"] == "Archival_Object 1, 2017-06-01"
    assert record["id"] == "ArchivalObject_OAI_test_0"
    assert record["url"] == "http://localhost:8081/repositories/3/archival_objects/1"
    assert record["creators"] == [{"name": "Agent, Creator"}]
    assert record["date"]["start"] == "2017-06-01"
    assert record["languages"] == ["eng"]  # "Latn" (a script) is not a language
    assert record["places"] == ["Geographic -- Subject"]
    assert record["genres"] == ["Genre -- Subject"]
    assert record["rights"] == "conditions governing access note"
    assert "Agent, Subject" in record["subjects"]


def test_kramerius_quirks(samples_dir: Path) -> None:
    (record,) = read_document((samples_dir / "kramerius_biblio_oai_dc.xml").read_bytes())
    Record.from_dict(record)
    assert record["id"] == "uuid:00035a90-9847-4822-95f8-e844694717eb"
    assert record["date"] == {
        "text": "[1993]",
        "start": "1993",
        "end": "1993",
        "precision": "year",
        "inferred": True,
    }
    assert {"type": "uuid", "value": "00035a90-9847-4822-95f8-e844694717eb"} in record[
        "identifiers"
    ]
    assert {"type": "barcode", "value": "26000003292"} in record["identifiers"]
    assert record["dcmi_type"] == "Text"
    assert "model:monograph" in record["genres"]
    assert record["source"] == {"citation": "ABA007; AK 2036"}
    assert record["places"] == ["Brno"]


def test_typed_identifiers(registry: Registry) -> None:
    record = {
        "id": "i",
        "title": "t",
        "identifiers": [
            {"type": "urn", "value": "urn:nbn:cz:aba001-000123"},
            {"type": "isbn", "value": "80-251-0225-4"},
            {"value": "plain"},
        ],
    }
    xml = render(registry, "oai_dc", record)
    assert _values(xml, "identifier") == [
        "i",
        "urn:nbn:cz:aba001-000123",
        "isbn:80-251-0225-4",
        "plain",
    ]
    (back,) = read_document(xml)
    assert back["identifiers"] == [{"value": "i"}, *record["identifiers"]]
