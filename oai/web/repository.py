"""`StoreRepository`: the provider's `Repository` protocol over `records.store.Store`."""

from __future__ import annotations

from datetime import datetime

from oai.protocol.repository import Item, ListSpec, SetEntry
from oai.web.pages import PageReader, provenance_of, strip_declaration
from records.store import Cursor, ListedRecord, ListQuery, Store

__all__ = ["StoreRepository"]


def _item(row: ListedRecord) -> Item:
    return Item(
        pk=row.pk,
        local_id=row.local_id,
        datestamp=row.datestamp,
        deleted=row.deleted,
        sets=row.sets,
        metadata=strip_declaration(row.xml),
        provenance=provenance_of(row.origin),
    )


class StoreRepository:
    """Reads pages, records, formats and sets from the store for the provider."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pages = PageReader(store.engine)

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
        return self.pages.page(spec, after, limit, metadata=metadata)

    def count(self, spec: ListSpec) -> int:
        fast = self.pages.full_count(spec)
        return fast if fast is not None else self.store.count(self._query(spec))

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
