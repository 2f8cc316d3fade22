"""`StoreRepository`: the provider's `Repository` protocol over `records.store.Store`.

Pages, list sizes and single records come from the store's keyset listing
(`records.listing`); this module turns its rows into the protocol's items, with the
OAI provenance of harvested records.
"""

from __future__ import annotations

import re
from datetime import datetime

from oai.protocol.datestamps import format_datestamp
from oai.protocol.repository import Item, ListSpec, Provenance, SetEntry
from records.listing import Cursor, ListedRecord, Selection
from records.model import Origin
from records.store import Store

__all__ = ["StoreRepository", "provenance_of", "strip_declaration"]

# provenance.xsd types the partner's datestamp as xs:date or xs:dateTime
_REMOTE_DATESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$"
)


def provenance_of(origin: Origin | None) -> Provenance | None:
    """The OAI provenance of a harvested record; None for a local or incomplete origin."""
    if origin is None or origin.kind != "harvested":
        return None
    if not (origin.base_url and origin.remote_identifier and origin.metadata_namespace):
        return None
    stamp = origin.remote_datestamp or ""
    if not _REMOTE_DATESTAMP.match(stamp) or origin.harvested_at is None:
        return None
    return Provenance(
        base_url=origin.base_url,
        identifier=origin.remote_identifier,
        datestamp=stamp,
        metadata_namespace=origin.metadata_namespace,
        harvest_date=format_datestamp(origin.harvested_at),
        # the record went through our crosswalks: what we serve is not the partner's XML
        altered=True,
    )


def strip_declaration(xml: bytes | None) -> bytes | None:
    """Stored XML is a bare element; drop an XML declaration should a writer add one."""
    if xml is not None and xml.startswith(b"<?xml"):
        return xml[xml.index(b"?>") + 2 :].lstrip()
    return xml


def _selection(spec: ListSpec) -> Selection:
    return Selection(spec.prefix, spec.set_spec, spec.from_, spec.until)


def _item(row: ListedRecord) -> Item:
    # made once per listed row: arguments by position (keywords cost a frozen dataclass
    # about a microsecond more), no call for the usual row without XML or origin
    pk, local_id, datestamp, deleted, sets, xml, origin, _title = row
    metadata = None if xml is None else strip_declaration(xml)
    provenance = None if origin is None else provenance_of(origin)
    return Item(pk, local_id, datestamp, deleted, sets, metadata, provenance)


class StoreRepository:
    """Reads pages, records, formats and sets from the store for the provider."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def page(
        self, spec: ListSpec, after: tuple[datetime, int] | None, limit: int, *, metadata: bool
    ) -> list[Item]:
        cursor = None if after is None else Cursor(*after)
        rows = self.store.listing.page(_selection(spec), cursor, limit, xml=metadata)
        return [_item(row) for row in rows]

    def count(self, spec: ListSpec) -> int | None:
        return self.store.listing.count(_selection(spec))

    def item(self, local_id: str, prefix: str | None) -> Item | None:
        row = self.store.listing.get(local_id, prefix)
        return None if row is None else _item(row)

    def prefixes_of(self, local_id: str) -> set[str] | None:
        if not self.store.exists(local_id):
            return None
        return self.store.prefixes_of(local_id)

    def sets(self) -> list[SetEntry]:
        return [SetEntry(s.spec, s.name, s.description) for s in self.store.sets()]

    def has_sets(self) -> bool:
        return self.store.count_sets() > 0

    def earliest_datestamp(self) -> datetime | None:
        return self.store.earliest_datestamp()
