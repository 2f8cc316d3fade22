"""One contract for the record's JSON form: `records/schema/record.schema.json`.

`crosswalks` may not import `records` (nor read its package data), so the parts of the
contract it needs are copies: the native format's key lists and its XSD, the readers'
id pattern and required members (`crosswalks/draft.py`), the precisions of
`crosswalks/dates.py`. The model, the harvester's local ids and the test strategies
repeat parts of it too. Each test here reads the schema file and fails when one copy
drifts from it: a key missing or extra, another pattern, another enum.
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, fields
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from lxml import etree

from crosswalks import dates, draft, native, parse_xml
from oai.ingest import identity as prepare
from oai.protocol import request
from records import checks, model
from records.model import (
    Agent,
    DocumentDate,
    Header,
    Identifier,
    Note,
    Origin,
    Record,
    RelatedDocument,
    SetRef,
    Source,
)
from tests.crosswalks import strategies
from tests.record_schema import id_specials, node, properties, required, schema

# each object of the JSON form (its property path) and the model class that holds it
MODEL_OBJECTS: list[tuple[tuple[str, ...], type[Any]]] = [
    ((), Record),
    (("date",), DocumentDate),
    (("creators",), Agent),
    (("contributors",), Agent),
    (("source",), Source),
    (("collections",), SetRef),
    (("related",), RelatedDocument),
    (("related", "date"), DocumentDate),
    (("identifiers",), Identifier),
    (("notes",), Note),
    (("origin",), Origin),
    (("header",), Header),
]

# A record with every field of the schema, at every level (checked below).
EVERY_FIELD: dict[str, Any] = {
    "id": "every-field",
    "title": "Report of the Soviet Embassy",
    "title_devised": True,
    "date": {
        "text": "ca. January 1961",
        "start": "1961-01",
        "end": "1961-02",
        "precision": "month",
        "approximate": True,
        "inferred": True,
    },
    "summary": "A summary.",
    "transcript": "Text (p. 1) more text",
    "creators": [{"name": "Embassy", "role": "author", "kind": "organization"}],
    "contributors": [{"name": "R. Y.", "role": "translator", "kind": "person"}],
    "publisher": "Wilson Center",
    "source": {
        "citation": "NA, ÚV KSČ, Karton 121",
        "archive": "National Archives",
        "fonds": "ÚV KSČ",
        "series": "Zahraničí",
        "container": "Karton 121",
        "folder": "Kuba",
        "reference_code": "inv. č. 7",
    },
    "rights": "Reuse welcome",
    "access_rights": "open",
    "languages": ["eng", "rus"],
    "record_id": "301006",
    "classification": "Top Secret",
    "donors": ["Blavatnik Family Foundation"],
    "subjects": ["Cold War"],
    "places": ["Cuba"],
    "people": ["Raúl Castro"],
    "organizations": ["Communist Party of Cuba"],
    "genres": ["Report"],
    "dcmi_type": "Text",
    "formats": ["application/pdf"],
    "extent": ["3 pages"],
    "level": "item",
    "collections": [{"spec": "cold-war:cuba", "name": "Cuba"}],
    "related": [
        {
            "id": "miller-1961",
            "relation": "references",
            "title": "A related document",
            "date": {
                "text": "[1961?]",
                "start": "1961",
                "end": "1961",
                "precision": "year",
                "approximate": True,
                "inferred": True,
            },
            "summary": "Its summary.",
            "url": "https://example.org/related",
        }
    ],
    "identifiers": [{"type": "uuid", "value": "00035a90"}],
    "notes": [{"type": "bioghist", "text": "A note."}],
    "url": "https://example.org/every-field",
    "uploaded": "2024-09-19",
    "origin": {
        "kind": "harvested",
        "source_id": "partner",
        "remote_identifier": "oai:partner:1",
        "remote_datestamp": "2024-09-19T10:00:00Z",
        "base_url": "https://partner.example/oai",
        "metadata_namespace": native.NS,
        "harvested_at": "2024-09-20T08:00:00Z",
    },
}


def kind_of(name: str) -> str:
    """A top-level field's kind: string, object, strings (a list) or objects (a list)."""
    raw = schema()["properties"][name]
    if raw.get("type") == "array":
        return "strings" if node(name).get("type") == "string" else "objects"
    return str(node(name).get("type", "object"))


def enum(*path: str) -> list[str]:
    return list(node(*path)["enum"])


def literal_values(annotation: Any) -> list[str]:
    """The values of a `Literal[...]` annotation (inside `X | None` too)."""
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return [v for arg in typing.get_args(annotation) for v in literal_values(arg)]
    return []


