"""Round trips (hypothesis): record -> native -> record is the identity; record -> oai_dc
-> record keeps every field simple Dublin Core can express."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crosswalks import default_registry, read_document, render
from crosswalks.oai_dc import DCMI_TYPES
from records.model import Record

from .strategies import agents, document_dates, full_records

REGISTRY = default_registry()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(full_records())
def test_native_is_the_identity(record: dict[str, Any]) -> None:
    (back,) = read_document(render(REGISTRY, "oaihub", record), REGISTRY)
    assert back == record
    assert Record.from_dict(back) == Record.from_dict(record)


@settings(
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(record=full_records())
def test_native_output_is_schema_valid(
    record: dict[str, Any],
    native_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    check_schema(native_schema, render(REGISTRY, "oaihub", record))


words = st.from_regex(r"[A-Z][a-z]{1,8}( [a-z]{1,8}){0,3}", fullmatch=True)
unique_words = st.lists(words, max_size=3, unique=True)


@st.composite
def dc_records(draw: st.DrawFn) -> dict[str, Any]:
    """Records whose texts survive DC's whitespace folding (single spaces, no blanks)."""
    rid = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True))
    data: dict[str, Any] = {"id": rid, "title": draw(words)}
    optional = {
        "summary": words,
        "publisher": words,
        "classification": words,
        "rights": words,
        "access_rights": words,
        "date": document_dates(words),
        "creators": st.lists(agents(words), max_size=3, unique_by=lambda a: a["name"]),
        "contributors": st.lists(agents(words), max_size=3, unique_by=lambda a: a["name"]),
        "source": st.fixed_dictionaries({"citation": words}),
        "languages": st.lists(
            st.sampled_from(["ces", "eng", "deu", "heb", "rus", "slk"]), max_size=3, unique=True
        ),
        "donors": unique_words,
        "subjects": unique_words,
        "people": unique_words,
        "organizations": unique_words,
        "places": unique_words,
        "formats": unique_words,
        "genres": unique_words.map(lambda g: [v for v in g if v.lower() not in DCMI_TYPES]),
        "dcmi_type": st.sampled_from(sorted(DCMI_TYPES.values())),
        "url": st.just(f"https://digitalarchive.example.org/document/{rid}"),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            data[key] = draw(strategy)
    # One agent is a creator or a contributor, not both (readers merge equal agents).
    creators = {a["name"] for a in data.get("creators", [])}
    if "contributors" in data:
        data["contributors"] = [a for a in data["contributors"] if a["name"] not in creators]
    return Record.from_dict(data).to_dict()


def _names(agents_: list[dict[str, Any]]) -> list[str]:
    return [a["name"] for a in agents_]


@settings(max_examples=300)
@given(dc_records())
def test_oai_dc_keeps_dc_fields(record: dict[str, Any]) -> None:
    (back,) = read_document(render(REGISTRY, "oai_dc", record), REGISTRY)
    Record.from_dict(back)
    assert back["id"] == record["id"]
    assert back["title"] == record["title"]
    for key in ("summary", "publisher", "classification", "url", "source", "dcmi_type"):
        assert back.get(key) == record.get(key), key
    # issue 26: no value twice within one element
    for key in ("donors", "places", "formats", "genres", "languages"):
        assert back.get(key, []) == list(dict.fromkeys(record.get(key, []))), key
    subjects = [
        *record.get("subjects", []),
        *record.get("people", []),
        *record.get("organizations", []),
    ]
    assert back.get("subjects", []) == list(dict.fromkeys(subjects))
    assert _names(back.get("creators", [])) == _names(record.get("creators", []))
    assert _names(back.get("contributors", [])) == _names(record.get("contributors", []))
    rights = list(
        dict.fromkeys(v for v in (record.get("rights"), record.get("access_rights")) if v)
    )
    assert [v for v in (back.get("rights"), back.get("access_rights")) if v] == rights
    if "date" in record:
        assert (back["date"]["start"], back["date"]["end"]) == (
            record["date"]["start"],
            record["date"]["end"],
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(record=full_records())
def test_every_outbound_format_is_valid_for_any_record(
    record: dict[str, Any],
    assert_valid: Callable[[bytes], None],
    dcterms_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    for prefix in ("oai_dc", "mods", "marcxml"):
        assert_valid(render(REGISTRY, prefix, record))
    check_schema(dcterms_schema, render(REGISTRY, "oai_dcterms", record))


@settings(max_examples=150)
@given(dc_records(), st.sampled_from(["oai_dcterms", "mods", "marcxml"]))
def test_richer_formats_keep_what_they_carry(record: dict[str, Any], prefix: str) -> None:
    (back,) = read_document(render(REGISTRY, prefix, record), REGISTRY)
    Record.from_dict(back)
    assert back["id"] == record["id"]
    assert back["title"] == record["title"]
    for key in ("summary", "publisher", "classification", "url", "rights", "access_rights"):
        assert back.get(key) == record.get(key), key
    for key in ("donors", "places", "languages", "formats"):
        assert back.get(key, []) == record.get(key, []), key
    assert back.get("source", {}).get("citation") == record.get("source", {}).get("citation")
    if prefix == "oai_dcterms":
        subjects = [
            *record.get("subjects", []),
            *record.get("people", []),
            *record.get("organizations", []),
        ]
        assert back.get("subjects", []) == list(dict.fromkeys(subjects))
    else:
        for key in ("subjects", "people", "organizations", "genres"):
            assert back.get(key, []) == record.get(key, []), key
    names = _names(record.get("creators", [])) + _names(record.get("contributors", []))
    back_names = _names(back.get("creators", [])) + _names(back.get("contributors", []))
    assert sorted(back_names) == sorted(names)
    if "date" in record:
        got = (back["date"]["start"], back["date"]["end"])
        assert got == (record["date"]["start"], record["date"]["end"])
