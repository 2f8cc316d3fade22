"""The writers' output trees serialise to exactly the bytes lxml writes for them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crosswalks import dcterms, default_registry, marcxml, mods, native, oai_dc, read_document
from crosswalks.xmlout import UndeclaredNamespace, clean, root, serialise, sub, to_lxml
from records.model import Record
from tests.crosswalks.strategies import full_records

WRITERS = {m.__name__.rsplit(".", 1)[1]: m for m in (oai_dc, dcterms, mods, marcxml, native)}
NS = "urn:test"
# any character at all, XML-illegal ones and lone surrogates included
anything = st.text(st.characters(), max_size=40)
SPECIAL = st.text(st.sampled_from(list("&<>\"'\r\n\t é😀\x00\x0b\ud800\ufffe]]>")), max_size=20)


def _lxml_bytes(tree: Any) -> bytes:
    return bytes(etree.tostring(to_lxml(tree), encoding="UTF-8"))


@pytest.fixture
def trees(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every tree the five writers serialise while the test runs."""
    made: list[Any] = []

    def keep(tree: Any) -> bytes:
        made.append(tree)
        return serialise(tree)

    for module in WRITERS.values():
        monkeypatch.setattr(module, "serialise", keep)
    return made


def _write_all(record: Mapping[str, Any]) -> list[bytes]:
    return [module.write(record) for module in WRITERS.values()]


def test_every_writer_equals_lxml_on_the_archive_record(
    trees: list[Any], archive_record: dict[str, Any]
) -> None:
    written = _write_all(archive_record)
    assert len(trees) == len(WRITERS)
    for tree, output in zip(trees, written, strict=True):
        assert output == _lxml_bytes(tree)


def test_every_writer_equals_lxml_on_every_sample(trees: list[Any], samples_dir: Path) -> None:
    registry = default_registry()
    count = 0
    for path in sorted(samples_dir.glob("*.xml")):
        for record in read_document(path.read_bytes(), registry):
            trees.clear()
            written = _write_all(Record.from_dict(record).to_dict())
            for tree, output in zip(trees, written, strict=True):
                assert output == _lxml_bytes(tree), (path.name, record["id"])
            count += 1
    assert count > 20


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=full_records())
def test_every_writer_equals_lxml_on_any_record(trees: list[Any], record: dict[str, Any]) -> None:
    trees.clear()
    written = _write_all(record)
    for tree, output in zip(trees, written, strict=True):
        assert output == _lxml_bytes(tree)


@given(text=st.one_of(anything, SPECIAL), value=st.one_of(anything, SPECIAL))
def test_text_and_attributes_round_trip_minus_illegal_characters(text: str, value: str) -> None:
    tree = root(f"{{{NS}}}r", {"t": NS})
    sub(tree, f"{{{NS}}}e", text).set("a", value)
    output = serialise(tree)
    parsed = etree.fromstring(output)
    # lxml reads "\r" back as written (a character reference) and attribute
    # whitespace as references too: the round trip is exact
    assert (parsed[0].text or "") == clean(text)
    assert parsed[0].get("a") == clean(value)
    assert output == _lxml_bytes(tree)


def test_escaping_is_lxml_s() -> None:
    tree = root(f"{{{NS}}}r", {None: NS, "x": "urn:x"})
    tree.set("{urn:x}a", "v\"&<>\n\r\t'")
    tree.set("plain", "1")
    tree.set("plain", "2")  # replaced in place, as lxml does
    sub(tree, f"{{{NS}}}empty", "")
    sub(tree, "{urn:x}f", "a&b<c>d\r\n\t\"'é😀")
    sub(tree, f"{{{NS}}}none")
    expected = (
        '<r xmlns="urn:test" xmlns:x="urn:x" x:a="v&quot;&amp;&lt;&gt;&#10;&#13;&#9;\'"'
        ' plain="2"><empty></empty><x:f>a&amp;b&lt;c&gt;d&#13;\n\t"\'é😀</x:f><none/></r>'
    )
    assert serialise(tree) == expected.encode("utf-8")
    assert serialise(tree) == _lxml_bytes(tree)


@pytest.mark.parametrize(
    ("nsmap", "tag", "attribute"),
    [
        ({"t": NS}, "{urn:other}e", None),  # a namespace nobody declared
        ({None: NS}, "plain", None),  # no namespace under a default one
        ({None: NS}, f"{{{NS}}}e", f"{{{NS}}}a"),  # an attribute needs a prefix
    ],
)
def test_an_undeclared_namespace_is_an_error(
    nsmap: dict[str | None, str], tag: str, attribute: str | None
) -> None:
    tree = root(f"{{{NS}}}r", nsmap)
    child = sub(tree, tag)
    if attribute is not None:
        child.set(attribute, "v")
    with pytest.raises(UndeclaredNamespace):
        serialise(tree)


def test_only_a_root_serialises() -> None:
    tree = root(f"{{{NS}}}r", {"t": NS})
    with pytest.raises(TypeError):
        serialise(sub(tree, f"{{{NS}}}e"))