def assert_covers(value: Any, *path: str) -> None:
    """`value` has every key the schema allows, no other, at every level below `path`
    (but the store's header)."""
    if isinstance(value, list):
        assert value, f"{path}: an empty list shows nothing"
        for item in value:
            assert_covers(item, *path)
    elif isinstance(value, dict):
        assert set(value) == properties(*path) - {"header"}, path
        for key, item in value.items():
            assert_covers(item, *path, key)


# -- the record model (records/model.py, parts.py, provenance.py, checks.py) -------------


@pytest.mark.parametrize(("path", "cls"), MODEL_OBJECTS)
def test_the_model_has_the_keys_of_the_schema(path: tuple[str, ...], cls: type[Any]) -> None:
    assert {f.name for f in fields(cls)} == properties(*path)
    keys = model._RECORD_KEYS if cls is Record else getattr(cls, "KEYS", None)
    assert keys is None or keys == properties(*path)


@pytest.mark.parametrize(
    ("path", "cls"),
    # a date's text and end, and the store's header, have defaults in `from_dict`
    [(p, c) for p, c in MODEL_OBJECTS if c not in (DocumentDate, Header)],
)
def test_the_model_requires_what_the_schema_requires(path: tuple[str, ...], cls: type[Any]) -> None:
    without_default = {
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    }
    assert without_default == required(*path)


def test_the_model_field_kinds_are_the_schema_types() -> None:
    top = properties() - {"header"}
    assert set(model._STRING_LISTS) == {n for n in top if kind_of(n) == "strings"}
    strings = {n for n in top if kind_of(n) == "string"}
    assert set(model._OPTIONAL_STRINGS) == strings - {"id", "title", "dcmi_type"}


def test_the_model_patterns_and_enums_are_the_schemas() -> None:
    assert checks.LOCAL_ID.pattern == node("id")["pattern"]
    assert checks.SET_SPEC.pattern == node("collections", "spec")["pattern"]
    assert checks.LANGUAGE.pattern == node("languages")["pattern"]
    assert checks.PARTIAL_DATE.pattern == node("uploaded")["pattern"]
    assert node("date", "start") == node("date", "end") == node("uploaded")
    assert list(checks.PRECISIONS) == enum("date", "precision")
    assert list(typing.get_args(checks.Precision)) == enum("date", "precision")
    hints = {cls: typing.get_type_hints(cls) for cls in (Agent, Origin)}
    assert literal_values(hints[Agent]["kind"]) == enum("creators", "kind")
    assert literal_values(hints[Origin]["kind"]) == enum("origin", "kind")


def test_a_record_with_every_field_round_trips_through_the_model() -> None:
    assert_covers(EVERY_FIELD)
    assert Record.from_dict(EVERY_FIELD).to_dict() == EVERY_FIELD


# -- crosswalks ------------------------------------------------------------------------


def test_the_readers_id_pattern_and_required_members_are_the_schemas() -> None:
    assert draft._ID.pattern == node("id")["pattern"]
    assert (set(draft._ID_SAFE), draft._MAX_ID) == id_specials()
    lists_of_objects = {n for n in properties() if kind_of(n) == "objects"}
    assert set(draft._REQUIRED) == lists_of_objects
    for name in lists_of_objects:
        assert {draft._REQUIRED[name]} == required(name), name


def test_the_native_key_lists_are_the_schemas() -> None:
    assert set(native._SOURCE_PARTS) == properties("source")
    assert set(native._ORIGIN_KEYS) == properties("origin")
    flags = {k for k in properties("date") if node("date", k).get("type") == "boolean"}
    assert set(native._DATE_FLAGS) == flags
    assert {"text", *native._DATE_KEYS, *native._DATE_FLAGS} == properties("date")
    top = properties()
    assert {*native._STRINGS, *native._AFTER_LANG} <= {n for n in top if kind_of(n) == "string"}
    assert {key for key, _ in native._LISTS} <= {n for n in top if kind_of(n) == "strings"}


def test_a_record_with_every_field_round_trips_through_the_native_format() -> None:
    """The native format carries every field of the schema (but the store's header);
    reading it validates it against the XSD too."""
    xml = native.write(EVERY_FIELD)
    assert native.read(parse_xml(xml)) == [EVERY_FIELD]


def test_the_precisions_of_the_date_parser_are_the_schemas() -> None:
    assert list(dates._RANK) == enum("date", "precision")  # finest first


# -- crosswalks/schemas/oaihub-record-1.0.xsd ------------------------------------------

XS = "{http://www.w3.org/2001/XMLSchema}"


@pytest.fixture(scope="module")
def xsd() -> etree._Element:
    path = native.FORMAT.schema_file()
    assert path is not None
    return etree.parse(str(path)).getroot()


