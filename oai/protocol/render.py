"""The XML of a response, built with lxml: envelope, errors and the parts of every verb.

Stored metadata is spliced in as bytes: each `<metadata>` element is serialized with a
processing instruction as a placeholder, and `Document.tostring` replaces each
placeholder with the record's stored XML. The stored XML was produced by our own
crosswalk writers (`crosswalks/xmlout.py` serialises exactly as lxml would, and the
tests validate every writer's output against its schema); nothing checks it again when
it is written or served, and re-parsing it for every record of every page would only
burn the time budget of a page (parsing 100 records costs more than everything else a
page does). Everything around it is built by lxml, so escaping is never done by hand.
The placeholder cannot occur elsewhere: lxml escapes `<` in any text or attribute value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import deepcopy
from datetime import datetime
from typing import Any

from lxml import etree

from crosswalks import NOT_XML_CHAR
from oai.errors import OAIError
from oai.protocol.datestamps import GRANULARITY, format_datestamp
from oai.protocol.repository import FormatInfo, Identity, Item, Provenance, SetEntry
from oai.protocol.tokens import ResumptionToken

__all__ = ["OAI_NS", "Document"]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_XSI_LOCATION = f"{{{XSI_NS}}}schemaLocation"
_OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
_SLOT_NAME = "oaihub-metadata"
_SLOT = f"<?{_SLOT_NAME} ?>".encode()  # as lxml serializes an empty PI
_SCHEMAS = {
    "oai-identifier": (
        "http://www.openarchives.org/OAI/2.0/oai-identifier",
        "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
    ),
    "friends": (
        "http://www.openarchives.org/OAI/2.0/friends/",
        "http://www.openarchives.org/OAI/2.0/friends.xsd",
    ),
    "provenance": (
        "http://www.openarchives.org/OAI/2.0/provenance",
        "http://www.openarchives.org/OAI/2.0/provenance.xsd",
    ),
    "dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    ),
}
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
DC_NS = "http://purl.org/dc/elements/1.1/"


def _q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


_SubElement = etree.SubElement
_RECORD, _HEADER, _METADATA = _q("record"), _q("header"), _q("metadata")
_IDENTIFIER, _DATESTAMP, _SET_SPEC = _q("identifier"), _q("datestamp"), _q("setSpec")


def _templates() -> tuple[etree._Element, etree._Element]:
    """A bare header, and a live record with a metadata placeholder, to copy per record.

    Copying a small tree is about a third cheaper than building it element by element,
    and a list page builds a hundred of them.
    """
    header = etree.Element(_HEADER)
    _SubElement(header, _IDENTIFIER)
    _SubElement(header, _DATESTAMP)
    record = etree.Element(_RECORD)
    record.append(deepcopy(header))
    _SubElement(record, _METADATA).append(etree.ProcessingInstruction(_SLOT_NAME))
    return header, record


def _copy(template: etree._Element) -> etree._Element:
    """A deep copy, without copy.deepcopy's memo bookkeeping (lxml copies in C)."""
    copied: etree._Element = template.__deepcopy__(None)  # type: ignore[attr-defined]
    return copied


def _fill_header(header: etree._Element, item: Item, identifier: str) -> None:
    header[0].text = identifier
    header[1].text = format_datestamp(item.datestamp)
    for spec in item.sets:
        _SubElement(header, _SET_SPEC).text = spec


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    return element


def _container(parent: etree._Element, kind: str, name: str) -> etree._Element:
    """A description-like child in its own namespace, with its xsi:schemaLocation."""
    namespace, schema = _SCHEMAS[kind]
    # lxml-stubs cannot type a map with both None (the default namespace) and str keys
    nsmap: dict[Any, str] = (
        {"oai_dc": namespace, "dc": DC_NS} if kind == "dc" else {None: namespace}
    )
    nsmap["xsi"] = XSI_NS
    element = etree.SubElement(parent, f"{{{namespace}}}{name}", nsmap=nsmap)
    element.set(_XSI_LOCATION, f"{namespace} {schema}")
    return element


