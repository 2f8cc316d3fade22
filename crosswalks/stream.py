"""Reading a document of any size record by record, in flat memory.

`parse_xml` holds a whole document in memory, up to a cap; a partner's dump of an
OAI-PMH ListRecords response, a MARCXML or a MODS collection can be gigabytes. Those
are containers of independent records, so `iter_document` reads them with lxml's
iterparse, crosswalks each record as its end tag arrives and throws it away, and
memory stays that of one record whatever the file size. Every other format (an EAD
finding aid, a Czech EAD3, an ELZA export) is one tree whose parts refer to each other,
read whole under `max_document_bytes`.

The same defences as `parse_xml`: no DTD is loaded, no entity resolved, nothing
fetched, and a prolog that declares entities is refused before parsing. Each record has
a size cap; a record over it is skipped (its elements are dropped as they end, so it
never sits whole in memory) and reported. A fault in one record is yielded as a
`CrosswalkError` in its place, and reading goes on; malformed XML ends the stream with
an error that names its line, after every record before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from lxml import etree

from crosswalks.errors import CrosswalkError, UnsafeXML
from crosswalks.parsing import DEFAULT_MAX_BYTES, element_path, line_of
from crosswalks.registry import OAI_NS, Registry, default_registry, read_element

__all__ = ["DEFAULT_MAX_RECORD_BYTES", "StreamItem", "iter_document"]

DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024
_HEAD_BYTES = 64 * 1024
_BLOCK = 64 * 1024
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")

MARC_NS = "http://www.loc.gov/MARC21/slim"
MODS_NS = "http://www.loc.gov/mods/v3"
# container root -> the element that holds one record
_CONTAINERS = {
    f"{{{OAI_NS}}}OAI-PMH": f"{{{OAI_NS}}}record",
    f"{{{MARC_NS}}}collection": f"{{{MARC_NS}}}record",
    f"{{{MODS_NS}}}modsCollection": f"{{{MODS_NS}}}mods",
}


@dataclass(frozen=True, slots=True)
class StreamItem:
    """One unit of a stream: a record's JSON form, or the error that took its place.

    `index` counts the record elements of the document from 1 (a finding aid, read
    whole, gives all its records index 1)."""

    index: int
    record: dict[str, Any] | None
    error: CrosswalkError | None = None
    identifier: str | None = None  # an OAI-PMH record's header identifier

    def describe(self) -> str:
        """Where the unit is, for an error message: "record 31 (oai:p:30)"."""
        return f"record {self.index}" + (f" ({self.identifier})" if self.identifier else "")


class _Counted:
    """A binary file that counts the bytes read from it and replays a head already read."""

    def __init__(self, raw: IO[bytes], head: bytes) -> None:
        self.raw, self.head, self.count = raw, head, 0

    def read(self, size: int = -1) -> bytes:
        if self.head:
            size = len(self.head) if size < 0 else size
            data, self.head = self.head[:size], self.head[size:]
        else:
            data = self.raw.read(size)
        self.count += len(data)
        return data


def iter_document(
    source: IO[bytes],
    registry: Registry | None = None,
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    max_document_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[StreamItem]:
    """The records of a binary XML stream in any inbound format, one at a time."""
    registry = registry or default_registry()
    head = source.read(_HEAD_BYTES)
    if not head.strip():
        raise UnsafeXML("empty document", line=1)
    match = _ROOT_START.search(head)
    prolog = head if match is None else head[: match.start()]
    if _ENTITY_DECL.search(prolog) or (match is None and len(head) == _HEAD_BYTES):
        # a prolog longer than the head is a DOCTYPE with a large internal subset
        raise UnsafeXML("DOCTYPE declares entities; refused (entity expansion / XXE)", line=1)
    counted = _Counted(source, head.lstrip(b" \t\r\n"))
    reader = _Reader(counted, registry, max_record_bytes, max_document_bytes)
    yield from reader.items()


class _Reader:
    def __init__(
        self, source: _Counted, registry: Registry, max_record: int, max_document: int
    ) -> None:
        self.source, self.registry = source, registry
        self.max_record, self.max_document = max_record, max_document
        self.index = 0

    def items(self) -> Iterator[StreamItem]:
        try:
            yield from self._walk(self._events())
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) else None
            error = UnsafeXML(f"malformed XML: {exc.msg}", line=line)
            yield StreamItem(self.index + 1, None, error)

    def _events(self) -> Iterator[tuple[str, etree._Element]]:
        """Parse events, fed a block at a time; on malformed XML, every event before
        the fault first, then the error."""
        parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        while True:
            block = self.source.read(_BLOCK)
            try:
                if block:
                    parser.feed(block)
                else:
                    parser.close()
            finally:
                yield from cast("Iterator[tuple[str, etree._Element]]", parser.read_events())
            if not block:
                return

    def _walk(self, events: Iterator[tuple[str, etree._Element]]) -> Iterator[StreamItem]:
        _event, root = next(events)
        dtd = root.getroottree().docinfo.internalDTD
        if dtd is not None and any(True for _ in cast(Any, dtd).iterentities()):
            # the byte scan of the prolog misses UTF-16; the parsed subset does not
            error = UnsafeXML("DOCTYPE declares entities; refused (entity expansion / XXE)")
            yield StreamItem(1, None, error)
            return
        unit = _CONTAINERS.get(str(root.tag))
        if unit is None:
            yield from self._whole(events, root)
            return
        started: int | None = None  # bytes read when the current record began
        oversize = False
        for event, element in events:
            if element.tag == unit and event == "start":
                started, oversize = self.source.count, False
            elif started is not None and event == "end":
                if not oversize and self.source.count - started > self.max_record:
                    oversize = True
                if element.tag == unit:
                    self.index += 1
                    yield from self._record(element, oversize)
                    started = None
                    _forget(element)
                elif oversize:
                    element.clear()  # keep the oversized record out of memory
            elif event == "end" and element.tag == f"{{{OAI_NS}}}error":
                self.index += 1
                yield StreamItem(self.index, None, _oai_error(element))

    def _record(self, element: etree._Element, oversize: bool) -> Iterator[StreamItem]:
        identifier = element.findtext(f"{{{OAI_NS}}}header/{{{OAI_NS}}}identifier")
        if oversize:
            error = CrosswalkError(
                f"record of more than {self.max_record} bytes; skipped", line=line_of(element)
            )
            yield StreamItem(self.index, None, error, identifier)
            return
        target = element
        if element.tag == f"{{{OAI_NS}}}record":
            metadata = element.find(f"{{{OAI_NS}}}metadata")
            if metadata is None:
                return  # a deleted record's header: nothing to import
            children = [c for c in metadata if isinstance(c.tag, str)]
            if not children:
                return
            target = children[0]
        try:
            forms = read_element(target, self.registry)
        except CrosswalkError as exc:
            # the records before this one are gone from the tree, so a path from the
            # root would miscount them: the index and the line say where it is
            error = type(exc)(exc.message, format=exc.format, line=exc.line)
            yield StreamItem(self.index, None, error, identifier)
            return
        for form in forms:
            yield StreamItem(self.index, form, None, identifier)

    def _whole(
        self, events: Iterator[tuple[str, etree._Element]], root: etree._Element
    ) -> Iterator[StreamItem]:
        self.index = 1
        for _event, _element in events:
            if self.source.count > self.max_document:
                error = UnsafeXML(
                    f"a {etree.QName(root).localname} document is read whole, and this one"
                    f" exceeds the limit of {self.max_document} bytes"
                )
                yield StreamItem(1, None, error)
                return
        try:
            forms = read_element(root, self.registry)
        except CrosswalkError as exc:
            yield StreamItem(1, None, exc)
            return
        for form in forms:
            yield StreamItem(1, form)


def _forget(element: etree._Element) -> None:
    """Drop a processed record and the siblings before it from the tree."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _oai_error(element: etree._Element) -> CrosswalkError:
    return CrosswalkError(
        f"OAI-PMH error {element.get('code')}: {(element.text or '').strip()}",
        format="OAI-PMH",
        path=element_path(element),
        line=line_of(element),
    )
