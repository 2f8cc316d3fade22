"""The ARON JSON reader: the same record as the APUX reader, and each mapping rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosswalks import CrosswalkError, MissingField, default_registry, read_document
from crosswalks.aron_json import parse_json, read_json
from oai.demo.aron import AronState
from oai.demo.aron_data import import_apux, unit_date
from records.model import Record

SAMPLE = "aron_apux_archdesc-PA00870_P.xml"
UUID = "5a0e8c1e-7d3f-4b1a-9c2e-0f1d2e3c4b5a"
PARENT = "11111111-2222-4333-8444-555555555555"


def _entity(**extra: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": UUID,
        "name": "Jednací protokol",
        "description": None,
        "permalink": None,
        "order": 7,
        "depth": 2,
        "pos": 1,
        "childCnt": 0,
        "published": False,
        "type": "ARCH_DESC",
        "parent": None,
        "attachments": [],
        "digitalObjects": [],
        "parts": [],
    }
    entity.update(extra)
    return entity


def _items(*items: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    return [
        {
            "id": "p1",
            "value": None,
            "type": "PT~ARCH~DESC",
            "childParts": [],
            "items": [
                {"id": f"i{n}", "value": v, "visible": True, "href": h, "type": t}
                for n, (t, v, h) in enumerate(items)
            ],
        }
    ]


def test_apux_and_json_give_the_same_records(samples_dir: Path) -> None:
    data = (samples_dir / SAMPLE).read_bytes()
    from_apux = read_document(data)
    # the portal's answers for the same entities, as ARON's import stores and serves them
    state = AronState()
    state.load(import_apux(data))
    labels = {e["id"]: e["name"] for e in state.entities.values()}
    answers = [json.loads(json.dumps(state.nested(r["id"]))) for r in from_apux]
    assert all("PT~ARCH~DESC" in json.dumps(a) for a in answers)  # the JSON spelling
    assert answers[3]["parent"]["parent"]["id"] == from_apux[0]["id"]  # nested chain
    from_json = read_json(json.dumps(answers).encode(), labels=labels)
    assert from_json == from_apux
    for record in from_json:
        Record.from_dict(record)


def test_registered_as_an_inbound_json_format() -> None:
    fmt = default_registry().get("aron_json")
    assert fmt.read_json is read_json and fmt.write is None and fmt.inbound


def test_unit_dates_precision_and_estimated_ends() -> None:
    value = json.dumps(
        {
            "from": "1886-01-01T00:00:00",
            "valueFromEstimated": True,
            "to": "1905-12-31T23:59:59",
            "valueToEstimated": False,
            "format": "Y-Y",
        }
    )
    day = json.dumps({"from": "1945-05-05T00:00:00", "to": "1945-05-09T23:59:59", "format": "D-D"})
    (record,) = read_json(_entity(parts=_items(("UNIT~DATE", value, None), ("X", day, None))))
    assert record["date"] == {
        "text": "1886-1905",
        "start": "1886",
        "end": "1905",
        "precision": "year",
        "approximate": True,
    }
    assert {"type": "X", "text": "1945-05-05-1945-05-09"} in record["notes"]  # kept
    (exact,) = read_json(_entity(parts=_items(("UNIT~DATE", day, None))))
    assert exact["date"]["precision"] == "day" and "approximate" not in exact["date"]


def test_hierarchy_references_links_files_and_landing_page() -> None:
    parent = _entity(id=PARENT, name="Knihy", parent=_entity(id="f" * 8 + UUID[8:], name="Fond"))
    dao = {
        "id": "d1",
        "name": "Digitalizát",
        "files": [
            {"id": "f1", "name": "sken_0001.jpg", "contentType": "image/jpeg", "permalink": None},
            {
                "id": "f2",
                "name": "x.pdf",
                "contentType": "application/pdf",
                "permalink": "https://p/x",
            },
        ],
    }
    entity = _entity(
        parent=parent,
        digitalObjects=[dao],
        parts=_items(
            ("FUND~INST~REF", "ac22dbd4-1d37-4052-a5a6-4d2e1cce080b", None),
            ("RT~AUTHOR", "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", None),
            ("URL", "Web archivu", "https://archiv.example.cz/fond/1"),
            ("INV~CISLO", "1", None),
        ),
    )
    labels = {"ac22dbd4-1d37-4052-a5a6-4d2e1cce080b": "Národní archiv"}
    (record,) = read_json(entity, portal="https://portal.example.cz/aron", labels=labels)
    related = record["related"]
    assert related[0] == {"relation": "isPartOf", "id": PARENT, "title": "Knihy"}
    assert {
        "relation": "references",
        "id": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
        "title": "RT_AUTHOR 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
    } in related
    assert {
        "relation": "references",
        "title": "Web archivu",
        "url": "https://archiv.example.cz/fond/1",
    } in related
    assert {
        "relation": "hasFormat",
        "title": "sken_0001.jpg",
        "url": f"https://portal.example.cz/aron/apu/{UUID}/dao/d1/file/f1",
    } in related
    assert {"relation": "hasFormat", "title": "x.pdf", "url": "https://p/x"} in related
    assert record["formats"] == ["image/jpeg", "application/pdf"]
    assert record["url"] == f"https://portal.example.cz/aron/apu/{UUID}"
    assert {"type": "landing page", "value": record["url"]} in record["identifiers"]
    assert record["source"]["archive"] == "Národní archiv"
    assert record["source"]["fonds"] == "Fond"
    assert record["level"] == "file"
    (own,) = read_json(_entity(permalink="https://portal.nacr.cz/aron/apu/x"), portal="https://p")
    assert own["url"] == "https://portal.nacr.cz/aron/apu/x"


@pytest.mark.parametrize(
    ("kind", "level", "dcmi"),
    [
        ("FUND", "fonds", "Collection"),
        ("FINDING_AID", "finding aid", "Text"),
        ("COLLECTION", "collection", "Collection"),
        ("INSTITUTION", None, "Text"),
        ("ENTITY", None, "Text"),
        ("ARCH_DESC", "fonds", "Collection"),
    ],
)
def test_type_gives_level_and_dcmi_type(kind: str, level: str | None, dcmi: str) -> None:
    (record,) = read_json(_entity(type=kind))
    assert record.get("level") == level and record["dcmi_type"] == dcmi


def test_no_item_is_dropped_silently() -> None:
    parts = _items(
        ("PHYSICAL~DESC", "120 listů", None),
        ("LANGUAGE", "klingonština", None),
        ("UNIT~CONTENT", "Obsah", None),
        ("ABSTRACT", "Jiný abstrakt", None),
        ("HISTORY", "Dějiny", None),
    )
    parts[0]["childParts"] = _items(("NOTE", "vnořená poznámka", None))
    (record,) = read_json(_entity(description="Popis", parts=parts))
    assert record["summary"] == "Popis"
    notes = record["notes"]
    for note in (
        {"type": "PHYSICAL_DESC", "text": "120 listů"},
        {"type": "LANGUAGE", "text": "klingonština"},
        {"type": "UNIT_CONTENT", "text": "Obsah"},
        {"type": "ABSTRACT", "text": "Jiný abstrakt"},
        {"type": "history", "text": "Dějiny"},
        {"type": "NOTE", "text": "vnořená poznámka"},
    ):
        assert note in notes


def test_result_page_and_generated_entities() -> None:
    state = AronState.generated(40)
    page = {"items": [state.nested(i) for i in sorted(state.entities)], "count": 40}
    records = read_json(json.dumps(page, ensure_ascii=False))
    assert len(records) == 40
    for record in records:
        Record.from_dict(record)
    assert any(r.get("date", {}).get("approximate") for r in records)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(CrosswalkError, match="not JSON"):
        read_json(b"{nope")
    with pytest.raises(CrosswalkError, match="exceeds the limit"):
        parse_json(b"[" + b" " * 100 + b"]", max_bytes=50)
    with pytest.raises(CrosswalkError, match="nested too deep"):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(MissingField, match="without an id"):
        read_json([{"name": "x"}])
    # a unit with a blank name is not refused: it gets a devised title (issue 21)
    (blank,) = read_json([_entity(name="  ")])
    assert blank["title_devised"] is True and blank["title"].strip()
    with pytest.raises(CrosswalkError, match="expected an entity"):
        read_json(b"42")
    assert unit_date(1900, 1910).startswith("{")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_item_values = st.one_of(
    st.text(max_size=30),
    st.just(unit_date(1900, 1910)),
    st.just('{"from": "x", "to": null, "format": "??"}'),
    st.just("ac22dbd4-1d37-4052-a5a6-4d2e1cce080b"),
    _json_values,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    name=st.one_of(st.text(max_size=20), _json_values),
    kind=st.one_of(st.sampled_from(["FUND", "ARCH_DESC", "X"]), _json_values),
    items=st.lists(
        st.fixed_dictionaries(
            {"type": st.one_of(st.text(max_size=12), _json_values), "value": _item_values},
            optional={"href": _json_values},
        ),
        max_size=6,
    ),
    parent=_json_values,
    extra=st.dictionaries(
        st.sampled_from(["digitalObjects", "attachments", "parts"]), _json_values
    ),
)
def test_any_entity_gives_a_valid_record_or_a_crosswalk_error(
    name: Any, kind: Any, items: list[dict[str, Any]], parent: Any, extra: dict[str, Any]
) -> None:
    entity = {**_entity(name=name, type=kind, parent=parent, parts=_items()), **extra}
    if "parts" not in extra:
        entity["parts"][0]["items"] = items
    try:
        records = read_json([entity], portal="https://p.example/aron")
    except CrosswalkError:
        return
    for record in records:
        Record.from_dict(record)
