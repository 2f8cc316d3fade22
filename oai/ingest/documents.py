"""Cutting documents into items: OAI-PMH records, container files, whole documents,
JSON Lines. What every producer (an OAI-PMH page, a partner's export file, an import)
shares.

- An OAI-PMH `<record>` is an item identified by its header (rule 1 of
  `oai.ingest.identity`); a deleted header is a deletion.
- A MARCXML or MODS collection gives one item per record, identified by the format's
  own identifier, or by its place in the file.
- Any other XML document (an EAD finding aid, ELZA, APUX) is one item, read whole (under
  `max_document_bytes`) into all of its records.
- JSON Lines give one item per line (the record model's JSON form).

A unit that does not parse, is cut short or is over a cap becomes an item that carries
its error and raw bytes: it costs that record only. `FileItems.complete` says whether
the file was read to its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from lxml import etree

from crosswalks import CrosswalkError
from crosswalks.split import OAI_NS, Container, Splitter, Unit, parse_units
from oai.ingest.items import Item
from oai.ingest.read import metadata_of
from records.jsonl import read_json_units

__all__ = ["FileItems", "Header", "header_of", "oai_items"]

_O = f"{{{OAI_NS}}}"
GROUP = 200  # units parsed together (one parse, unless one of them is broken)


@dataclass(frozen=True, slots=True)
class Header:
    identifier: str
    datestamp: str
    deleted: bool
    sets: tuple[str, ...]


_HEADER, _IDENTIFIER, _DATESTAMP, _SET = (
    f"{_O}{n}" for n in ("header", "identifier", "datestamp", "setSpec")
)


def header_of(record: etree._Element) -> Header | str:
    """An OAI-PMH record's header, or what is wrong with it (its children are walked
    once: this runs for every record a harvest reads)."""
    header = next((child for child in record if child.tag == _HEADER), None)
    if header is None:
        return "a record without a <header>"
    identifier = datestamp = ""
    sets: list[str] = []
    for child in header:
        tag, text = child.tag, (child.text or "").strip()
        if tag == _IDENTIFIER and not identifier:
            identifier = text
        elif tag == _DATESTAMP and not datestamp:
            datestamp = text
        elif tag == _SET and text:
            sets.append(text)
    if not identifier:
        return "a header without an <identifier>"
    return Header(identifier, datestamp, header.get("status") == "deleted", tuple(sets))


def oai_item(
    unit: Unit,
    parsed: etree._Element | CrosswalkError,
    container: Container,
    where: str,
    document: str | None = None,
) -> Item:
    """The item of one OAI-PMH record unit (parsed, or the error that took its place);
    `document`: the file it is in, if any."""
    item = Item(where, raw=unit.raw, document=document)
    if unit.oversize or isinstance(parsed, CrosswalkError):
        item.identifier = unit.identifier_hint(container)  # what its bytes show
        item.error = _oversize(unit) if unit.oversize else f"the record does not parse: {parsed}"
        return item
    header = header_of(parsed)
    if isinstance(header, str):
        item.identifier, item.error = unit.identifier_hint(container), header
        return item
    item.identifier, item.datestamp = header.identifier, header.datestamp
    if header.deleted:
        item.deleted, item.raw = True, b""
        return item
    root = metadata_of(parsed)
    if root is None:
        item.error = "a live record without metadata"
        return item
    item.element, item.namespaces = root, container.namespaces
    return item


def _oversize(unit: Unit) -> str:
    return (
        f"the record has more than harvest.max_record_bytes ({len(unit.raw):,});"
        " kept raw up to that size"
    )


def oai_items(
    container: Container, units: list[Unit], label: str, document: str | None = None
) -> list[Item]:
    """Items of a group of OAI-PMH record units ("<label>, record N" each); `document`:
    the file they are in."""
    parsed = parse_units(container, units)
    return [
        oai_item(unit, element, container, f"{label}, record {unit.index}", document)
        for unit, element in zip(units, parsed, strict=True)
    ]


class FileItems:
    """The items of one file, in order; a file of any size in the memory of one record
    (a document that is read whole: under `max_document_bytes`)."""

    def __init__(
        self,
        stream: IO[bytes],
        name: str,
        *,
        max_record_bytes: int,
        max_document_bytes: int,
    ) -> None:
        self.stream, self.name = stream, name
        self.max_record_bytes, self.max_document_bytes = max_record_bytes, max_document_bytes
        self.complete = False  # read to its end: nothing was cut off
        self.problem: str | None = None  # why not, or what was wrong with the file as a whole

    def __iter__(self) -> Iterator[Item]:
        head = self.stream.read(64 * 1024)
        self.stream.seek(0)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
            yield from self._json(self.stream)
            return
        try:
            splitter = Splitter(self.stream, max_record_bytes=self.max_record_bytes)
        except CrosswalkError as exc:
            self.problem = f"{exc}"
            yield Item(
                f"{self.name}",
                None,
                raw=head[:4000],
                error=str(exc),
                document=self.name,
                position="1",
            )
            return
        if splitter.container is None:
            yield from self._whole(splitter)
        else:
            yield from self._container(splitter)

    def _whole(self, splitter: Splitter) -> Iterator[Item]:
        try:
            data = splitter.whole(self.max_document_bytes)
        except CrosswalkError as exc:
            self.problem = str(exc)
            yield Item(self.name, None, error=str(exc), document=self.name, position="1")
            return
        self.complete = True
        yield Item(self.name, None, read="document", raw=data, document=self.name, position="1")

    def _container(self, splitter: Splitter) -> Iterator[Item]:
        group: list[Unit] = []
        for unit in splitter.units():
            group.append(unit)
            if len(group) >= GROUP:
                yield from self._items(splitter, group)
                group = []
        yield from self._items(splitter, group)
        self.complete = splitter.ended
        if not splitter.ended:
            self.problem = "the file ends before its document does (cut short)"

    def _items(self, splitter: Splitter, units: list[Unit]) -> Iterator[Item]:
        container = splitter.container
        assert container is not None
        if not units:
            return
        if container.is_oai:
            yield from oai_items(container, units, self.name, self.name)
            return
        for unit, parsed in zip(units, parse_units(container, units), strict=True):
            where, position = f"{self.name}, record {unit.index}", str(unit.index)
            item = Item(where, raw=unit.raw, document=self.name, position=position)
            if unit.oversize:
                item.error = _oversize(unit)
            elif isinstance(parsed, CrosswalkError):
                item.identifier = unit.identifier_hint(container)
                item.error = f"the record does not parse: {parsed}"
            else:
                item.element, item.namespaces = parsed, container.namespaces
            yield item

    def _json(self, stream: IO[bytes]) -> Iterator[Item]:
        """JSON Lines (or one JSON array or object): the record model's JSON form."""
        units = read_json_units(
            stream,
            self.name,
            max_line_bytes=self.max_record_bytes,
            max_document_bytes=self.max_document_bytes,
        )
        for line, index, data, error in units:
            where = f"{self.name}:{line}" if line is not None else self.name
            if index is not None:
                where = f"{where}: item {index}"
            if error is not None or data is None:
                yield Item(where, None, error=error or "no record", document=self.name)
                continue
            found = data.get("id")
            identifier = found if isinstance(found, str) and found.strip() else None
            yield Item(where, identifier, read="record-json", data=data, document=self.name)
        self.complete = True
