"""crosswalks.xmlout: output trees serialise to exactly the bytes lxml writes for them.

The reference is lxml itself: `to_lxml` copies an output tree into lxml elements, and
every comparison is `serialise(tree) == etree.tostring(to_lxml(tree), encoding="UTF-8")`,
over every writer on every partner sample and on generated records, and over generated
trees and texts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crosswalks import dcterms, default_registry, marcxml, mods, native, oai_dc, read_document
from crosswalks.xmlout import (
    XSI,
    OutElement,
    OutRoot,
    UndeclaredNamespace,
    clean,
    serialise,
    sub,
    tree,
)
from records.model import Record

from .strategies import full_records

WRITERS = [oai_dc, dcterms, mods, marcxml, native]
NS, OTHER = "urn:test", "urn:other"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Any character at all, XML-illegal ones and lone surrogates included, with the ones
# escaping is about made frequent.
SPECIAL = "&<>\"'\r\n\t ]]>é€😀\x00\x01\x0b\x1f\x7f\x85\ud800\udfff\ufffe\uffff"
anything = st.text(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=30)


def to_lxml(root: OutRoot) -> etree._Element:
    """The same tree as lxml elements, its values cleaned (lxml refuses the rest)."""
    made = etree.Element(root.tag, nsmap=root.nsmap)  # type: ignore[arg-type]
    _copy(root, made)
    return made


def _copy(source: OutElement, target: etree._Element) -> None:
    for name, value in (source.attrib or {}).items():
        target.set(name, clean(value))
    if source.text is not None:
        target.text = clean(source.text)
    for child in source:
        _copy(child, etree.SubElement(target, child.tag))


def lxml_bytes(root: OutRoot) -> bytes:
    return bytes(etree.tostring(to_lxml(root), encoding="UTF-8"))


def _each_writer_equals_lxml(record: Mapping[str, Any]) -> None:
    for writer in WRITERS:
        root = writer.build(record)
        output = writer.write(record)
        assert output == serialise(root)
        assert output == lxml_bytes(root), writer.__name__


# --- the writers -----------------------------------------------------------------------


def test_every_writer_equals_lxml_on_the_archive_record(archive_record: dict[str, Any]) -> None:
    _each_writer_equals_lxml(archive_record)


def test_every_writer_equals_lxml_on_every_sample(samples_dir: Path) -> None:
    registry = default_registry()
    count = 0
    for path in sorted(samples_dir.glob("*.xml")):
        for record in read_document(path.read_bytes(), registry):
            _each_writer_equals_lxml(Record.from_dict(record).to_dict())
            count += 1
    assert count > 400  # the big finding aid alone has 449


@settings(max_examples=150, deadline=None)
@given(record=full_records())
def test_every_writer_equals_lxml_on_any_record(record: dict[str, Any]) -> None:
    _each_writer_equals_lxml(record)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(record=full_records(anything))
def test_writers_drop_what_xml_cannot_carry(record: dict[str, Any]) -> None:
    """Text and attribute values alike (lxml used to raise on attribute values)."""
    _each_writer_equals_lxml(record)
    for writer in WRITERS:
        etree.fromstring(writer.write(record))


# --- escaping --------------------------------------------------------------------------


def _one(text: str | None, value: str | None = None) -> OutRoot:
    root = tree(f"{{{NS}}}r", {"t": NS})
    element = sub(root, f"{{{NS}}}e", text)
    if value is not None:
        element.set("a", value)
    return root


@given(text=anything, value=anything)
def test_text_and_attribute_values_survive_minus_what_xml_cannot_carry(
    text: str, value: str
) -> None:
    root = _one(text, value)
    output = serialise(root)
    parsed = etree.fromstring(output)[0]
    # CR is written as a reference, and LF and tab in attributes too, so a parser gives
    # back every character (no newline or attribute-value normalisation)
    assert (parsed.text or "") == clean(text)
    assert parsed.get("a") == clean(value)
    assert output == lxml_bytes(root)


@given(text=anything, value=anything)
def test_where_lxml_takes_the_values_as_they_are_the_bytes_are_lxml_s(
    text: str, value: str
) -> None:
    made = etree.Element(f"{{{NS}}}r", nsmap={"t": NS})
    child = etree.SubElement(made, f"{{{NS}}}e")
    try:
        child.text = text
        child.set("a", value)
    except ValueError:  # XML-illegal characters: compared cleaned, above
        return
    assert serialise(_one(text, value)) == etree.tostring(made, encoding="UTF-8")


def test_escaping_as_lxml_does_it() -> None:
    root = _one("a&b<c>d\r\n\t\"'é😀]]>", "v&<>\"'\n\r\té😀]]>")
    assert (
        serialise(root)
        == (
            '<t:r xmlns:t="urn:test"><t:e a="v&amp;&lt;&gt;&quot;\'&#10;&#13;&#9;é😀]]&gt;">'
            "a&amp;b&lt;c&gt;d&#13;\n\t\"'é😀]]&gt;</t:e></t:r>"
        ).encode()
    )
    assert serialise(root) == lxml_bytes(root)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, b"<t:e/>"), ("", b"<t:e></t:e>"), ("\x00\ud800", b"<t:e></t:e>")],
)
def test_no_text_empty_text_and_text_of_illegal_characters_only(
    text: str | None, expected: bytes
) -> None:
    root = _one(text)
    assert expected in serialise(root)
    assert serialise(root) == lxml_bytes(root)


@pytest.mark.parametrize(
    "char", [chr(c) for c in (0x0, 0x8, 0xB, 0x1F, 0xD800, 0xDFFF, 0xFFFE, 0xFFFF)], ids=ascii
)
def test_each_character_xml_cannot_carry_is_dropped_from_text_and_attributes(char: str) -> None:
    root = _one(f"x{char}z", f"a{char}b")
    assert serialise(root).endswith(b'<t:e a="ab">xz</t:e></t:r>')
    assert serialise(root) == lxml_bytes(root)


# --- trees and names -------------------------------------------------------------------

TAGS = [f"{{{NS}}}a", f"{{{NS}}}b", f"{{{OTHER}}}c", f"{{{XSI}}}d"]
ATTRIBUTES = ["id", "type", f"{{{OTHER}}}kind", f"{{{XSI}}}schemaLocation", f"{{{XML_NS}}}lang"]
NSMAPS: list[dict[str | None, str]] = [
    {"t": NS, "o": OTHER, "xsi": XSI},
    {None: NS, "o": OTHER, "xsi": XSI},
    {"xsi": XSI, "o": OTHER, None: NS},
    {None: NS, "t": NS, "o": OTHER, "xsi": XSI},  # two prefixes for one namespace
    {"o": OTHER, "p": OTHER, "t": NS, "xsi": XSI},
]


@st.composite
def _subtree(draw: st.DrawFn, parent: OutElement, depth: int) -> None:
    for name, value in draw(st.lists(st.tuples(st.sampled_from(ATTRIBUTES), anything))):
        parent.set(name, value)
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            child = sub(parent, draw(st.sampled_from(TAGS)), draw(st.none() | anything))
            draw(_subtree(child, depth + 1))


@st.composite
def trees(draw: st.DrawFn) -> OutRoot:
    root = tree(draw(st.sampled_from(TAGS)), draw(st.sampled_from(NSMAPS)))
    root.text = draw(st.none() | anything)
    draw(_subtree(root, 0))
    return root


@settings(max_examples=300)
@given(root=trees())
def test_any_tree_equals_lxml(root: OutRoot) -> None:
    assert serialise(root) == lxml_bytes(root)


def test_declarations_in_nsmap_order_on_the_root_only() -> None:
    root = tree(f"{{{NS}}}r", {"xsi": XSI, None: NS, "o": OTHER})
    root.set(f"{{{XSI}}}schemaLocation", "x y")
    sub(sub(root, f"{{{OTHER}}}c"), f"{{{NS}}}a", "1").set(f"{{{XML_NS}}}lang", "cs")
    expected = (
        f'<r xmlns:xsi="{XSI}" xmlns="{NS}" xmlns:o="{OTHER}" xsi:schemaLocation="x y">'
        '<o:c><a xml:lang="cs">1</a></o:c></r>'
    )
    assert serialise(root) == expected.encode()
    assert serialise(root) == lxml_bytes(root)


@pytest.mark.parametrize(
    ("nsmap", "expected"),
    [
        ({None: NS, "t": NS}, '<r xmlns="urn:test" xmlns:t="urn:test" t:a="1"><e/></r>'),
        ({"t": NS, None: NS}, '<t:r xmlns:t="urn:test" xmlns="urn:test" t:a="1"><t:e/></t:r>'),
        ({"t": NS, "u": NS}, '<t:r xmlns:t="urn:test" xmlns:u="urn:test" t:a="1"><t:e/></t:r>'),
    ],
)
def test_of_two_prefixes_for_a_namespace_the_first_is_used(
    nsmap: dict[str | None, str], expected: str
) -> None:
    """As lxml does; attributes skip the default namespace, which does not apply to them."""
    root = tree(f"{{{NS}}}r", nsmap)
    root.set(f"{{{NS}}}a", "1")
    sub(root, f"{{{NS}}}e")
    assert serialise(root) == expected.encode() == lxml_bytes(root)


def test_setting_an_attribute_again_replaces_it_in_place() -> None:
    root = tree("r", {})
    root.set("a", "1")
    root.set("b", "2")
    root.set("a", "3")
    assert serialise(root) == b'<r a="3" b="2"/>' == lxml_bytes(root)


def test_an_element_is_the_list_of_its_children() -> None:
    root = tree("r", {})
    first, second = sub(root, "a"), sub(root, "b", "text")
    assert list(root) == [first, second]
    assert len(first) == 0
    assert first != second  # identity, not equal (empty) lists of children
    assert "b" in repr(second)


@pytest.mark.parametrize(
    ("nsmap", "tag", "attribute"),
    [
        ({"t": NS}, f"{{{OTHER}}}e", None),  # a namespace the root does not declare
        ({"t": NS}, f"{{{NS}}}e", f"{{{OTHER}}}a"),  # the same for an attribute
        ({None: NS}, f"{{{NS}}}e", f"{{{NS}}}a"),  # attributes take no default namespace
        ({None: NS}, "e", None),  # no namespace, but lxml would write it in the default one
    ],
)
def test_a_namespace_without_a_declared_prefix_is_an_error(
    nsmap: dict[str | None, str], tag: str, attribute: str | None
) -> None:
    root = tree(f"{{{NS}}}r", nsmap)
    element = sub(root, tag)
    if attribute is not None:
        element.set(attribute, "v")
    with pytest.raises(UndeclaredNamespace, match=r"urn:|no namespace"):
        serialise(root)


@pytest.mark.parametrize("name", ["", "1a", "a b", "{urn:x", "{urn:x}", "a:b", "a>"])
@pytest.mark.parametrize(
    "use", [lambda root, name: sub(root, name), lambda root, name: root.set(name, "v")]
)
def test_a_name_xml_cannot_write_is_an_error(
    name: str, use: Callable[[OutRoot, str], object]
) -> None:
    root = tree("r", {})
    use(root, name)
    with pytest.raises(ValueError, match="invalid XML name"):
        serialise(root)


def test_only_a_root_serialises() -> None:
    root = tree("r", {})
    with pytest.raises(TypeError, match=r"tree\(\)"):
        serialise(sub(root, "e"))  # type: ignore[arg-type]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_writer_s_tree_is_its_output(writer: ModuleType, archive_record: dict[str, Any]) -> None:
    root = writer.build(archive_record)
    assert isinstance(root, OutRoot)
    assert writer.write(archive_record) == serialise(root)
