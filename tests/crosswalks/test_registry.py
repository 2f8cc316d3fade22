"""The registry API that the provider and the harvester build on."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from lxml import etree

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


@pytest.mark.parametrize(
    ("root", "prefix"),
    [
        ("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc", "oai_dc"),
        ("{http://www.openarchives.org/OAI/2.0/oai_dc}dc", "oai_dc"),  # no trailing slash
        ("{https://www.openarchives.org/OAI/2.0/oai_dc/}dc", "oai_dc"),  # https
        ("{http://purl.org/dc/elements/1.1/}dc", "oai_dc"),
        ("{http://www.loc.gov/mods/v3}mods", "mods"),
        ("{http://www.loc.gov/mods/v3/}mods", "mods"),
        ("{http://www.loc.gov/mods/v3}modsCollection", "mods"),
        ("{http://www.loc.gov/MARC21/slim}record", "marcxml"),
        ("{http://www.loc.gov/MARC21/slim/}record", "marcxml"),  # NK ČR
        ("{http://www.loc.gov/MARC21/slim}collection", "marcxml"),
        ("record", "marcxml"),
        ("{urn:isbn:1-931666-22-9}ead", "ead"),
        ("ead", "ead"),  # EAD 2002 DTD form
        ("{http://ead3.archivists.org/schema/}ead", "ead3"),
        ("{http://ead3.archivists.org/schema}ead", "ead3"),
        ("{https://oaihub.org/ns/record/1.0}record", "oaihub"),
        ("{https://oaihub.org/ns/oai_dcterms/}dcterms", "oai_dcterms"),
        ("{http://epubs.cclrc.ac.uk/xmlns/qdc/}qualifieddc", "oai_dcterms"),
        ("{http://elza.tacr.cz/schema/v2}edx", "elza_edx"),
        ("{http://www.aron.cz/apux/2020}apusrc", "aron_apux"),
        ("{http://cam.tacr.cz/2019}ents", "cam"),
    ],
)
def test_detect_tolerates_common_namespace_mistakes(root: str, prefix: str) -> None:
    assert default_registry().detect(etree.Element(root)).prefix == prefix


def test_formats_are_frozen_and_prefixes_unique() -> None:
    registry = default_registry()
    fmt = registry.get("oai_dc")
    with pytest.raises(FrozenInstanceError):
        fmt.prefix = "x"  # type: ignore[misc]
    with pytest.raises(CrosswalkError, match="registered twice"):
        registry.register(fmt)


def test_read_only_formats() -> None:
    registry = default_registry()
    inbound_only = {f.prefix for f in registry.inbound()} - {f.prefix for f in registry.outbound()}
    assert inbound_only == {"ead", "ead3", "elza_edx", "aron_apux", "aron_json", "cam"}
    with pytest.raises(UnknownFormat, match="read-only"):
        render(registry, "ead", RECORD)


def test_every_outbound_format_declares_its_schema() -> None:
    for fmt in default_registry().outbound():
        xml = fmt.write(RECORD)  # type: ignore[misc]
        assert xml.startswith(b"<") and not xml.startswith(b"<?xml")
        xml.decode("utf-8")
        root = etree.fromstring(xml)
        assert root.tag == fmt.root
        location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
        assert location == f"{fmt.namespace} {fmt.schema}"


def test_packaged_schemas() -> None:
    registry = default_registry()
    for prefix in ("oaihub", "oai_dcterms"):
        path = registry.get(prefix).schema_file()
        assert path is not None
        assert path.is_file()
        assert b'targetNamespace="' + registry.get(prefix).namespace.encode() in path.read_bytes()
    assert registry.get("oai_dc").schema_file() is None


@pytest.mark.parametrize(
    ("namespace", "prefix"),
    [
        ("urn:isbn:1-931666-22-9", "ead"),  # ArchivesSpace's "oai_ead"
        ("http://www.loc.gov/MARC21/slim/", "marcxml"),
        ("http://www.loc.gov/mods/v3", "mods"),
        ("http://www.openarchives.org/OAI/2.0/oai_dc/", "oai_dc"),
        ("https://oaihub.org/ns/record/1.0", "oaihub"),
    ],
)
def test_reader_by_metadata_namespace(namespace: str, prefix: str) -> None:
    assert default_registry().by_namespace(namespace).prefix == prefix


def test_unknown_metadata_namespace() -> None:
    with pytest.raises(UnknownFormat):
        default_registry().by_namespace("urn:nobody")


def test_native_reader_skips_extensions_but_not_unknown_own_elements() -> None:
    ns = b"https://oaihub.org/ns/record/1.0"
    ok = (
        b'<record xmlns="' + ns + b'" xmlns:x="urn:ext" id="n1"><title>T</title>'
        b"<x:extra>ignored</x:extra><!-- note --></record>"
    )
    assert read_document(ok) == [{"id": "n1", "title": "T"}]
    bad = b'<record xmlns="' + ns + b'" id="n1">\n<title>T</title>\n<colour>red</colour></record>'
    with pytest.raises(CrosswalkError) as info:
        read_document(bad)
    assert (info.value.format, info.value.path, info.value.line) == ("oaihub", "/record/colour", 3)
