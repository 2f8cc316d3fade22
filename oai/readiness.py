"""Readiness for the aggregators, per record and per source, with the common problems.

A record is ready for Europeana when the hub serves it as `edm`: the same writer, the
same settings, the same rules (`crosswalks.edm_rules`). Its report says which rules it
fails, which defaults and mappings made it ready, its tiers (`crosswalks.edm_tiers`)
and the problems that make records hard to find whatever the aggregator: a title
shared by many records of the source, a title equal to the description, a very short
title, no description. A source's report is one row a record (CSV or JSON for the
partner) and a summary.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crosswalks import parse_xml
from crosswalks.edm import assess
from crosswalks.edm_tiers import Tiers, tiers
from oai.delivery import edm_options
from oai.hub import Hub
from oai.inherit import ancestor_forms
from oai.rendering import record_json
from records.model import Record

__all__ = [
    "LOCAL",
    "MAX_REPORT_RECORDS",
    "RecordReadiness",
    "SourceReport",
    "record_readiness",
    "source_report",
]

LOCAL = "local"  # the report of the records made here, not harvested
MAX_REPORT_RECORDS = 200_000  # a report reads at most this many records of a source
SHORT_TITLE = 4  # characters: a title shorter than this says next to nothing
SAME_TITLE = 3  # records of one source sharing a title: it no longer tells them apart
_COLUMNS = ("id", "title", "edm_ready", "failed_rules", "metadata_tier", "content_tier")


@dataclass(frozen=True, slots=True)
class RecordReadiness:
    """One record: ready for Europeana or not (and why), its tiers, its problems."""

    record_id: str
    title: str
    edm_ready: bool
    failures: tuple[str, ...]
    notes: tuple[str, ...]
    tiers: Tiers
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "title": self.title,
            "edm_ready": self.edm_ready,
            "failed_rules": list(self.failures),
            "notes": list(self.notes),
            **self.tiers.to_dict(),
            "problems": list(self.problems),
        }


def _description(record: Record) -> str:
    if record.summary:
        return record.summary
    return next((n.text for n in record.notes if n.type in ("scopecontent", "abstract")), "")


def problems(record: Record, same_title: int = 0) -> list[str]:
    """The common problems of a record (`same_title`: other records sharing its title)."""
    found = []
    title, description = record.title.strip(), _description(record).strip()
    if same_title >= SAME_TITLE - 1:
        found.append(f"same title as other records of the source ({same_title} others)")
    if len(title) < SHORT_TITLE:
        found.append(f"very short title ({len(title)} characters)")
    if not description:
        found.append("no description")
    elif description.casefold() == title.casefold():
        found.append("title equal to the description")
    return found


def record_readiness(hub: Hub, record: Record, same_title: int = 0) -> RecordReadiness:
    """A record's readiness for Europeana, as the hub renders it, and its problems."""
    data = record_json(hub.render_context, record)
    with hub.engine.connect() as conn:  # what it inherits from the units above it
        ancestors = ancestor_forms(conn, record.id)
    result = assess(data, edm_options(hub.settings), ancestors)
    return RecordReadiness(
        record.id,
        record.title,
        result.ready and "edm" in hub.registry,
        tuple(str(f) for f in result.failures),
        result.notes,
        tiers(parse_xml(result.xml)),
        tuple(problems(record, same_title)),
    )


@dataclass
class SourceReport:
    """The readiness of every record of a source, and its summary."""

    source_id: str
    rows: list[RecordReadiness] = field(default_factory=list)
    truncated: bool = False

    def summary(self) -> dict[str, Any]:
        ready = sum(1 for r in self.rows if r.edm_ready)
        return {
            "source": self.source_id,
            "records": len(self.rows),
            "edm_ready": ready,
            "truncated": self.truncated,
            "failed_rules": dict(Counter(f.split(":")[0] for r in self.rows for f in r.failures)),
            "metadata_tiers": dict(Counter(r.tiers.metadata for r in self.rows)),
            "problems": dict(Counter(p.split(" (")[0] for r in self.rows for p in r.problems)),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "records": [r.to_dict() for r in self.rows]}

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*_COLUMNS, "problems"])
        for row in self.rows:
            writer.writerow(
                [
                    row.record_id,
                    row.title,
                    "yes" if row.edm_ready else "no",
                    "; ".join(row.failures),
                    row.tiers.metadata,
                    row.tiers.content,
                    "; ".join(row.problems),
                ]
            )
        return out.getvalue()


def _records(hub: Hub, source_id: str) -> Iterator[Record]:
    if source_id == LOCAL:
        found: Iterable[Record] = hub.store.iter_records(local=True)
    else:
        found = hub.store.iter_records(source_id=source_id)
    for record in found:
        if not (record.header and record.header.deleted):
            yield record


def source_report(hub: Hub, source_id: str, limit: int = MAX_REPORT_RECORDS) -> SourceReport:
    """The readiness report of a source's live records (`local`: the hub's own)."""
    records: list[Record] = []
    report = SourceReport(source_id)
    for record in _records(hub, source_id):
        if len(records) >= limit:
            report.truncated = True
            break
        records.append(record)
    titles = Counter(r.title.strip().casefold() for r in records)
    for record in records:
        same = titles[record.title.strip().casefold()] - 1
        report.rows.append(record_readiness(hub, record, same))
    return report