class Document:
    """One OAI-PMH response under construction."""

    def __init__(
        self,
        response_date: datetime,
        base_url: str,
        request_args: Sequence[tuple[str, str]] | None,
        stylesheet: str | None = None,
    ) -> None:
        nsmap: dict[Any, str] = {None: OAI_NS, "xsi": XSI_NS}
        self.root = etree.Element(_q("OAI-PMH"), nsmap=nsmap)
        self.root.set(_XSI_LOCATION, f"{OAI_NS} {_OAI_XSD}")
        if stylesheet:
            pi = etree.ProcessingInstruction(
                "xml-stylesheet", f'type="text/xsl" href="{stylesheet}"'
            )
            self.root.addprevious(pi)
        _sub(self.root, "responseDate", format_datestamp(response_date))
        self.base_url = base_url
        request = _sub(self.root, "request", base_url)
        # OAI-PMH 3.2: attributes echo a valid request exactly; none after badVerb/badArgument
        for key, value in request_args or ():
            request.set(key, value)
        self._slots: list[bytes] = []

    def verb(self, name: str) -> etree._Element:
        return _sub(self.root, name)

    def errors(self, errors: Iterable[OAIError]) -> None:
        for error in errors:
            # a message may quote what a client sent: only what XML can carry goes out
            message = NOT_XML_CHAR.sub("\ufffd", error.message) if error.message else None
            _sub(self.root, "error", message).set("code", error.code)

    # -- records ---------------------------------------------------------------------------

    def header(self, parent: etree._Element, item: Item, identifier: str) -> None:
        parent.append(self._header(item, identifier))

    def record(self, parent: etree._Element, item: Item, identifier: str) -> None:
        """A <record>: the header, the stored metadata unless deleted, provenance."""
        if item.deleted:
            # OAI-PMH 2.5.1: a deleted record has a header only
            _SubElement(parent, _RECORD).append(self._header(item, identifier))
            return
        if item.metadata is None:
            raise ValueError(f"record {item.local_id} has no stored metadata")
        record = _copy(_LIVE_RECORD)
        parent.append(record)
        _fill_header(record[0], item, identifier)
        self._slots.append(item.metadata)
        if item.provenance is not None:
            _provenance(_sub(record, "about"), item.provenance)

    @staticmethod
    def _header(item: Item, identifier: str) -> etree._Element:
        header = _copy(_HEADER_TEMPLATE)
        if item.deleted:
            header.set("status", "deleted")
        _fill_header(header, item, identifier)
        return header

    def resumption_token(
        self,
        parent: etree._Element,
        token: str,
        state: ResumptionToken | None,
        *,
        cursor: int,
        total: int | None,
    ) -> None:
        """A token element; an empty token (state None) ends a multi-page list (3.5).

        `total` None leaves completeListSize out (it is optional)."""
        element = _sub(parent, "resumptionToken", token or None)
        if state is not None:
            element.set("expirationDate", format_datestamp(state.expiration))
        if total is not None:
            element.set("completeListSize", str(total))
        element.set("cursor", str(cursor))

    # -- other verbs ----------------------------------------------------------------------

    def identify(
        self, identity: Identity, base_url: str, earliest: datetime, sample_identifier: str
    ) -> None:
        body = self.verb("Identify")
        _sub(body, "repositoryName", identity.name)
        _sub(body, "baseURL", base_url)
        _sub(body, "protocolVersion", "2.0")
        for email in identity.admin_emails:
            _sub(body, "adminEmail", email)
        _sub(body, "earliestDatestamp", format_datestamp(earliest))
        _sub(body, "deletedRecord", "persistent")
        _sub(body, "granularity", GRANULARITY)
        for method in identity.compression:
            _sub(body, "compression", method)
        described = _container(_sub(body, "description"), "oai-identifier", "oai-identifier")
        namespace = _SCHEMAS["oai-identifier"][0]
        for name, value in (
            ("scheme", "oai"),
            ("repositoryIdentifier", identity.repository_identifier),
            ("delimiter", ":"),
            ("sampleIdentifier", sample_identifier),
        ):
            etree.SubElement(described, f"{{{namespace}}}{name}").text = value
        if identity.friends:
            friends = _container(_sub(body, "description"), "friends", "friends")
            for url in identity.friends:
                etree.SubElement(friends, f"{{{_SCHEMAS['friends'][0]}}}baseURL").text = url

    def metadata_formats(self, formats: Iterable[FormatInfo]) -> None:
        body = self.verb("ListMetadataFormats")
        for fmt in formats:
            element = _sub(body, "metadataFormat")
            _sub(element, "metadataPrefix", fmt.prefix)
            _sub(element, "schema", fmt.schema)
            _sub(element, "metadataNamespace", fmt.namespace)

    def sets(self, sets: Iterable[SetEntry]) -> None:
        body = self.verb("ListSets")
        for entry in sets:
            element = _sub(body, "set")
            _sub(element, "setSpec", entry.spec)
            _sub(element, "setName", entry.name)
            dc = _container(_sub(element, "setDescription"), "dc", "dc")
            etree.SubElement(dc, f"{{{DC_NS}}}title").text = entry.name
            if entry.description:
                etree.SubElement(dc, f"{{{DC_NS}}}description").text = entry.description

    def tostring(self) -> bytes:
        # the declaration is written here so that it has the usual double quotes
        data: bytes = _DECLARATION + etree.tostring(self.root.getroottree(), encoding="UTF-8")
        if not self._slots:
            return data
        parts = data.split(_SLOT)
        if len(parts) != len(self._slots) + 1:
            raise AssertionError("metadata placeholders and records do not match")
        out = [parts[0]]
        for xml, rest in zip(self._slots, parts[1:], strict=True):
            out.append(xml)
            out.append(rest)
        return b"".join(out)


def _provenance(about: etree._Element, origin: Provenance) -> None:
    namespace = _SCHEMAS["provenance"][0]
    container = _container(about, "provenance", "provenance")
    description = etree.SubElement(container, f"{{{namespace}}}originDescription")
    description.set("harvestDate", origin.harvest_date)
    description.set("altered", "true" if origin.altered else "false")
    for name, value in (
        ("baseURL", origin.base_url),
        ("identifier", origin.identifier),
        ("datestamp", origin.datestamp),
        ("metadataNamespace", origin.metadata_namespace),
    ):
        etree.SubElement(description, f"{{{namespace}}}{name}").text = value


_HEADER_TEMPLATE, _LIVE_RECORD = _templates()
