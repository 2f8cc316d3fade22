"""The registry of metadata formats, shared by the provider and the harvester.

Adding a format is adding one module with a `FORMAT` and listing it in `_MODULES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from crosswalks import (
    ape_ead,
    aron_apux,
    aron_json,
    cam,
    dcterms,
    ead3,
    ead2002,
    edm,
    elza_edx,
    marcxml,
    mods,
    native,
    oai_dc,
)
from crosswalks.base import MetadataFormat, normalise_namespace
from crosswalks.errors import CrosswalkError, UnknownFormat
from crosswalks.parsing import DEFAULT_MAX_BYTES, element_path, line_of, parse_xml

__all__ = ["Registry", "default_registry", "read_document", "read_element", "render"]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_MODULES = (
    oai_dc,
    dcterms,
    mods,
    marcxml,
    native,
    ead2002,
    ead3,
    elza_edx,
    aron_apux,
    aron_json,
    cam,
)


def _split(clark: str) -> tuple[str, str]:
    if clark.startswith("{"):
        namespace, _, name = clark[1:].partition("}")
        return normalise_namespace(namespace), name
    return "", clark


class Registry:
    """Formats by prefix, and by root element for detecting the format of a document."""

    def __init__(self, formats: Iterable[MetadataFormat] = ()) -> None:
        self._by_prefix: dict[str, MetadataFormat] = {}
        self._by_root: dict[tuple[str, str], MetadataFormat] = {}
        for fmt in formats:
            self.register(fmt)

    def register(self, fmt: MetadataFormat) -> None:
        """Add a format; its prefix and root elements must be new."""
        if fmt.prefix in self._by_prefix:
            raise CrosswalkError(f"prefix {fmt.prefix!r} registered twice", format=fmt.prefix)
        self._by_prefix[fmt.prefix] = fmt
        for clark in (fmt.root, *fmt.aliases) if fmt.root else ():
            self._by_root.setdefault(_split(clark), fmt)

    def get(self, prefix: str) -> MetadataFormat:
        """The format registered under `prefix`; `UnknownFormat` if there is none."""
        try:
            return self._by_prefix[prefix]
        except KeyError:
            known = ", ".join(sorted(self._by_prefix))
            raise UnknownFormat(
                f"unknown metadata prefix (known: {known})", format=prefix
            ) from None

    def __contains__(self, prefix: object) -> bool:
        return prefix in self._by_prefix

    def all(self) -> list[MetadataFormat]:
        return list(self._by_prefix.values())

    def outbound(self) -> list[MetadataFormat]:
        """The formats this hub can serve (those with a writer), in registration order."""
        return [f for f in self._by_prefix.values() if f.write is not None]

    def inbound(self) -> list[MetadataFormat]:
        """The formats this hub can read (XML ones by `read`, JSON ones by `read_json`)."""
        return [f for f in self._by_prefix.values() if f.inbound]

    def by_namespace(self, namespace: str) -> MetadataFormat:
        """The readable format of a metadataNamespace (as ListMetadataFormats gives it).

        Partners name their prefixes freely ("oai_ead", "marc21", "oai_mods"); the
        namespace, folded like `detect` folds it, says which reader applies.
        """
        wanted = normalise_namespace(namespace)
        for (folded, _name), fmt in self._by_root.items():
            if folded == wanted and fmt.read is not None:
                return fmt
        raise UnknownFormat(f"no reader for metadata namespace {namespace!r}")

    def detect(self, root: etree._Element) -> MetadataFormat:
        """The format of a metadata root element, from its name and (folded) namespace."""
        tag = root.tag
        if not isinstance(tag, str):
            raise UnknownFormat("the document has no root element")
        fmt = self._by_root.get(_split(tag))
        if fmt is None:
            raise UnknownFormat(
                f"unknown format: no reader for root element {tag}",
                path=element_path(root),
                line=line_of(root),
            )
        return fmt


def default_registry(
    edm_options: edm.EdmOptions | None = None, ape_options: ape_ead.ApeOptions | None = None
) -> Registry:
    """A new registry with every format of the package (no shared mutable state).

    `edm_options`: the `[edm]` settings the EDM writer needs. The `edm` format is there
    only with a provider: without one no record could be ready for Europeana.
    `ape_options`: with them, the `ape_ead` format (finding aids the hub assembles)."""
    formats = [module.FORMAT for module in _MODULES]
    extra = 5  # after the formats of every record
    if edm_options is not None and edm_options.provider:
        formats.insert(extra, edm.edm_format(edm_options))
        extra += 1
    if ape_options is not None:
        formats.insert(extra, ape_ead.ape_format(ape_options))
    return Registry(formats)


def _metadata_roots(root: etree._Element) -> list[etree._Element]:
    """The metadata elements of an OAI-PMH response, or the root itself."""
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        return [root]
    error = root.find(f"{{{OAI_NS}}}error")
    if error is not None:
        # OAI-PMH 3.6: a response with errors carries no records; say which error it was.
        raise CrosswalkError(
            f"OAI-PMH error {error.get('code')}: {(error.text or '').strip()}",
            format="OAI-PMH",
            path=element_path(error),
            line=line_of(error),
        )
    found: list[etree._Element] = []
    for metadata in root.iter(f"{{{OAI_NS}}}metadata"):
        found.extend(child for child in metadata if isinstance(child.tag, str))
    return found


def read_element(root: etree._Element, registry: Registry | None = None) -> list[dict[str, Any]]:
    """Record JSON forms from a parsed metadata root or OAI-PMH response."""
    registry = registry or default_registry()
    records: list[dict[str, Any]] = []
    for element in _metadata_roots(root):
        fmt = registry.detect(element)
        if fmt.read is None:
            raise UnknownFormat(
                "format is write-only here", format=fmt.prefix, line=line_of(element)
            )
        records.extend(fmt.read(element))
    return records


def read_document(
    data: bytes, registry: Registry | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[dict[str, Any]]:
    """Parse a document in any inbound format (or an OAI-PMH response) into JSON forms."""
    return read_element(parse_xml(data, max_bytes=max_bytes), registry)


def render(registry: Registry, prefix: str, record: Mapping[str, Any]) -> bytes:
    """Write a record's JSON form in the format `prefix`."""
    fmt = registry.get(prefix)
    if fmt.write is None:
        raise UnknownFormat("format is read-only here", format=prefix)
    return fmt.write(record)