def xsd_type(xsd: etree._Element, name: str) -> etree._Element:
    found = xsd.find(f"{XS}complexType[@name='{name}']")
    if found is None:
        found = xsd.find(f"{XS}simpleType[@name='{name}']")
    assert found is not None, name
    return found


def names(element: etree._Element, kind: str) -> set[str]:
    """The names of the attributes or elements (`kind`) declared in a type."""
    return {e.get("name", "") for e in element.iter(f"{XS}{kind}")}


def anchored(restriction: etree._Element) -> str:
    """An XSD pattern (anchored implicitly) written as the JSON Schema writes it."""
    pattern = restriction.find(f".//{XS}pattern")
    assert pattern is not None
    return f"^{pattern.get('value')}$"


def enumeration(restriction: etree._Element) -> list[str]:
    return [e.get("value", "") for e in restriction.iter(f"{XS}enumeration")]


def test_the_xsd_patterns_and_enums_are_the_schemas(xsd: etree._Element) -> None:
    record = xsd_type(xsd, "recordType")
    identifier = record.find(f"{XS}attribute[@name='id']")
    assert identifier is not None
    assert anchored(identifier) == node("id")["pattern"]
    assert anchored(xsd_type(xsd, "partialDate")) == node("uploaded")["pattern"]
    assert anchored(xsd_type(xsd, "language")) == node("languages")["pattern"]
    assert anchored(xsd_type(xsd, "collectionType")) == node("collections", "spec")["pattern"]
    assert enumeration(xsd_type(xsd, "precision")) == enum("date", "precision")
    assert enumeration(xsd_type(xsd, "agentType")) == enum("creators", "kind")
    assert enumeration(xsd_type(xsd, "originType")) == enum("origin", "kind")


def test_the_xsd_declares_the_keys_of_the_schema(xsd: etree._Element) -> None:
    def declared(name: str) -> set[str]:
        return names(xsd_type(xsd, name), "attribute") | names(xsd_type(xsd, name), "element")

    # element text holds the agent's name, the date as written, an identifier's value
    assert declared("agentType") | {"name"} == properties("creators")
    assert declared("dateType") | {"text"} == properties("date")
    assert declared("typedText") | {"value"} == properties("identifiers")
    assert declared("typedText") | {"text"} == properties("notes")
    assert declared("sourceType") == properties("source")
    assert declared("collectionType") == properties("collections")
    assert declared("relatedType") == properties("related")
    assert declared("originType") == properties("origin")
    # the native reader handles exactly the record's elements (list fields: singular)
    assert names(xsd_type(xsd, "recordType"), "element") == set(native._HANDLERS)
    source = [e.get("name") for e in xsd_type(xsd, "sourceType").iter(f"{XS}element")]
    assert source == list(native._SOURCE_PARTS)


# -- oai -------------------------------------------------------------------------------


def test_harvested_local_ids_follow_the_id_pattern() -> None:
    specials, longest = id_specials()
    assert (set(prepare._SAFE) | {"%"}, prepare._MAX_ID) == (specials, longest)
    odd = "oai:partner:" + 'Kuba – č. 7 [a]{b}#^`|\\"<>' * 20
    made = prepare.local_id_for("partner", odd)
    assert checks.LOCAL_ID.match(made)


def test_the_provider_accepts_every_set_a_record_can_name() -> None:
    assert request._PATTERNS["set"].pattern == node("collections", "spec")["pattern"]


# -- tests/crosswalks/strategies.py ----------------------------------------------------


def test_the_strategies_draw_every_field_of_the_schema() -> None:
    optional = strategies.optional_fields(strategies.xml_text)
    assert {"id", "title", *optional} == properties() - {"header"}
    top = properties()
    assert {*strategies.SCALARS, "id", "title", "uploaded"} == {
        n for n in top if kind_of(n) == "string"
    }
    assert {*strategies.STRING_LISTS, "languages"} == {n for n in top if kind_of(n) == "strings"}
    assert list(strategies.AGENT_KINDS) == enum("creators", "kind")
    assert list(strategies.PRECISION_WIDTH) == enum("date", "precision")


@pytest.mark.parametrize(
    "name", sorted(n for n in properties() - {"header"} if kind_of(n) in ("object", "objects"))
)
def test_the_strategies_draw_every_key_of_each_object(name: str) -> None:
    wanted, seen = properties(name), set()

    @settings(max_examples=100, derandomize=True, database=None, phases=[Phase.generate])
    @given(strategies.optional_fields(strategies.xml_text)[name])
    def collect(value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            assert set(item) <= wanted
            seen.update(item)

    collect()
    assert seen == wanted
