"""Helpers shared by the writers: build output trees and serialise them one way.

The writers build small trees (a few dozen elements a record) that are only ever
serialised, and building and serialising lxml elements was most of a harvest's CPU.
`OutElement` is the minimal element they need: like an ElementTree element it is the list
of its children, with a tag, text and attributes, built with `tree`, `sub` and `.set`.
Tags and attribute names are in Clark notation (`{uri}local`) or plain; the root declares
the namespaces (its nsmap, a None prefix for the default one), and every name must use a
declared one: there are no invented ns0 prefixes.

`serialise` writes exactly the bytes `lxml.etree.tostring(root, encoding="UTF-8")` writes
for the same tree (the tests compare the two on every writer over samples and generated
records). Building and serialising a tree costs about 40% of what it does in lxml, and
the writers render about twice as many records a second (bench/crosswalk_bench.py).
Characters XML 1.0 cannot carry are dropped from text and attribute values. Parsing
stays with lxml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "XML_NS",
    "XSI",
    "XSI_SCHEMA_LOCATION",
    "NsMap",
    "OutElement",
    "OutRoot",
    "UndeclaredNamespace",
    "clean",
    "is_uri",
    "serialise",
    "sub",
    "tree",
]

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"
XML_NS = "http://www.w3.org/XML/1998/namespace"  # the xml: prefix, never declared
# Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates,
# U+FFFE/U+FFFF): dropped rather than failing the whole record.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same C0 controls as UTF-8 bytes (they encode as themselves).
_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in b"\t\n\r")

# An absolute URI as xs:anyURI (libxml2) accepts it: a scheme, then no blanks or
# characters that RFC 3986 forbids unescaped.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
# A name without a colon (roughly XML's NCName), for local names and prefixes.
_NCNAME = re.compile(r"[^\W\d][\w.\-]*\Z")
# What an attribute value needs escaped (text needs only &, <, > and CR).
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\n\r\t]')

# prefix -> namespace URI; the None prefix is the default namespace
NsMap = Mapping[str | None, str] | Mapping[str, str]


def is_uri(value: str) -> bool:
    """True if `value` can go where a schema wants an absolute xs:anyURI."""
    return bool(_URI.match(value))


def clean(text: str) -> str:
    """The text without characters that XML 1.0 cannot represent."""
    return _NOT_XML.sub("", text)


class UndeclaredNamespace(ValueError):
    """A tag or attribute name uses a namespace the root does not declare a prefix for."""


class OutElement(list["OutElement"]):
    """An element of an output tree: the list of its children, with a tag, text (None for
    none; "" writes `<a></a>` as lxml does) and attributes in the order first set."""

    __slots__ = ("attrib", "tag", "text")
    tag: str
    text: str | None
    attrib: dict[str, str] | None  # None until the first set(): most elements have none

    def set(self, name: str, value: str) -> None:
        """Set an attribute; setting it again replaces the value in place, as lxml does."""
        attrib = self.attrib
        if attrib is None:
            self.attrib = {name: value}
        else:
            attrib[name] = value

    # Identity, as for lxml elements, not list equality of the children alone.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.tag} at {id(self):#x}>"


class OutRoot(OutElement):
    """The root of an output tree, which declares its namespaces."""

    __slots__ = ("names",)
    names: _Names

    @property
    def nsmap(self) -> dict[str | None, str]:
        """The namespaces declared here, as lxml's `nsmap`."""
        return dict(self.names.nsmap)


def tree(tag: str, nsmap: NsMap) -> OutRoot:
    """A new output tree: its root element, declaring `nsmap` in that order."""
    key = tuple(nsmap.items())
    names = _NAMES.get(key)
    if names is None:
        names = _NAMES[key] = _Names(nsmap)
    root = OutRoot()
    root.tag, root.text, root.attrib, root.names = tag, None, None, names
    return root


def sub(parent: OutElement, tag: str, text: str | None = None) -> OutElement:
    """Append a child element, with text if given."""
    child = OutElement()
    child.tag = tag
    child.text = text
    child.attrib = None
    parent.append(child)
    return child


def serialise(root: OutRoot) -> bytes:
    """The tree as UTF-8 bytes, exactly as lxml writes it, without an XML declaration.

    Raises UndeclaredNamespace for a name in a namespace without a prefix here, and
    ValueError for a name that is not an XML name."""
    if not isinstance(root, OutRoot):
        raise TypeError(f"serialise() takes the root made by tree(), not {root!r}")
    names = root.names
    out: list[str] = []
    _write((root,), names, names.root_tags, out)
    text = "".join(out)
    # Markup never holds a character XML cannot carry, so one check of the whole text
    # covers every value (a regex over it would cost as much as the rest): encoding
    # fails on lone surrogates, and C0 controls are the only bytes below 0x20 in UTF-8.
    try:
        data = text.encode()
    except UnicodeEncodeError:
        return clean(text).encode()
    if (
        len(data.translate(None, _CONTROL_BYTES)) < len(data)
        or "\ufffe" in text
        or "\uffff" in text
    ):
        return clean(text).encode()
    return data


