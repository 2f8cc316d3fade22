"""The one hardened XML parser of the package, and small helpers to read elements.

Every document that enters `crosswalks` goes through `parse_xml`: no DTD is loaded,
no entity is resolved or expanded, nothing is fetched from the network, and a document
that declares entities (the billion-laughs and external-entity attacks) is refused
before it reaches lxml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, cast

from lxml import etree

from crosswalks.errors import UnsafeXML

__all__ = [
    "DEFAULT_MAX_BYTES",
    "NOT_XML_CHAR",
    "block_of",
    "element_path",
    "line_of",
    "local_name",
    "namespace_of",
    "parse_xml",
    "text_of",
    "texts",
]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# A character outside XML 1.0's Char production (section 2.2): C0 controls but tab, LF
# and CR; surrogates; U+FFFE and U+FFFF. No XML document may hold one, even escaped.
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# An entity declaration anywhere in the prolog, in any case or spacing.
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_blank_text=False,
    )


def _prolog(data: bytes) -> bytes:
    """The bytes before the root element (where a DOCTYPE and its internal subset live)."""
    match = _ROOT_START.search(data)
    return data if match is None else data[: match.start()]


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted bytes into a root element, or raise `UnsafeXML` saying why."""
    if not isinstance(data, bytes | bytearray):
        raise UnsafeXML(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise UnsafeXML(f"document of {len(data)} bytes exceeds the limit of {max_bytes} bytes")
    if not data.strip():
        raise UnsafeXML("empty document", line=1)
    if data[:1] in b" \t\r\n":
        # Some servers emit a blank line before the XML declaration, which XML forbids.
        data = bytes(data).lstrip(b" \t\r\n")
    if _ENTITY_DECL.search(_prolog(bytes(data))):
        raise UnsafeXML("DOCTYPE declares entities; refused (entity expansion / XXE)", line=1)
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise UnsafeXML(f"malformed XML: {exc.msg}", line=line) from None
    _check_dtd(root)
    return root


def _check_dtd(root: etree._Element) -> None:
    # The byte scan misses UTF-16 documents; the parsed internal subset does not.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in cast(Any, dtd).iterentities()):
        raise UnsafeXML("DOCTYPE declares entities; refused (entity expansion / XXE)", line=1)


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace_of(element: etree._Element) -> str:
    """The namespace URI of an element, "" when it has none."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1 : tag.index("}")]


def text_of(element: etree._Element | None) -> str:
    """All text inside an element, whitespace collapsed; "" for None."""
    if element is None:
        return ""
    if len(element) == 0:  # the common leaf case, without itertext
        text = element.text
        return " ".join(text.split()) if text else ""
    return " ".join("".join(cast("Iterator[str]", element.itertext())).split())


def block_of(element: etree._Element | None) -> str:
    """Text inside an element with its line breaks kept (spaces folded within each line).

    Archival notes use line breaks as structure (an arrangement scheme, a list of
    laws); folding them into one line would lose it.
    """
    if element is None:
        return ""
    raw = "".join(cast("Iterator[str]", element.itertext()))
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    return "\n".join(line for line in lines if line)


def texts(elements: Iterator[etree._Element] | list[etree._Element]) -> list[str]:
    """The non-empty collapsed texts of several elements, in order."""
    return [t for t in (text_of(e) for e in elements) if t]


def line_of(element: etree._Element) -> int | None:
    """The source line of an element, when the parser recorded one."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None


def element_path(element: etree._Element) -> str:
    """A readable path such as ``/ead/archdesc/dsc/c[2]`` (local names, 1-based index)."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        name = local_name(node)
        if parent is not None:
            same = [s for s in parent if s.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))
