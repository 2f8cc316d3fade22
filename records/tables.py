"""The record store's tables, as SQLAlchemy Core (the migrations in `oai/migrations` make them).

Only `records` reads and writes them: callers use the store's methods and the listing.
Times are `UTCSeconds` (see `records.sqltypes`).
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
    UniqueConstraint,
)

from records.sqltypes import NAMING, UTCSeconds

__all__ = [
    "NAMING",
    "UTCSeconds",
    "admin_sets",
    "list_counts",
    "metadata",
    "record_parents",
    "record_sets",
    "record_versions",
    "records",
    "rendered_metadata",
    "sets",
    "withdrawal_log",
    "withdrawals",
]


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
    # what the partner last sent, stably (a hash; migration 0012): a record sent again
    # with the same fingerprint is not read or rendered again
    Column("remote_fingerprint", String(64), nullable=True),
    # the words the record is found by (records.search_text.index_text; migration 0014):
    # full-text indexed by the database (FTS5 on SQLite, a tsvector GIN on PostgreSQL)
    Column("search_text", Text, nullable=True),
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

# The unit each record is part of (records.hierarchy), by the parent's local id, which
# may name a record not stored yet; and the record's level, to find finding aids' heads.
record_parents = Table(
    "record_parents",
    metadata,
    Column("record_pk", Integer, ForeignKey("records.pk"), primary_key=True),
    Column("parent_id", String(200), nullable=True),
    Column("level", String(100), nullable=True),
)
Index("ix_record_parents_parent", record_parents.c.parent_id)

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

# The size of every list, kept by triggers (see records.counts): a count is the SUM of
# `n` over the rows of one (set_spec, prefix); "" is every record, "#all" and "#deleted"
# count records and tombstones. SQLite keeps one row per key (slot 0), PostgreSQL
# appends a row per writing statement and folds them now and then.
list_counts = Table(
    "list_counts",
    metadata,
    Column("set_spec", String(200), nullable=False),
    Column("prefix", String(50), nullable=False),
    Column("slot", BigInteger, nullable=False),
    Column("n", BigInteger, nullable=False),
    UniqueConstraint("set_spec", "prefix", "slot"),
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
    # the harvest run that wrote this version, if one did (the harvester's run log)
    Column("run_id", Integer, nullable=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("record_pk", "version"),
)

# Records withdrawn from publication (a takedown; migration 0017): served as deleted,
# kept out of every write but a reinstatement until the row is removed.
withdrawals = Table(
    "withdrawals",
    metadata,
    Column("record_pk", Integer, ForeignKey("records.pk"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=True),
    Column("withdrawn_at", UTCSeconds, nullable=False),
    # the partner deleted the record while it was withdrawn: reinstating it then leaves
    # it deleted (a later version from the partner clears this)
    Column("deleted_meanwhile", Boolean, nullable=False, default=False),
)

# Every withdrawal and reinstatement: who, when, why (the audit trail; never pruned).
withdrawal_log = Table(
    "withdrawal_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_pk", Integer, ForeignKey("records.pk"), nullable=False),
    # withdraw, reinstate
    Column("action", String(20), nullable=False),
    Column("reason", Text, nullable=True),
    Column("actor", String(200), nullable=True),
    Column("at", UTCSeconds, nullable=False),
)
Index("ix_withdrawal_log_record", withdrawal_log.c.record_pk, withdrawal_log.c.id)

# Sets defined by the admin (migration 0017): the records of one source, or those a
# search query finds; their members are rows of `record_sets` kept as records are written.
admin_sets = Table(
    "admin_sets",
    metadata,
    Column("spec", String(200), ForeignKey("sets.spec"), primary_key=True),
    Column("source_id", String(100), nullable=True),
    Column("query", Text, nullable=True),
    Column("created_at", UTCSeconds, nullable=False),
)
