"""Exporting a source's records: an OAI-PMH ListRecords dump, or JSON Lines of the model.

Both are written as they are read, a batch of records at a time, so an export of
millions of records holds one batch in memory. Both import back with `oai records
import` to the same records:
- `listrecords`: one ListRecords response of the records in one metadata format, their
  stored XML as the provider serves it (tombstones, withdrawn records among them, as
  deleted headers); `oaihub` is the lossless format, `oai_dc` the common one.
- `jsonl`: one record a line in the record model's JSON (`records/schema`), live
  records only (a tombstone has nothing to publish), without header and provenance.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from crosswalks import CrosswalkError, parse_xml
from oai.errors import ExportError, UnknownExportSource
from oai.hub import Hub
from oai.protocol.render import OAI_NS, XSI_NS
from records.listing import Cursor, ListedRecord, Selection
from records.store import PARTNER_SETS
from records.times import format_datestamp, utcnow

__all__ = ["BATCH", "FORMATS", "Export", "check_export", "source_set"]

BATCH = 500
CHUNK = 64 * 1024  # bytes of JSON Lines handed on at a time
FORMATS = ("listrecords", "jsonl")
_OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
# each element written into the open envelope declares the OAI namespace as its default
# again (lxml writes it standalone): a redundant declaration, but no `ns0:` prefixes
_NSMAP: Any = {None: OAI_NS}  # lxml's stubs want str keys; None is the default namespace


def source_set(source_id: str) -> str:
    """The set of a source's records (every harvested record is in its partner's set)."""
    return f"{PARTNER_SETS}:{source_id}"


def check_export(hub: Hub, source_id: str, fmt: str, prefix: str) -> None:
    """Refuse, before a byte is written, an export that cannot be made."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; valid: {', '.join(FORMATS)}")
    if fmt == "listrecords":
        prefixes = [f.prefix for f in hub.registry.outbound()]
        if prefix not in prefixes:
            raise ExportError(f"unknown metadata prefix {prefix!r}; valid: {', '.join(prefixes)}")
    known = {s.id for s in hub.settings.sources}
    if source_id not in known and not hub.store.listing.page(
        Selection(set_spec=source_set(source_id)), limit=1
    ):
        raise UnknownExportSource(f"no source {source_id!r} (and no records harvested from it)")


class Export:
    """One export of a source's records, checked when made, read as chunks of bytes."""

    def __init__(self, hub: Hub, source_id: str, fmt: str, prefix: str = "oai_dc") -> None:
        check_export(hub, source_id, fmt, prefix)
        self.hub, self.source_id, self.fmt, self.prefix = hub, source_id, fmt, prefix
        self.count = 0  # records written so far

    def chunks(self) -> Iterator[bytes]:
        """The export, a batch of records at a time."""
        return self._jsonl() if self.fmt == "jsonl" else self._list_records()

    def write_to(self, out: IO[bytes]) -> int:
        """Write the whole export to `out`; how many records it holds."""
        for chunk in self.chunks():
            out.write(chunk)
        return self.count

    def _jsonl(self) -> Iterator[bytes]:
        buffer = _Chunks()
        for record in self.hub.store.iter_records(batch=BATCH, source_id=self.source_id):
            if record.header is not None and record.header.deleted:
                continue
            buffer.write(_json_line(record.to_dict()))
            self.count += 1
            if buffer.size >= CHUNK:
                yield buffer.take()
        yield buffer.take()

    def _list_records(self) -> Iterator[bytes]:
        # lxml's incremental writer writes into the buffer, emptied after each batch
        buffer = _Chunks()
        with etree.xmlfile(buffer, encoding="UTF-8") as xf:
            xf.write_declaration()
            with _Envelope(xf, self.hub, self.source_id, self.prefix):
                for batch in _batches(self.hub, self.source_id, self.prefix):
                    for row in batch:
                        _write_record(xf, self.hub, row)
                        self.count += 1
                    xf.flush()
                    yield buffer.take()
        yield buffer.take()


class _Chunks:
    """A write-only file collecting bytes until taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def _json_line(data: dict[str, object]) -> bytes:
    data.pop("header", None)
    data.pop("origin", None)
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode() + b"\n"


def _batches(hub: Hub, source_id: str, prefix: str) -> Iterator[list[ListedRecord]]:
    selection = Selection(prefix=prefix, set_spec=source_set(source_id))
    after: Cursor | None = None
    while True:
        rows = hub.store.listing.page(selection, after, BATCH, xml=True)
        if not rows:
            return
        yield rows
        after = rows[-1].cursor


class _Envelope:
    """`<OAI-PMH>` with its responseDate and request, and `<ListRecords>` open inside."""

    def __init__(self, xf: etree.xmlfile, hub: Hub, source_id: str, prefix: str) -> None:
        self.xf, self.hub, self.source_id, self.prefix = xf, hub, source_id, prefix

    def __enter__(self) -> None:
        nsmap: Any = {None: OAI_NS, "xsi": XSI_NS}
        location = {f"{{{XSI_NS}}}schemaLocation": f"{OAI_NS} {_OAI_XSD}"}
        self._root = self.xf.element(f"{{{OAI_NS}}}OAI-PMH", location, nsmap=nsmap)
        self._root.__enter__()
        self.xf.write(_leaf("responseDate", format_datestamp(utcnow())))
        args = {"verb": "ListRecords", "metadataPrefix": self.prefix}
        args["set"] = source_set(self.source_id)
        request = etree.Element(f"{{{OAI_NS}}}request", args, nsmap=_NSMAP)
        request.text = self.hub.settings.repository.base_url or "http://localhost/oai"
        self.xf.write(request)
        self._list = self.xf.element(f"{{{OAI_NS}}}ListRecords")
        self._list.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._list.__exit__(*exc)
        self._root.__exit__(*exc)


def _leaf(name: str, text: str) -> etree._Element:
    element = etree.Element(f"{{{OAI_NS}}}{name}", nsmap=_NSMAP)
    element.text = text
    return element


def _write_record(xf: etree.xmlfile, hub: Hub, row: ListedRecord) -> None:
    record = etree.Element(f"{{{OAI_NS}}}record", nsmap=_NSMAP)
    header = etree.SubElement(record, f"{{{OAI_NS}}}header")
    if row.deleted:
        header.set("status", "deleted")
    _sub(header, "identifier", hub.store.identifier_prefix + row.local_id)
    _sub(header, "datestamp", format_datestamp(row.datestamp))
    for spec in row.sets:
        _sub(header, "setSpec", spec)
    if not row.deleted and row.xml is not None:
        try:
            metadata = parse_xml(row.xml)
        except CrosswalkError as exc:  # stored by this hub: a bug, named by record
            raise ExportError(f"record {row.local_id}: stored XML unreadable: {exc}") from exc
        etree.SubElement(record, f"{{{OAI_NS}}}metadata").append(metadata)
    xf.write(record)


def _sub(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, f"{{{OAI_NS}}}{name}").text = text
