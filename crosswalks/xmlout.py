"""Helpers shared by the writers: build elements fast and serialise them the same way."""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["XSI", "XSI_SCHEMA_LOCATION", "clean", "is_uri", "serialise", "sub"]

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"
# Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates,
# U+FFFE/U+FFFF): dropped rather than failing the whole record.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# An absolute URI as xs:anyURI (libxml2) accepts it: a scheme, then no blanks or
# characters that RFC 3986 forbids unescaped.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


def is_uri(value: str) -> bool:
    """True if `value` can go where a schema wants an absolute xs:anyURI."""
    return bool(_URI.match(value))


def clean(text: str) -> str:
    """The text without characters that XML 1.0 cannot represent."""
    return _NOT_XML.sub("", text)


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """Append a child element, with text if given (invalid XML characters dropped)."""
    child = etree.SubElement(parent, tag)
    if text is not None:
        try:
            child.text = text
        except ValueError:  # lxml refuses control characters: the slow path is rare
            child.text = clean(text)
    return child


def serialise(root: etree._Element) -> bytes:
    """UTF-8 bytes of the element, without an XML declaration."""
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)
