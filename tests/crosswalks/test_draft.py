"""Ids derived from documents, and the helpers readers share."""

from __future__ import annotations

import re

from lxml import etree

from crosswalks.draft import POSITIONAL, Draft, is_positional, safe_id
from crosswalks.parsing import block_of, element_path, text_of
from records.model import Record
from tests.record_schema import node

ID = re.compile(node("id")["pattern"])


def test_safe_id() -> None:
    assert safe_id("COLLECTION.JMP.ARCHIVE/130") == "COLLECTION.JMP.ARCHIVE/130"
    assert safe_id("ArchivalObject OAI test 0") == "ArchivalObject_OAI_test_0"
    assert safe_id("Karton 121 – Kuba") == "Karton_121_%E2%80%93_Kuba"
    assert safe_id("uuid:00035a90") == "uuid:00035a90"
    assert safe_id("  ") is None
    assert safe_id(None) is None
    long = safe_id("č" * 500)
    assert long is not None
    assert ID.match(long)
    assert len(long) <= 200
    assert safe_id("č" * 500) == long  # stable


def test_without_an_identifier_the_id_is_positional_never_from_the_content() -> None:
    # issue 21: two records titled alike are two records; a record's identity is never
    # its content, but its place in its document when it carries no identifier
    ids = set()
    for title in ("Jednací protokol", "Jednací protokol", "Other"):
        draft = Draft("oai_dc", etree.Element("dc"))
        draft.set("title", title)
        record = draft.finish(None, "   ")
        assert is_positional(record["id"]) and record["id"] == f"{POSITIONAL}oai_dc"
        ids.add(record["id"])
        Record.from_dict(record)
    assert len(ids) == 1, "the same for every title: the caller adds the position"


def test_a_record_without_a_title_gets_a_devised_one() -> None:
    draft = Draft("aron_json", etree.Element("entity"))
    draft.add("genres", "listina")
    draft.set("date", {"text": "1620", "start": "1620", "end": "1620", "precision": "year"})
    draft.add_object("identifiers", {"type": "inventory number", "value": "15"})
    draft.add_object("related", {"relation": "isPartOf", "id": "f", "title": "Velkostatek Kunín"})
    record = draft.finish("u-1")
    assert record["title"] == "Velkostatek Kunín, listina, 15, 1620"
    assert record["title_devised"] is True
    assert Record.from_dict(record).title_devised
    bare = Draft("oai_dc", etree.Element("dc")).finish("x")
    assert (bare["title"], bare["title_devised"]) == ("Untitled unit", True)


def test_setters_skip_empty_and_duplicates() -> None:
    draft = Draft("x", etree.Element("x"))
    draft.set("title", "  first ")
    draft.set("title", "second")
    draft.add("subjects", "a", "", None, "a", "b")
    draft.add_object("notes", {"text": "n", "type": None})
    draft.add_object("notes", {"text": "n"})
    assert draft.finish("id1") == {
        "id": "id1",
        "title": "first",
        "subjects": ["a", "b"],
        "notes": [{"text": "n"}],
    }


def test_element_path_and_text() -> None:
    root = etree.fromstring(b"<a xmlns='urn:x'><b/><c><d>x</d></c><c><d> y \n  z </d></c></a>")
    last = root[2][0]
    assert element_path(last) == "/a/c[2]/d"
    assert text_of(last) == "y z"
    assert block_of(last) == "y\nz"
    assert text_of(None) == ""
