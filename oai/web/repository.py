"""`StoreRepository`: the provider's `Repository` protocol over `records.store.Store`."""

from __future__ import annotations

import re
from datetime import datetime

from oai.protocol.datestamps import format_datestamp
from oai.protocol.model import Item, ListSpec, Provenance, SetEntry
from records.model import Origin
from records.store import Cursor, ListedRecord, ListQuery, Store

__all__ = ["StoreRepository", "provenance_of"]

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


def _strip_declaration(xml: bytes | None) -> bytes | None:
    """Stored XML is a bare element; drop an XML declaration should a writer add one."""
    if xml is not None and xml.startswith(b"<?xml"):
        return xml[xml.index(b"?>") + 2 :].lstrip()
    return xml


def _item(row: ListedRecord) -> Item:
    return Item(
        pk=row.pk,
        local_id=row.local_id,
        datestamp=row.datestamp,
        deleted=row.deleted,
        sets=row.sets,
        metadata=_strip_declaration(row.xml),
        provenance=provenance_of(row.origin),
    )


class StoreRepository:
    """Reads pages, records, formats and sets from the store for the provider."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _query(
        self, spec: ListSpec, after: tuple[datetime, int] | None = None, limit: int = 100
    ) -> ListQuery:
        return ListQuery(
            from_=spec.from_,
            until=spec.until,
            set_spec=spec.set_spec,
            prefix=spec.prefix,
            after=Cursor(*after) if after else None,
            limit=limit,
        )

    def page(
        self, spec: ListSpec, after: tuple[datetime, int] | None, limit: int, *, metadata: bool
    ) -> list[Item]:
        rows = self.store.list_records(self._query(spec, after, limit))
        items = [_item(row) for row in rows]
        if not metadata:
            return [_without_metadata(item) for item in items]
        return items

    def count(self, spec: ListSpec) -> int:
        return self.store.count(self._query(spec))

    def item(self, local_id: str, prefix: str | None) -> Item | None:
        row = self.store.get_listed(local_id, prefix)
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


def _without_metadata(item: Item) -> Item:
    return Item(item.pk, item.local_id, item.datestamp, item.deleted, item.sets)
