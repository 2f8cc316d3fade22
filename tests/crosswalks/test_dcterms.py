"""oai_dcterms: qualified DC with encoding schemes, valid against DCMI's dcterms.xsd."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from crosswalks import Registry, read_document, render
from records.model import Record

from .envelope import get_record

T = "{http://purl.org/dc/terms/}"


def _elements(xml: bytes, name: str) -> list[etree._Element]:
    return list(etree.fromstring(xml).iter(T + name))


def _values(xml: bytes, name: str) -> list[str]:
    return [e.text or "" for e in _elements(xml, name)]


def test_archive_mapping(registry: Registry, archive_record: dict[str, Any]) -> None:
    xml = render(registry, "oai_dcterms", archive_record)
    assert _values(xml, "title") == [archive_record["title"]]
    assert _values(xml, "abstract") == [archive_record["summary"]]
    assert _values(xml, "created") == ["1961-04"]
    (available,) = _elements(xml, "available")
    assert available.text == "2024-09-19"
    assert _values(xml, "extent") == ["3 pages"]
    assert _values(xml, "spatial") == ["Cuba", "Havana"]
    assert _values(xml, "accessRights") == ["Open access"]
    assert _values(xml, "isPartOf") == ["Cuban Missile Crisis"]
    assert _values(xml, "references") == [
        "https://digitalarchive.example.org/document/118019",
        "J. Miller, 'The Danger of Military Aggression against Cuba'",
    ]
    assert _values(xml, "language") == ["eng"]
    assert _values(xml, "type") == ["Text", "Report"]
    # Encoding schemes are in the value syntax, not in xsi:type (see test_in_an_envelope).
    assert b"xsi:type" not in xml


def test_range_is_a_period(
    registry: Registry,
    dcterms_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    record = {
        "id": "p",
        "title": "t",
        "date": {
            "text": "19.2. - 14.3.1945",
            "start": "1945-02-19",
            "end": "1945-03-14",
            "precision": "day",
        },
    }
    xml = render(registry, "oai_dcterms", record)
    assert _values(xml, "created") == ["start=1945-02-19; end=1945-03-14; scheme=W3C-DTF"]
    check_schema(dcterms_schema, xml)
    (back,) = read_document(xml)
    assert (back["date"]["start"], back["date"]["end"]) == ("1945-02-19", "1945-03-14")


def test_valid_against_dcterms_xsd(
    registry: Registry,
    archive_record: dict[str, Any],
    dcterms_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    check_schema(dcterms_schema, render(registry, "oai_dcterms", archive_record))


def test_in_an_oai_pmh_envelope(
    registry: Registry, archive_record: dict[str, Any], assert_valid: Callable[[bytes], None]
) -> None:
    assert_valid(get_record(render(registry, "oai_dcterms", archive_record), "oai_dcterms"))


def test_xsi_typed_partner_records_are_valid_and_read(
    dcterms_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    typed = (
        b'<o:dcterms xmlns:o="https://oaihub.org/ns/oai_dcterms/" '
        b'xmlns:dcterms="http://purl.org/dc/terms/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        b"<dcterms:title>t</dcterms:title>"
        b'<dcterms:created xsi:type="dcterms:W3CDTF">1961-04-18</dcterms:created></o:dcterms>'
    )
    check_schema(dcterms_schema, typed)
    assert read_document(typed)[0]["date"]["start"] == "1961-04-18"


def test_schema_rejects_a_bad_w3cdtf(
    dcterms_schema: etree.XMLSchema,
) -> None:
    bad = (
        b'<o:dcterms xmlns:o="https://oaihub.org/ns/oai_dcterms/" '
        b'xmlns:dcterms="http://purl.org/dc/terms/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        b'<dcterms:created xsi:type="dcterms:W3CDTF">April 1961</dcterms:created></o:dcterms>'
    )
    assert not dcterms_schema.validate(etree.fromstring(bad))


def test_read_back(registry: Registry, archive_record: dict[str, Any]) -> None:
    (back,) = read_document(render(registry, "oai_dcterms", archive_record))
    Record.from_dict(back)
    assert back["summary"] == archive_record["summary"]
    assert back["uploaded"] == "2024-09-19"
    assert back["extent"] == ["3 pages"]
    assert back["access_rights"] == "Open access"
    assert [r["relation"] for r in back["related"]] == ["references", "references", "isPartOf"]


def test_partner_qualified_dc(data_dir: Path) -> None:
    (record,) = read_document((data_dir / "qdc_partner_record.xml").read_bytes())
    Record.from_dict(record)
    assert record["id"] == "118019"
    assert record["title"] == "Information of the Soviet Ambassador in Cuba on 18 April"
    assert record["summary"] == "Czechoslovak diplomats in Havana inform Prague."
    assert record["date"]["start"] == "1961-04"
    assert record["languages"] == ["ces"]
    assert record["places"] == ["Havana"]
    assert record["related"] == [{"relation": "isPartOf", "title": "Cuban Missile Crisis"}]
    assert record["access_rights"] == "Open"
    assert record["extent"] == ["3 pages"]
    assert {
        "type": "alternative title",
        "text": "Informace sovětského velvyslance na Kubě",
    } in record["notes"]
