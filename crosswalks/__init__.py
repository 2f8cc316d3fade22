"""Crosswalks: records to Dublin Core and richer formats, and partner formats into records.

Pure functions over lxml and the standard library: no database, no network, no Flask,
and no import of `records` (the contract is the record's JSON form, a plain dict).

    registry = default_registry()
    xml = render(registry, "oai_dc", record_dict)          # record -> metadata element
    records = read_document(xml_bytes, registry)           # any inbound format -> dicts
"""

from __future__ import annotations

from crosswalks.base import MetadataFormat
from crosswalks.edm import EdmOptions, EdmSource, NotReady
from crosswalks.errors import CrosswalkError, MissingField, UnknownFormat, UnsafeXML
from crosswalks.parsing import DEFAULT_MAX_BYTES, NOT_XML_CHAR, parse_xml
from crosswalks.registry import Registry, default_registry, read_document, read_element, render

__all__ = [
    "DEFAULT_MAX_BYTES",
    "NOT_XML_CHAR",
    "CrosswalkError",
    "EdmOptions",
    "EdmSource",
    "MetadataFormat",
    "MissingField",
    "NotReady",
    "Registry",
    "UnknownFormat",
    "UnsafeXML",
    "default_registry",
    "parse_xml",
    "read_document",
    "read_element",
    "render",
]
