"""Ids derived from documents, and the helpers readers share."""

from __future__ import annotations

import re

from lxml import etree

from crosswalks.draft import Draft, safe_id
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


def test_finish_falls_back_to_a_hash_of_the_title() -> None:
    draft = Draft("oai_dc", etree.Element("dc"))
    draft.set("title", "Only a title")
    record = draft.finish(None, "   ")
    assert record["id"].startswith("oai_dc-")
    Record.from_dict(record)


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
