"""Reading JSON Lines imports: every problem names file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

from records.errors import ImportFileError
from records.jsonl import read_json_records
from records.model import Record


def write(tmp_path: Path, text: str, name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_lines_are_reported_and_good_lines_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\n".join(
            [
                json.dumps({"id": "a", "title": "A"}),
                "{not json",
                json.dumps({"id": "b"}),
                json.dumps({"id": "c", "title": "C", "date": {"start": "1961-99"}}),
                "",
                json.dumps({"id": "d", "title": "D", "colour": "red"}),
                json.dumps({"id": "e", "title": "Příliš žluťoučký kůň"}),
            ]
        ),
    )
    items = list(read_json_records(path))
    records = [i for i in items if isinstance(i, Record)]
    errors = [i for i in items if isinstance(i, ImportFileError)]
    assert [r.id for r in records] == ["a", "e"]
    assert records[1].title == "Příliš žluťoučký kůň"
    assert [(e.line, e.path) for e in errors] == [
        (2, str(path)),
        (3, str(path)),
        (4, str(path)),
        (6, str(path)),
    ]
    assert "invalid JSON" in errors[0].message
    assert "field title" in errors[1].message and "'b'" in errors[1].message
    assert "field date.start" in errors[2].message
    assert "unknown field 'colour'" in errors[3].message


def test_a_json_array_and_a_pretty_object_are_read(tmp_path: Path) -> None:
    array = write(tmp_path, json.dumps([{"id": "a", "title": "A"}, {"id": "b"}]), "a.json")
    items = list(read_json_records(array))
    assert isinstance(items[0], Record)
    assert isinstance(items[1], ImportFileError) and "item 1" in items[1].message
    pretty = write(tmp_path, json.dumps({"id": "p", "title": "P"}, indent=2), "p.json")
    (only,) = read_json_records(pretty)
    assert isinstance(only, Record) and only.id == "p"


def test_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "a", "title": "Žluť"}'.encode("cp1250"))
    (item,) = read_json_records(path)
    assert isinstance(item, ImportFileError) and "not UTF-8" in item.message
