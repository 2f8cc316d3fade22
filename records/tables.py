"""The database schema, as SQLAlchemy Core tables (Alembic migrations create them).

Times are stored as integer seconds since the epoch (UTC) through `UTCSeconds`: the
OAI datestamp granularity is one second, integers compare and index the same way on
SQLite and PostgreSQL, and there is no time-zone conversion for a driver to get wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

__all__ = [
    "UTCSeconds",
    "harvest_events",
    "harvest_requests",
    "harvest_runs",
    "harvest_seen",
    "harvest_sources",
    "metadata",
    "record_sets",
    "record_versions",
    "records",
    "rendered_metadata",
    "sets",
]


class UTCSeconds(TypeDecorator[datetime]):
    """An aware UTC `datetime` stored as whole seconds since the epoch."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return int(value.timestamp())

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(int(value), UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

records = Table(
    "records",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("local_id", String(200), nullable=False, unique=True),
    Column("datestamp", UTCSeconds, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("title", Text, nullable=False),
    # JSON form of the content (record.content()), canonical text
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UTCSeconds, nullable=False),
    # origin: local records leave these empty
    Column("source_id", String(100), nullable=True),
    Column("remote_identifier", Text, nullable=True),
    Column("remote_datestamp", String(40), nullable=True),
    Column("origin", Text, nullable=True),
    # the partner's last content as crosswalked: the base of field-level merges
    Column("remote_content", Text, nullable=True),
    UniqueConstraint("source_id", "remote_identifier"),
)
# The keyset index: every list page is a range scan from (datestamp, pk).
Index("ix_records_keyset", records.c.datestamp, records.c.pk)
# Tombstones counted from an index (the provider's completeListSize of a full harvest).
Index("ix_records_deleted", records.c.deleted)

sets = Table(
    "sets",
    metadata,
    Column("spec", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
)

# One row per (set, record), ancestors of hierarchical specs included, with the
# record's datestamp copied in so that a set-restricted page is also one index range.
record_sets = Table(
    "record_sets",
    metadata,
    Column("set_spec", String(200), ForeignKey("sets.spec"), primary_key=True),
    Column("record_pk", Integer, ForeignKey("records.pk"), primary_key=True),
    Column("datestamp", UTCSeconds, nullable=False),
    Column("direct", Boolean, nullable=False, default=True),
)
Index(
    "ix_record_sets_keyset",
    record_sets.c.set_spec,
    record_sets.c.datestamp,
    record_sets.c.record_pk,
)
Index("ix_record_sets_record", record_sets.c.record_pk)

# Metadata rendered once per (record, format) when the record is written.
rendered_metadata = Table(
    "rendered_metadata",
    metadata,
    Column("record_pk", Integer, ForeignKey("records.pk"), primary_key=True),
    Column("prefix", String(50), primary_key=True),
    Column("xml", LargeBinary, nullable=False),
    # identifies the crosswalk that produced it; a changed crosswalk re-renders
    Column("crosswalk_version", String(64), nullable=False),
)
Index(
    "ix_rendered_metadata_prefix_version",
    rendered_metadata.c.prefix,
    rendered_metadata.c.crosswalk_version,
)

record_versions = Table(
    "record_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_pk", Integer, ForeignKey("records.pk"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCSeconds, nullable=False),
    # import, harvest, edit, delete, undelete
    Column("reason", String(20), nullable=False),
    Column("actor", String(200), nullable=True),
    Column("run_id", Integer, ForeignKey("harvest_runs.id"), nullable=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("record_pk", "version"),
)

harvest_sources = Table(
    "harvest_sources",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=True),
    Column("base_url", Text, nullable=False),
    Column("metadata_prefix", String(50), nullable=False),
    # the source's settings from the config, as JSON, for display and change detection
    Column("settings", Text, nullable=False, default="{}"),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("failing", Boolean, nullable=False, default=False),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    # the `until` of the last complete run, from the partner's own responseDate
    Column("high_water", String(40), nullable=True),
    Column("granularity", String(40), nullable=True),
    Column("updated_at", UTCSeconds, nullable=True),
)

harvest_runs = Table(
    "harvest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), ForeignKey("harvest_sources.id"), nullable=False),
    Column("trigger", String(20), nullable=False),  # schedule, manual, cli
    Column("full", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False),  # running, ok, partial, failed
    Column("started_at", UTCSeconds, nullable=False),
    Column("finished_at", UTCSeconds, nullable=True),
    Column("heartbeat_at", UTCSeconds, nullable=True),
    Column("pid", Integer, nullable=True),
    Column("window_from", String(40), nullable=True),
    Column("window_until", String(40), nullable=True),
    Column("pages", Integer, nullable=False, default=0),
    Column("bytes", BigInteger, nullable=False, default=0),
    Column("requests", Integer, nullable=False, default=0),
    Column("retries", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    # resumable state: per set stream, the token to continue from
    Column("checkpoint", Text, nullable=True),
    Column("message", Text, nullable=True),
)
Index("ix_harvest_runs_source_started", harvest_runs.c.source_id, harvest_runs.c.started_at)
Index("ix_harvest_runs_status", harvest_runs.c.status)
# One harvest per source at a time, enforced by the database (migration 0002).
Index(
    "uq_harvest_runs_one_running",
    harvest_runs.c.source_id,
    unique=True,
    sqlite_where=harvest_runs.c.status == "running",
    postgresql_where=harvest_runs.c.status == "running",
)

harvest_events = Table(
    "harvest_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("harvest_runs.id"), nullable=False),
    Column("at", UTCSeconds, nullable=False),
    Column("level", String(10), nullable=False),  # info, warning, error
    Column("kind", String(40), nullable=False),  # page, record, retry, conflict, ...
    Column("message", Text, nullable=False),
    Column("page", Integer, nullable=True),
    Column("identifier", Text, nullable=True),
    Column("raw", LargeBinary, nullable=True),  # rejected page or record, for download
    Column("detail", Text, nullable=True),  # JSON
)
Index("ix_harvest_events_run", harvest_events.c.run_id, harvest_events.c.id)

# "Harvest now" from the admin pages: a queue the scheduler process drains.
harvest_requests = Table(
    "harvest_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), ForeignKey("harvest_sources.id"), nullable=False),
    Column("full", Boolean, nullable=False, default=False),
    Column("requested_at", UTCSeconds, nullable=False),
    Column("requested_by", String(200), nullable=True),
    Column("taken_at", UTCSeconds, nullable=True),
    Column("run_id", Integer, ForeignKey("harvest_runs.id"), nullable=True),
)

# What each run of a full harvest saw (migration 0004): the sweep of a full harvest that
# was interrupted and resumed spans several runs.
harvest_seen = Table(
    "harvest_seen",
    metadata,
    Column("run_id", Integer, ForeignKey("harvest_runs.id"), primary_key=True),
    Column("local_id", String(200), primary_key=True),
)
