"""The registry API that the provider and the harvester build on."""

from __future__ import annotations

import pytest

from crosswalks import (
    CrosswalkError,
    MetadataFormat,
    UnknownFormat,
    default_registry,
    parse_xml,
    read_document,
    render,
)
from records.model import Record

RECORD = {"id": "r1", "title": "A title", "languages": ["ces"]}


def test_default_registry_is_new_each_call() -> None:
    first, second = default_registry(), default_registry()
    assert first is not second
    assert [f.prefix for f in first.all()] == [f.prefix for f in second.all()]


def test_get_known_and_unknown_prefix() -> None:
    registry = default_registry()
    fmt = registry.get("oai_dc")
    assert isinstance(fmt, MetadataFormat)
    assert fmt.namespace == "http://www.openarchives.org/OAI/2.0/oai_dc/"
    assert fmt.root == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    assert fmt.version
    with pytest.raises(UnknownFormat, match="nope"):
        registry.get("nope")


def test_unknown_format_is_a_crosswalk_error() -> None:
    assert issubclass(UnknownFormat, CrosswalkError)


def test_outbound_formats_have_writers() -> None:
    registry = default_registry()
    outbound = registry.outbound()
    assert "oai_dc" in [f.prefix for f in outbound]
    assert all(f.write is not None for f in outbound)


def test_render_then_read_back() -> None:
    registry = default_registry()
    xml = render(registry, "oai_dc", RECORD)
    assert not xml.startswith(b"<?xml")
    (back,) = read_document(xml, registry)
    assert back["title"] == "A title"
    Record.from_dict(back)


def test_detect_from_root() -> None:
    registry = default_registry()
    root = parse_xml(render(registry, "oai_dc", RECORD))
    assert registry.detect(root).prefix == "oai_dc"


def test_unknown_root_gives_clean_error_with_line() -> None:
    with pytest.raises(UnknownFormat) as info:
        read_document(b"<?xml version='1.0'?>\n<foo xmlns='urn:x'/>")
    assert info.value.line == 2
    assert "unknown format" in str(info.value)
    assert "/foo" in str(info.value)
