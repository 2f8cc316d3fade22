"""The harvester's tables: sources, runs, their events, the seen-set and the run queue.

They live beside the record store's tables in one database and one Alembic history
(`oai/migrations`), on a `MetaData` of their own: the record store knows nothing of
harvests, and a record version names the run that wrote it by its id only.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from records.sqltypes import NAMING, UTCSeconds

__all__ = [
    "harvest_events",
    "harvest_failing",
    "harvest_managed_sources",
    "harvest_requests",
    "harvest_runs",
    "harvest_seen",
    "harvest_source_changes",
    "harvest_sources",
    "harvest_validators",
    "metadata",
]

metadata = MetaData(naming_convention=NAMING)

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
    # how the partner takes from/until when it refuses its own granularity (0011):
    # NULL as advertised, "no-until", "day"
    Column("date_args", String(20), nullable=True),
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
    # "host:pid" of the process, or the `oai worker` name (migration 0009)
    Column("worker", String(200), nullable=True),
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

# Sources added in the browser: their [[sources]] table as JSON (the configuration's
# sources are never stored here; they stay read-only in the browser).
harvest_managed_sources = Table(
    "harvest_managed_sources",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("created_at", UTCSeconds, nullable=False),
    Column("updated_at", UTCSeconds, nullable=False),
)

# Every change of a managed source: who, when, what (field -> [before, after], JSON).
harvest_source_changes = Table(
    "harvest_source_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), nullable=False),
    Column("at", UTCSeconds, nullable=False),
    Column("who", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # add, edit, enable, disable
    Column("changes", Text, nullable=False),
)
Index("ix_harvest_source_changes_source_id", harvest_source_changes.c.source_id)

# Partner records that failed (malformed, over a cap, a crosswalk error) and are not yet
# stored (migration 0012): asked for again on the next runs (GetRecord, ARON by uuid, the
# file read again) until they are stored or gone from the partner.
harvest_failing = Table(
    "harvest_failing",
    metadata,
    Column("source_id", String(100), ForeignKey("harvest_sources.id"), primary_key=True),
    # the partner identifier, or "<file>#<position>" for a record without one
    Column("identifier", String(1000), primary_key=True),
    Column("place", Text, nullable=False),  # "page 3, record 17", "a.xml, record 4"
    Column("document", Text, nullable=True),  # the file it is in (files kind)
    Column("message", Text, nullable=False),
    Column("first_failed_at", UTCSeconds, nullable=False),
    Column("last_failed_at", UTCSeconds, nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("run_id", Integer, nullable=True),  # the last run it failed in
)

# The HTTP validators of each record a partner serves conditionally (migration 0013; ARON
# 2.0's ETag/Last-Modified), with the content hash of the answer they came with and the
# record's type there: a 304 is trusted only while the stored record has that hash.
harvest_validators = Table(
    "harvest_validators",
    metadata,
    Column("source_id", String(100), ForeignKey("harvest_sources.id"), primary_key=True),
    Column("identifier", String(1000), primary_key=True),  # the partner identifier
    Column("kind", String(40), nullable=True),  # ARON's apuType
    Column("etag", String(400), nullable=True),
    Column("last_modified", String(100), nullable=True),
    Column("fingerprint", String(64), nullable=True),
    Column("parent", String(1000), nullable=True),  # the parent's identifier; "": a root
)
