"""MARCXML: LoC DC -> MARC mapping, leader and 008, validity, and partner MARC records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from crosswalks import Registry, read_document, render
from crosswalks.marcxml import field_008, leader
from records.model import Record

M = {"m": "http://www.loc.gov/MARC21/slim"}


def _sub(xml: bytes, tag: str, code: str) -> list[str]:
    path = f"m:datafield[@tag='{tag}']/m:subfield[@code='{code}']/text()"
    result = etree.fromstring(xml).xpath(path, namespaces=M)
    assert isinstance(result, list)
    return [str(v) for v in result]


def _control(xml: bytes, tag: str) -> str:
    result = etree.fromstring(xml).xpath(f"m:controlfield[@tag='{tag}']/text()", namespaces=M)
    assert isinstance(result, list)
    return str(result[0])


def test_archive_mapping(registry: Registry, archive_record: dict[str, Any]) -> None:
    xml = render(registry, "marcxml", archive_record)
    assert _control(xml, "001") == "301006"
    assert _sub(xml, "110", "a") == ["Soviet Embassy in Cuba"]
    assert _sub(xml, "245", "a") == [archive_record["title"]]
    assert _sub(xml, "264", "c") == ["1961-04", "2024-09-19"]
    assert _sub(xml, "264", "b") == ["Wilson Center Digital Archive"]
    assert _sub(xml, "300", "a") == ["3 pages"]
    assert _sub(xml, "355", "a") == ["Top Secret"]
    assert _sub(xml, "520", "a") == [archive_record["summary"]]
    assert _sub(xml, "536", "a") == [
        "This document was made possible with support from Blavatnik Family Foundation"
    ]
    assert _sub(xml, "600", "a") == archive_record["people"]
    assert _sub(xml, "651", "a") == ["Cuba", "Havana"]
    assert _sub(xml, "700", "e") == ["translator"]
    assert _sub(xml, "786", "n") == [archive_record["source"]["citation"]]
    assert _sub(xml, "852", "c") == ["Karton 121"]
    assert _sub(xml, "856", "u") == [archive_record["url"]]
    assert _sub(xml, "041", "a") == ["eng"]


def test_leader_and_008(archive_record: dict[str, Any]) -> None:
    # t: manuscript language material, m: item, a: archival control (a level is given)
    assert leader(archive_record) == "00000ntmaa2200000 c 4500"
    value = field_008(archive_record)
    assert len(value) == 40
    assert value[:6] == "240919"  # date entered: the upload date
    assert value[6:15] == "s1961    "  # single known date
    assert value[35:38] == "eng"
    fonds = {
        "id": "f",
        "title": "t",
        "level": "fonds",
        "dcmi_type": "Collection",
        "languages": ["ces"],
        "date": {"start": "1828", "end": "1945", "precision": "year"},
    }
    assert leader(fonds)[6:9] == "pca"
    assert field_008(fonds)[6:15] == "i18281945"
    assert field_008(fonds)[35:38] == "cze"
    approximate = {
        "id": "a",
        "title": "t",
        "date": {"start": "1950", "end": "1950", "approximate": True},
    }
    assert field_008(approximate)[6:15] == "q19501950"
    assert field_008({"id": "n", "title": "t"})[6:15] == "nuuuuuuuu"


def test_valid(
    registry: Registry, archive_record: dict[str, Any], assert_valid: Callable[[bytes], None]
) -> None:
    assert_valid(render(registry, "marcxml", archive_record))


def test_read_back(registry: Registry, archive_record: dict[str, Any]) -> None:
    (back,) = read_document(render(registry, "marcxml", archive_record))
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
        "genres",
        "extent",
        "formats",
        "url",
        "rights",
        "access_rights",
        "languages",
        "record_id",
        "collections",
    ):
        assert back[key] == archive_record[key], key
    assert back["date"]["start"] == "1961-04"
    assert back["source"]["container"] == "Karton 121"


def test_nkcr_trailing_slash_namespace(samples_dir: Path) -> None:
    (record,) = read_document((samples_dir / "nkcr_marcxml_cpk20051492461.xml").read_bytes())
    Record.from_dict(record)
    assert record["id"] == "CZ-PrNK:cpk20051492461", "001 with the agency of 003"
    assert record["title"] == "Umění programování v UNIXu"  # ISBD " /" removed
    assert record["creators"] == [{"name": "Raymond, Eric S.", "role": "author", "kind": "person"}]
    assert record["publisher"] == "Computer Press"
    assert record["date"]["start"] == "2004"
    assert record["languages"] == ["ces"]
    assert record["extent"] == ["509 s. : il. ; 23 cm"]
    assert {"type": "isbn", "value": "80-251-0225-4"} in record["identifiers"]
    assert {"type": "ccnb", "value": "cnb001492461"} in record["identifiers"]
    assert "operační systémy" in record["subjects"]
    assert record["related"] == [{"relation": "isVersionOf", "title": "Art of UNIX programming"}]


def test_aspace_marc_collection(samples_dir: Path) -> None:
    (record,) = read_document((samples_dir / "aspace_getrecord_oai_marc.xml").read_bytes())
    Record.from_dict(record)
    assert record["title"] == "Archival_Object 1"
    assert record["summary"] == "scope and contents note."
    assert record["date"]["start"] == "2017"  # from 008
    assert record["places"] == ["Geographic -- Subject"]


def test_marc_without_namespace() -> None:
    xml = (
        b"<record><leader>00000nam a2200000 a 4500</leader>"
        b"<controlfield tag='001'>x1</controlfield>"
        b"<datafield tag='245' ind1='0' ind2='0'><subfield code='a'>Plain :</subfield>"
        b"<subfield code='b'>no namespace</subfield></datafield></record>"
    )
    (record,) = read_document(xml)
    assert (record["id"], record["title"]) == ("x1", "Plain : no namespace")


def test_marcxchange() -> None:
    xml = (
        b'<marc:collection xmlns:marc="info:lc/xmlns/marcxchange-v2"><marc:record '
        b'format="MARC21" type="Bibliographic"><marc:leader>00000nam a2200000 i 4500'
        b"</marc:leader><marc:controlfield tag='001'>mx1</marc:controlfield>"
        b"<marc:datafield tag='245' ind1='1' ind2='0'><marc:subfield code='a'>Exchanged /"
        b"</marc:subfield></marc:datafield></marc:record></marc:collection>"
    )
    (record,) = read_document(xml)
    assert (record["id"], record["title"]) == ("mx1", "Exchanged")
