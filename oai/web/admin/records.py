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

__all__ = ["RecordView", "VersionView", "record_view"]


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
    return RecordView(record, identifier, formats, list(reversed(views)))
