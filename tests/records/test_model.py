"""The record model and its JSON form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from records.errors import InvalidRecord
from records.model import DocumentDate, Record, content_hash

SCHEMA = Path(__file__).resolve().parents[2] / "records" / "schema" / "record.schema.json"


def minimal(**extra: object) -> dict[str, object]:
    return {"id": "r1", "title": "A title", **extra}


def test_minimal_record_round_trips() -> None:
    record = Record.from_dict(minimal())
    assert record.to_dict() == {"id": "r1", "title": "A title", "dcmi_type": "Text"}
    assert Record.from_dict(record.to_dict()) == record


def test_full_record_round_trips_every_field() -> None:
    data = minimal(
        date={
            "text": "19.2. - 14.3.1945",
            "start": "1945-02-19",
            "end": "1945-03-14",
            "precision": "day",
        },
        summary="s",
        transcript="text\n\n(p. 1)\n\nmore",
        creators=[{"name": "Embassy", "kind": "organization", "role": "author"}],
        contributors=[{"name": "R. Y.", "role": "translator", "kind": "person"}],
        publisher="p",
        rights="r",
        access_rights="open",
        languages=["eng", "ces"],
        record_id="301006",
        classification="Top Secret",
        donors=["d"],
        subjects=["s"],
        places=["Cuba"],
        people=["Fidel Castro"],
        organizations=["UN"],
        genres=["Report"],
        formats=["text/html"],
        extent=["3 pages"],
        level="item",
        source={
            "citation": "c",
            "archive": "a",
            "fonds": "f",
            "series": "s",
            "container": "Karton 121",
            "folder": "x",
            "reference_code": "CZ-1",
        },
        collections=[{"spec": "a:b", "name": "B"}],
        related=[
            {
                "id": "r2",
                "relation": "isPartOf",
                "title": "t",
                "date": {"text": "1961", "start": "1961", "end": "1961", "precision": "year"},
                "summary": "s",
                "url": "http://127.0.0.1/x",
            }
        ],
        identifiers=[{"type": "uuid", "value": "u"}],
        notes=[{"type": "bioghist", "text": "n"}],
        url="http://127.0.0.1/records/r1",
        uploaded="2024-09-19",
        origin={
            "kind": "harvested",
            "source_id": "p",
            "remote_identifier": "oai:x:1",
            "remote_datestamp": "2020-01-01",
            "harvested_at": "2024-01-01T00:00:00Z",
        },
    )
    record = Record.from_dict(data)
    again = Record.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert again.origin == record.origin
    assert record.date is not None and record.date.w3cdtf == "1945-02-19/1945-03-14"
    assert set(record.to_dict()) == set(data) | {"dcmi_type"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "t"}, "id"),
        ({"id": "r1"}, "title"),
        (minimal(title="   "), "title"),
        (minimal(colour="red"), "colour"),
        (minimal(date={"start": "1961-13"}), "date.start"),
        (minimal(date={"start": "1961-02-30"}), "date.start"),
        (minimal(date={"start": "1962", "end": "1961"}), "date.end"),
        (minimal(languages=["English"]), "languages[0]"),
        (minimal(creators=[{"nom": "x"}]), "creators[0].nom"),
        (minimal(creators=[{"name": 3}]), "creators[0].name"),
        (minimal(collections=[{"spec": "has space"}]), "collections"),
        (minimal(origin={"kind": "harvested"}), "origin"),
        (minimal(id="has space"), "id"),
    ],
)
def test_invalid_records_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        Record.from_dict(data)
    assert info.value.field == field


def test_content_hash_ignores_header_and_origin_but_not_content() -> None:
    a = Record.from_dict(minimal())
    b = Record.from_dict(
        minimal(origin={"kind": "harvested", "source_id": "s", "remote_identifier": "x"})
    )
    c = Record.from_dict(minimal(summary="changed"))
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(c)


def test_date_precision_and_range() -> None:
    single = DocumentDate.from_dict(
        {"text": "April 1961", "start": "1961-04", "precision": "month"}
    )
    assert single.end == "1961-04"
    assert single.w3cdtf == "1961-04"
    assert not single.is_range


def test_json_schema_describes_every_field() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    from dataclasses import fields

    assert {f.name for f in fields(Record)} == set(schema["properties"])
    assert schema["required"] == ["id", "title"]
