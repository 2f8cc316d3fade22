"""An item -> the record forms it holds: the crosswalk, chosen by how the item is read.

Every reader here is a crosswalk of `crosswalks` (the format of an XML item is detected
from its root element; the configured prefix is the fallback for a root no format
claims). Parsing an item's bytes again happens only where the item crossed to a worker
process without its parsed element.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from crosswalks import (
    CrosswalkError,
    MetadataFormat,
    Registry,
    UnknownFormat,
    parse_xml,
    read_element,
)
from crosswalks.aron_json import read_json
from crosswalks.base import normalise_namespace
from crosswalks.split import OAI_NS, Container, Unit
from oai.ingest.caps import Limits, json_over_cap, xml_over_cap
from oai.ingest.items import Item
from oai.ingest.record_json import normalised

__all__ = ["READ_VERSION", "ItemRejected", "Reader", "metadata_of"]

# changes whenever what the ingest path makes of an item changes (then every record is
# read again once, whatever its fingerprint)
READ_VERSION = "ingest-1"

_METADATA = f"{{{OAI_NS}}}metadata"
_RECORD = f"{{{OAI_NS}}}record"


class ItemRejected(Exception):
    """An item that cannot be read into records: over a cap, malformed, unreadable."""


def metadata_of(element: etree._Element) -> etree._Element | None:
    """The metadata root of an OAI-PMH record element; any other element is its own."""
    if element.tag != _RECORD:
        return element
    for child in element:
        if child.tag == _METADATA:
            return next((c for c in child if isinstance(c.tag, str)), None)
    return None


class Reader:
    """Reads items into record forms, under the caps, in one registry's formats."""

    def __init__(
        self,
        registry: Registry,
        limits: Limits,
        fallback_prefix: str = "",
        max_document_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self.registry, self.limits = registry, limits
        self.max_document_bytes = max_document_bytes
        try:
            self.fallback: MetadataFormat | None = (
                registry.get(fallback_prefix) if fallback_prefix else None
            )
        except UnknownFormat:
            self.fallback = None
        self._readers: dict[str, Callable[[Item, Mapping[str, Any]], list[dict[str, Any]]]] = {
            "xml": self._xml,
            "document": self._document,
            "aron-entity": self._aron_entity,
            "record-json": self._record_json,
        }

    @property
    def version(self) -> str:
        """What reads items: this module's version and every reading format's."""
        formats = ";".join(
            f"{f.prefix}={f.version}" for f in self.registry.all() if f.read or f.read_json
        )
        return f"{READ_VERSION};{formats}"

    def read(self, item: Item, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The record forms of one item; `ItemRejected` or `CrosswalkError` saying why not."""
        if item.error:
            raise ItemRejected(item.error)
        try:
            reader = self._readers[item.read]
        except KeyError:
            raise ItemRejected(f"no reader for items read as {item.read!r}") from None
        return reader(item, context)

    def _element(self, item: Item) -> etree._Element:
        if item.element is not None:
            return item.element
        try:
            unit = Unit(0, item.raw, 1)
            parsed = unit.parse(Container("", "", "", "", item.namespaces))
        except CrosswalkError as exc:
            raise ItemRejected(f"the record does not parse: {exc}") from None
        root = metadata_of(parsed)
        if root is None:
            raise ItemRejected("a live record without metadata")
        item.element = root
        return root

    def _xml(self, item: Item, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        root = self._element(item)
        over = xml_over_cap(item.raw, root, self.limits)
        if over:
            raise ItemRejected(over)
        try:
            fmt = self.registry.detect(root)
        except UnknownFormat:
            # a partner's own root element in a known format's namespace (the configured
            # prefix's): read as that format; anything else is not guessed at
            namespace = etree.QName(root).namespace or ""
            fallback = self.fallback
            if fallback is None or normalise_namespace(namespace) != normalise_namespace(
                fallback.namespace
            ):
                raise
            fmt = fallback
        if fmt.read is None:
            raise UnknownFormat("this format can be written here, not read", format=fmt.prefix)
        return fmt.read(root)

    def _document(self, item: Item, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        if item.element is None:
            try:
                item.element = parse_xml(item.raw, max_bytes=self.max_document_bytes)
            except CrosswalkError as exc:
                raise ItemRejected(f"the document does not parse: {exc}") from None
        over = xml_over_cap(b"", item.element, self.limits)
        if over:
            raise ItemRejected(over)
        return read_element(item.element, self.registry)

    def _aron_entity(self, item: Item, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        size = len(item.raw) if item.raw else _json_size(item.data)
        over = json_over_cap(item.data, size, self.limits)
        if over:
            raise ItemRejected(over)
        return read_json([item.data], portal=context.get("portal"), labels=context.get("labels"))

    def _record_json(self, item: Item, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        if not isinstance(item.data, dict):
            raise ItemRejected("expected a JSON object")
        return [normalised(item.data)]  # date texts and language names, as XML's


def _json_size(data: Any) -> int:
    """Bytes of a JSON value as the partner would send it (for the record cap)."""
    return len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
