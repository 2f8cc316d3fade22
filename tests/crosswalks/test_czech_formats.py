"""The same fund in ELZA edx and ARON APUX, and a CAM authority entity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crosswalks import default_registry, parse_xml, read_document
from records.model import Record

TITLES = ["Místní školní rada Bělečko", "Knihy", "Spisy", "Jednací protokol", "Korespondence"]


def _check(records: list[dict[str, Any]]) -> None:
    ids = {r["id"] for r in records}
    assert len(ids) == len(records)
    for record in records:
        Record.from_dict(record)
        hierarchy = [r for r in record.get("related", []) if r["relation"] != "references"]
        assert all(link["id"] in ids for link in hierarchy)


def test_edx(samples_dir: Path) -> None:
    data = (samples_dir / "elza_edx_archdesc-PA00870_P.xml").read_bytes()
    assert default_registry().detect(parse_xml(data)).prefix == "elza_edx"
    records = read_document(data)
    _check(records)
    assert [r["title"] for r in records] == TITLES
    fonds, books, _, protocol, _ = records
    assert fonds["id"] == "fe4530af-a327-4056-9058-fce8c11f3825"
    assert fonds["level"] == "fonds"
    assert fonds["date"] == {
        "text": "1868-1949",
        "start": "1868",
        "end": "1949",
        "precision": "year",
    }
    assert fonds["summary"] == "Fond obsahuje pouze jednací protokol a jeden fascikl korespondence"
    assert fonds["languages"] == ["ces"]
    assert {"type": "NAD", "value": "870"} in fonds["identifiers"]
    assert {"type": "fund code", "value": "PA00870_P"} in fonds["identifiers"]
    assert fonds["contributors"] == [
        {"name": "Frajdlová, Emilie", "role": "arranger", "kind": "person"},
        {"name": "Žandová, Elvia", "role": "arranger", "kind": "person"},
    ]
    assert "Reedice" not in str(fonds)  # ZP2015_INTERNAL_NOTE is internal
    assert protocol["date"]["start"] == "1886"
    assert protocol["level"] == "item"
    assert protocol["related"] == [{"relation": "isPartOf", "id": books["id"], "title": "Knihy"}]
    assert protocol["source"] == {
        "citation": "Místní školní rada Bělečko, Jednací protokol, inv. č. 1",
        "fonds": "Místní školní rada Bělečko",
        "reference_code": "1",
    }


def test_apux_same_fund(samples_dir: Path) -> None:
    records = read_document((samples_dir / "aron_apux_archdesc-PA00870_P.xml").read_bytes())
    _check(records)
    assert [r["title"] for r in records] == TITLES
    fonds, _, _, protocol, letters = records
    assert fonds["summary"] == "Fond obsahuje pouze jednací protokol a jeden fascikl korespondence"
    assert fonds["languages"] == ["ces"]
    assert protocol["genres"] == ["Úřední kniha"]
    assert protocol["date"] == {
        "text": "1886-1905",
        "start": "1886",
        "end": "1905",
        "precision": "year",
    }
    assert {"type": "inventory number", "value": "2"} in letters["identifiers"]
    # the fund's institution (not in the document) is the holding archive, by its UUID
    holder = {"type": "holding archive", "value": "ac22dbd4-1d37-4052-a5a6-4d2e1cce080b"}
    assert holder in letters["identifiers"]
    assert fonds["level"] == "fonds"
    assert [r["level"] for r in records[1:]] == ["series", "series", "file", "file"]
    assert protocol["related"][0] == {
        "relation": "isPartOf",
        "id": "099dd2ab-ff0f-402a-ba1b-b1eb9137ad77",
        "title": "Knihy",
    }
    assert protocol["source"]["citation"] == (
        "Místní školní rada Bělečko, Jednací protokol, inv. č. 1"
    )
    edx = read_document((samples_dir / "elza_edx_archdesc-PA00870_P.xml").read_bytes())
    assert [r["id"] for r in records] == [r["id"] for r in edx]  # the same uuids


def test_cam_authority_entity(samples_dir: Path) -> None:
    (entity,) = read_document((samples_dir / "cam2019_entity_3392.xml").read_bytes())
    Record.from_dict(entity)
    assert entity["id"] == "7278d973-f0a0-4002-a5a4-5ca176e6db6c"
    assert entity["title"] == "Horní Maršov (Trutnov, Česko)"
    assert entity["summary"] == "obec v okrese Trutnov"
    assert entity["genres"] == ["authority record", "GEO_UNIT"]
    assert entity["places"] == ["Horní Maršov"]
    assert {"type": "RUIAN", "value": "579262"} in entity["identifiers"]
    assert {"type": "INTERPI", "value": "n000129306"} in entity["identifiers"]
    assert {"type": "other name", "text": "Marschendorf"} in entity["notes"]
