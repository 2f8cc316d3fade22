"""What the record page and `/api/records/<id>` show: fields, provenance, versions, formats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from oai.hub import Hub
from records.diff import FieldChange, field_diff
from records.errors import RecordNotFound
from records.model import Record, format_datestamp
from records.store import Version

__all__ = [
    "Link",
    "RecordView",
    "VersionView",
    "finding_aid_links",
    "landing_page",
    "record_view",
]

MAX_COMPONENTS = 200


@dataclass(frozen=True, slots=True)
class Link:
    """Another record of the hub this one is tied to (a finding aid and its parts)."""

    local_id: str
    label: str


@dataclass(frozen=True, slots=True)
class VersionView:
    version: Version
    changes: list[FieldChange]

    def to_dict(self) -> dict[str, Any]:
        v = self.version
        return {
            "version": v.version,
            "created_at": format_datestamp(v.created_at),
            "reason": v.reason,
            "actor": v.actor,
            "run_id": v.run_id,
            "deleted": v.deleted,
            "changes": [
                {"field": c.field, "change": c.kind, "old": c.old, "new": c.new}
                for c in self.changes
            ],
        }


@dataclass(frozen=True, slots=True)
class RecordView:
    record: Record
    identifier: str
    formats: dict[str, str]  # prefix -> GetRecord URL
    versions: list[VersionView]  # newest first
    parent: Link | None = None  # the finding aid or component this one is part of
    components: tuple[Link, ...] = ()  # the parts of a finding aid
    landing: str | None = None  # the partner's own page of the document
    ancestors: tuple[Link, ...] = ()  # the units above it, the top first (breadcrumbs)

    @property
    def harvested(self) -> bool:
        return self.record.origin.kind == "harvested" and bool(self.record.origin.source_id)

    @property
    def fields(self) -> dict[str, Any]:
        return self.record.content()

    def to_dict(self) -> dict[str, Any]:
        header = self.record.header
        return {
            "id": self.record.id,
            "identifier": self.identifier,
            "datestamp": format_datestamp(header.datestamp) if header else None,
            "deleted": bool(header and header.deleted),
            "sets": list(header.sets) if header else [],
            "origin": self.record.origin.to_dict(),
            "fields": self.fields,
            "formats": self.formats,
            "landing_page": self.landing,
            "part_of": self.parent.local_id if self.parent else None,
            "components": [c.local_id for c in self.components],
            "versions": [v.to_dict() for v in self.versions],
        }


def record_view(hub: Hub, record_id: str, oai_base: str = "/oai") -> RecordView | None:
    """Everything about one record, or None when there is no such record."""
    try:
        record = hub.store.get(record_id)
        versions = hub.store.versions(record_id)
    except RecordNotFound:
        return None
    identifier = hub.store.identifier_prefix + record.id
    deleted = bool(record.header and record.header.deleted)
    prefixes = [] if deleted else sorted(hub.store.prefixes_of(record.id))
    formats = {
        p: f"{oai_base}?"
        + urlencode({"verb": "GetRecord", "identifier": identifier, "metadataPrefix": p})
        for p in prefixes
    }
    views, previous = [], None
    for version in versions:
        # the first version has nothing to differ from: its fields are the record's
        changes: list[FieldChange] = (
            [] if previous is None else field_diff(previous, version.content)
        )
        views.append(VersionView(version, changes))
        previous = version.content
    parent, components = finding_aid_links(hub, record)
    return RecordView(
        record,
        identifier,
        formats,
        list(reversed(views)),
        parent,
        components,
        landing_page(record),
        ancestors_of(hub, parent),
    )


MAX_DEPTH = 20  # levels of a hierarchy walked up for the breadcrumbs


def ancestors_of(hub: Hub, parent: Link | None) -> tuple[Link, ...]:
    """The units above a record, the top first, by each one's own parent link."""
    chain: list[Link] = []
    seen: set[str] = set()
    while parent is not None and parent.local_id not in seen and len(chain) < MAX_DEPTH:
        chain.append(parent)
        seen.add(parent.local_id)
        try:
            above = hub.store.get(parent.local_id)
        except RecordNotFound:
            break
        parent = finding_aid_links(hub, above)[0]
    return tuple(reversed(chain))


def landing_page(record: Record) -> str | None:
    """The document's own web page at the partner (http or https only), if it gave one."""
    candidates = [record.url] + [i.value for i in record.identifiers if i.type == "url"]
    for url in candidates:
        if url and url.startswith(("https://", "http://")):
            return url
    return None


def finding_aid_links(hub: Hub, record: Record) -> tuple[Link | None, tuple[Link, ...]]:
    """A component's parent and a finding aid's (or component's) parts, by the partner
    identifiers a finding aid's records get: `<its id>#<component id>`."""
    origin = record.origin
    if origin.kind != "harvested" or not origin.source_id or not origin.remote_identifier:
        return None, ()
    source, remote = origin.source_id, origin.remote_identifier
    root = remote.split("#", 1)[0]
    parent = None
    if "#" in remote:
        above = [r.id for r in record.related if r.relation == "isPartOf" and r.id]
        for candidate in [f"{root}#{i}" for i in above] + [root]:
            found = hub.store.find_by_origin(source, candidate)
            if found is not None and candidate != remote:
                parent = Link(found.id, found.title)
                break
    if "#" in remote:  # a component: its parent above (the finding aid lists the parts)
        return parent, ()
    with hub.engine.connect() as conn:
        below = hub.store.live_ids_by_remote_prefix(conn, source, remote + "#")
    children = [below[k] for k in sorted(below)][:MAX_COMPONENTS]
    return parent, tuple(
        Link(c, k.split("#", 1)[1]) for k, c in zip(sorted(below), children, strict=False)
    )
