"""An in-memory `Repository` for the protocol tests: plain lists, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from lxml import etree

from oai.protocol.repository import FormatInfo, Identity, Item, ListSpec, Provenance, SetEntry

OAI_DC = FormatInfo(
    "oai_dc",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/",
)
MODS = FormatInfo(
    "mods", "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd", "http://www.loc.gov/mods/v3"
)
IDENTITY = Identity(
    name="Test archive",
    repository_identifier="test.example.org",
    admin_emails=("a@example.org", "b@example.org"),
    friends=("http://friend.example.org/oai",),
)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def oai_dc(title: str) -> bytes:
    """A small valid oai_dc record, built with lxml."""
    ns = "http://www.openarchives.org/OAI/2.0/oai_dc/"
    dc = "http://purl.org/dc/elements/1.1/"
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    root = etree.Element(f"{{{ns}}}dc", nsmap={"oai_dc": ns, "dc": dc, "xsi": xsi})
    root.set(f"{{{xsi}}}schemaLocation", f"{ns} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    etree.SubElement(root, f"{{{dc}}}title").text = title
    return etree.tostring(root, encoding="UTF-8")


@dataclass
class MemoryRepository:
    items: list[Item] = field(default_factory=list)
    metadata: dict[tuple[str, str], bytes] = field(default_factory=dict)
    set_entries: list[SetEntry] = field(default_factory=list)

    def add(
        self,
        local_id: str,
        at: datetime,
        *,
        sets: tuple[str, ...] = (),
        deleted: bool = False,
        prefixes: tuple[str, ...] = ("oai_dc",),
        provenance: Provenance | None = None,
    ) -> Item:
        item = Item(len(self.items) + 1, local_id, at, deleted, sets, None, provenance)
        self.items.append(item)
        if not deleted:
            for prefix in prefixes:
                self.metadata[(local_id, prefix)] = oai_dc(f"{local_id} as {prefix}")
        return item

    def _matches(self, item: Item, spec: ListSpec) -> bool:
        return (
            (spec.set_spec is None or spec.set_spec in item.sets)
            and (spec.from_ is None or item.datestamp >= spec.from_)
            and (spec.until is None or item.datestamp <= spec.until)
            and (item.deleted or (item.local_id, spec.prefix) in self.metadata)
        )

    def page(
        self, spec: ListSpec, after: tuple[datetime, int] | None, limit: int, *, metadata: bool
    ) -> list[Item]:
        rows = sorted(
            (i for i in self.items if self._matches(i, spec)), key=lambda i: (i.datestamp, i.pk)
        )
        if after is not None:
            rows = [i for i in rows if (i.datestamp, i.pk) > after]
        return [self._with(i, spec.prefix if metadata else None) for i in rows[:limit]]

    def _with(self, item: Item, prefix: str | None) -> Item:
        xml = self.metadata.get((item.local_id, prefix)) if prefix else None
        return replace(item, metadata=xml)

    def count(self, spec: ListSpec) -> int:
        return sum(1 for i in self.items if self._matches(i, spec))

    def item(self, local_id: str, prefix: str | None) -> Item | None:
        for item in self.items:
            if item.local_id == local_id:
                return self._with(item, prefix)
        return None

    def prefixes_of(self, local_id: str) -> set[str] | None:
        if self.item(local_id, None) is None:
            return None
        return {p for (i, p) in self.metadata if i == local_id}

    def sets(self) -> list[SetEntry]:
        return list(self.set_entries)

    def has_sets(self) -> bool:
        return bool(self.set_entries)

    def earliest_datestamp(self) -> datetime | None:
        return min((i.datestamp for i in self.items), default=None)


def populated(n: int = 25) -> MemoryRepository:
    repo = MemoryRepository()
    repo.set_entries = [
        SetEntry("coll", "Collection"),
        SetEntry("coll:a", "Sub A", "The first sub-collection"),
        SetEntry("partners", "Partners"),
        SetEntry("partners:p1", "Partner one"),
    ]
    for n_ in range(n):
        sets = ("coll", "coll:a") if n_ % 2 == 0 else ("coll",)
        repo.add(f"rec-{n_:03d}", T0 + timedelta(hours=n_), sets=sets)
    return repo