def _write(
    elements: Iterable[OutElement],
    names: _Names,
    tags: dict[str, tuple[str, str]],
    out: list[str],
) -> None:
    """Append the markup of `elements` (and their descendants) to `out`.

    The hot loop of the module, kept flat: a leaf (most elements) costs no call."""
    attributes = names.attributes
    for element in elements:
        try:
            start, end = tags[element.tag]
        except KeyError:
            start, end = names.add_tag(element.tag, tags)
        attrib = element.attrib
        if attrib:
            out.append(start)
            start = ""
            for name, value in attrib.items():
                if not value.isalnum() and _ATTRIBUTE_SPECIAL.search(value):
                    value = _escape_attribute(value)
                try:
                    out.append(f'{attributes[name]}{value}"')
                except KeyError:
                    out.append(f'{names.add_attribute(name)}{value}"')
        text = element.text
        if text is not None:
            if "&" in text or "<" in text or ">" in text or "\r" in text:
                text = _escape_text(text)
            if not element:
                out.append(f"{start}>{text}{end}")
                continue
            out.append(f"{start}>{text}")
        elif not element:
            out.append(f"{start}/>")
            continue
        else:
            out.append(f"{start}>")
        _write(element, names, names.tags, out)
        out.append(end)


def _escape_text(text: str) -> str:
    """As libxml2 escapes text: &, <, > and CR (which a parser would turn into LF)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _escape_attribute(value: str) -> str:
    """As libxml2 escapes attribute values: as text, plus the quote, LF and tab, which
    attribute-value normalisation would otherwise turn into spaces."""
    return _escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


class _Names:
    """How one namespace map writes names: its declarations, and the start and end tags
    and attribute names of Clark names, cached (writers use a few dozen names)."""

    def __init__(self, nsmap: NsMap) -> None:
        self.nsmap: dict[str | None, str] = dict(nsmap.items())
        for prefix in self.nsmap:
            if prefix is not None and not _NCNAME.match(prefix):
                raise ValueError(f"invalid namespace prefix {prefix!r}")
        self.declarations = "".join(
            f' xmlns{"" if prefix is None else ":" + prefix}="{_escape_attribute(uri)}"'
            for prefix, uri in self.nsmap.items()
        )
        # The first prefix declared for a URI, as lxml picks; attributes need a real one.
        self._element_prefixes: dict[str, str | None] = {XML_NS: "xml"}
        self._attribute_prefixes: dict[str, str] = {XML_NS: "xml"}
        for prefix, uri in self.nsmap.items():
            self._element_prefixes.setdefault(uri, prefix)
            if prefix is not None:
                self._attribute_prefixes.setdefault(uri, prefix)
        self.tags: dict[str, tuple[str, str]] = {}
        self.root_tags: dict[str, tuple[str, str]] = {}  # start tags with declarations
        self.attributes: dict[str, str] = {}  # ' prefix:local="'

    def add_tag(self, tag: str, tags: dict[str, tuple[str, str]]) -> tuple[str, str]:
        uri, local = _split(tag)
        if uri is None:
            if None in self.nsmap:
                raise UndeclaredNamespace(
                    f"{tag!r} is in no namespace, which cannot be written under the "
                    f"default namespace {self.nsmap[None]!r}"
                )
            name = local
        elif uri in self._element_prefixes:
            prefix = self._element_prefixes[uri]
            name = local if prefix is None else f"{prefix}:{local}"
        else:
            raise UndeclaredNamespace(f"{tag!r}: the root declares no prefix for {uri!r}")
        declarations = self.declarations if tags is self.root_tags else ""
        known = tags[tag] = (f"<{name}{declarations}", f"</{name}>")
        return known

    def add_attribute(self, attribute: str) -> str:
        uri, local = _split(attribute)
        if uri is None:
            name = local
        elif uri in self._attribute_prefixes:
            name = f"{self._attribute_prefixes[uri]}:{local}"
        else:
            raise UndeclaredNamespace(
                f"attribute {attribute!r}: the root declares no prefix for {uri!r} "
                "(a default namespace does not apply to attributes)"
            )
        known = self.attributes[attribute] = f' {name}="'
        return known


def _split(name: str) -> tuple[str | None, str]:
    """(namespace URI or None, local name) of a Clark name, the local name checked."""
    if name[:1] != "{":
        uri, local = None, name
    else:
        uri, brace, local = name[1:].partition("}")
        if not brace:
            local = ""
    if not _NCNAME.match(local):
        raise ValueError(f"invalid XML name {name!r}")
    return uri, local


_NAMES: dict[tuple[tuple[str | None, str], ...], _Names] = {}
