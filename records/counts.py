"""List sizes kept by the database itself: the provider's completeListSize in O(1).

A list of the provider holds, for one set (or every record) and one format, every
tombstone and every live record with metadata in that format. Counting it on each first
request is a scan of the whole list: 300 ms at 100,000 records on PostgreSQL, seconds at
ten million. Instead the database keeps `list_counts`, one running count per key:

    (set_spec, "#all")      records in the set ("" for every record)
    (set_spec, "#deleted")  tombstones in the set
    (set_spec, prefix)      (record, format) pairs with stored metadata in the set
    ("", "#versions")       record versions kept (the dashboard's total)

so that a list of format `p` holds `#deleted + p` items, and a list of no format `#all`.
(`#` cannot begin a metadataPrefix, whose characters are URI-unreserved.)

Triggers on `records`, `record_sets` and `rendered_metadata` keep the counts: each count
is the size of a join (sets x metadata, sets x tombstones), and a change of one table
changes it by the size of the change joined with the other table as it stands. So the
counts are exact after any sequence of writes, by any code, in any order.

The two databases keep them differently. SQLite has one writer at a time: row triggers
add into one row per key (slot 0). PostgreSQL has many: a statement-level trigger
appends its statement's change as a new row with a fresh `slot` (no row is updated, so
concurrent writers never wait on or deadlock over a count), and `compact` folds a key's
rows into one now and then. A count is always the SUM over a key's rows.

On SQLite a row trigger costs two or three upserts for every row written, and even one
whose WHEN clause is false costs more than the row itself: most of the database time
of an import. A batch writer therefore writes a large batch as one change
(`CountedFor`, used by `records.bulk`): it drops the triggers, writes the batch's
records, creates the triggers again and adds the change of every count in one
statement: what the batch's records count for after the batch minus what they counted
for before it (a record counts for its own rows only, so this is exact). SQLite's DDL
is transactional and all of it is in the writer's transaction: no other connection
ever sees the database without its triggers, and a batch rolled back takes its counts
(and the dropped triggers) back with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, func, select

from records import tables as t

__all__ = [
    "ALL",
    "DELETED",
    "VERSIONS",
    "CountedFor",
    "ListCounts",
    "compact",
    "compact_all",
    "install",
    "recount",
    "uninstall",
]

ALL = "#all"
DELETED = "#deleted"
VERSIONS = "#versions"  # every version of every record (no set)
COMPACT_AFTER = 64  # rows of one key before a read folds them into one
_CHUNK = 500  # record keys bound in one statement

# The change of each count caused by a set of changed rows (`{rows}`), as
# (set_spec, prefix, n) rows; `{rows}` is a transition table or one row, `{sign}` 1 or -1.
_RECORD_ROWS = """
    SELECT '' AS set_spec, '#all' AS prefix, {sign} * count(*) AS n FROM {rows} c
    UNION ALL
    SELECT '', '#deleted', {sign} * count(*) FROM {rows} c WHERE c.deleted
    UNION ALL
    SELECT s.set_spec, '#deleted', {sign} * count(*)
      FROM {rows} c JOIN record_sets s ON s.record_pk = c.pk
     WHERE c.deleted GROUP BY s.set_spec
"""
_SET_ROWS = """
    SELECT c.set_spec, '#all' AS prefix, {sign} * count(*) AS n FROM {rows} c GROUP BY c.set_spec
    UNION ALL
    SELECT c.set_spec, '#deleted', {sign} * count(*)
      FROM {rows} c JOIN records r ON r.pk = c.record_pk WHERE r.deleted GROUP BY c.set_spec
    UNION ALL
    SELECT c.set_spec, m.prefix, {sign} * count(*)
      FROM {rows} c JOIN rendered_metadata m ON m.record_pk = c.record_pk
     GROUP BY c.set_spec, m.prefix
"""
_METADATA_ROWS = """
    SELECT '' AS set_spec, c.prefix, {sign} * count(*) AS n FROM {rows} c GROUP BY c.prefix
    UNION ALL
    SELECT s.set_spec, c.prefix, {sign} * count(*)
      FROM {rows} c JOIN record_sets s ON s.record_pk = c.record_pk
     GROUP BY s.set_spec, c.prefix
"""
_VERSION_ROWS = """
    SELECT '' AS set_spec, '#versions' AS prefix, {sign} * count(*) AS n FROM {rows} c
"""
_CHANGES = {
    "records": _RECORD_ROWS,
    "record_sets": _SET_ROWS,
    "rendered_metadata": _METADATA_ROWS,
    "record_versions": _VERSION_ROWS,
}
# SQLite: only these columns change a count (an update of others fires nothing)
_COUNTED = {
    "record_versions": "id",  # never updated; the trigger is there for symmetry
    "records": "deleted",
    "record_sets": "set_spec, record_pk",
    "rendered_metadata": "record_pk, prefix",
}


def install(conn: Connection) -> None:
    """Create the triggers that keep `list_counts` (the table must exist)."""
    if conn.dialect.name == "postgresql":
        _install_postgresql(conn)
    else:
        _install_sqlite(conn)


def uninstall(conn: Connection) -> None:
    """Drop the triggers (and on PostgreSQL their functions and sequence)."""
    for table in _CHANGES:
        for event in ("insert", "update", "delete"):
            name = f"list_counts_{table}_{event}"
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS list_counts_{table}_changed()")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP SEQUENCE IF EXISTS list_counts_slot")


def recount(conn: Connection) -> None:
    """Rebuild every count from the tables (an upgrade, or a repair)."""
    conn.execute(t.list_counts.delete())
    every = """
        SELECT '' AS set_spec, '#all' AS prefix, count(*) AS n FROM records
        UNION ALL
        SELECT '', '#deleted', count(*) FROM records WHERE deleted
        UNION ALL
        SELECT '', prefix, count(*) FROM rendered_metadata GROUP BY prefix
        UNION ALL
        SELECT '', '#versions', count(*) FROM record_versions
    """
    in_sets = _SET_ROWS.format(rows="record_sets", sign=1)
    # only this module's own SQL text goes into the statements below: no values
    conn.exec_driver_sql(
        "INSERT INTO list_counts (set_spec, prefix, slot, n)"  # noqa: S608
        f" SELECT set_spec, prefix, 0, sum(n) FROM ({every} UNION ALL {in_sets}) AS counts"
        " GROUP BY set_spec, prefix HAVING sum(n) <> 0"
    )


class ListCounts:
    """Reads the kept counts."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.crowded: list[tuple[str, str]] = []  # keys due for `compact`

    def get(self, set_spec: str | None, prefix: str) -> int:
        """One count: `prefix` is a metadataPrefix, ALL or DELETED; no set: every record."""
        c = t.list_counts.c
        key = (c.set_spec == (set_spec or ""), c.prefix == prefix)
        total, rows = self.conn.execute(select(func.sum(c.n), func.count()).where(*key)).one()
        if rows > COMPACT_AFTER:
            self.crowded.append((set_spec or "", prefix))
        return int(total or 0)

    def list_size(self, set_spec: str | None, prefix: str | None) -> int:
        """The size of a whole list: every tombstone and every record with metadata."""
        if prefix is None:
            return self.get(set_spec, ALL)
        return self.get(set_spec, DELETED) + self.get(set_spec, prefix)


def compact(conn: Connection, set_spec: str, prefix: str) -> None:
    """Fold one key's rows into one (PostgreSQL; SQLite keeps one row per key anyway).

    One statement deletes the rows it sees and inserts their sum under a fresh slot: a
    concurrent writer's new row is not seen and stays; two compactions at once each
    fold only the rows they deleted. Runs in the caller's transaction."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        "WITH gone AS (DELETE FROM list_counts WHERE set_spec = %(s)s AND prefix = %(p)s"
        " RETURNING n)"
        " INSERT INTO list_counts (set_spec, prefix, slot, n)"
        " SELECT %(s)s, %(p)s, nextval('list_counts_slot'), sum(n) FROM gone"
        " HAVING count(*) > 0",
        {"s": set_spec, "p": prefix},
    )


def compact_all(conn: Connection) -> None:
    """Fold every key with more than one row (after a bulk import or a harvest run)."""
    if conn.dialect.name != "postgresql":
        return
    c = t.list_counts.c
    keys = conn.execute(
        select(c.set_spec, c.prefix).group_by(c.set_spec, c.prefix).having(func.count() > 1)
    ).all()
    for set_spec, prefix in keys:
        compact(conn, set_spec, prefix)


# -- PostgreSQL: statement triggers over transition tables ------------------------------


def _install_postgresql(conn: Connection) -> None:
    conn.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS list_counts_slot")
    for table, changes in _CHANGES.items():
        function = f"list_counts_{table}_changed"
        added = changes.format(rows="new_rows", sign=1)
        removed = changes.format(rows="old_rows", sign=-1)
        conn.exec_driver_sql(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' THEN
                INSERT INTO list_counts (set_spec, prefix, slot, n)
                SELECT set_spec, prefix, nextval('list_counts_slot'), n
                  FROM ({added}) AS changes WHERE n <> 0;
              ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO list_counts (set_spec, prefix, slot, n)
                SELECT set_spec, prefix, nextval('list_counts_slot'), n
                  FROM ({removed}) AS changes WHERE n <> 0;
              ELSE
                INSERT INTO list_counts (set_spec, prefix, slot, n)
                SELECT set_spec, prefix, nextval('list_counts_slot'), sum(n)
                  FROM ({removed} UNION ALL {added}) AS changes
                 GROUP BY set_spec, prefix HAVING sum(n) <> 0;
              END IF;
              RETURN NULL;
            END $$
            """  # noqa: S608 (the module's own SQL text, no values)
        )
        transitions = {
            "insert": "NEW TABLE AS new_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
        }
        for event, referencing in transitions.items():
            name = f"list_counts_{table}_{event}"
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table}"
                f" REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


# -- SQLite: row triggers adding into slot 0 ---------------------------------------------

_ADD = " ON CONFLICT (set_spec, prefix, slot) DO UPDATE SET n = n + excluded.n;"
# What one row of each table adds to the counts ({r} is NEW or OLD, {n} 1 or -1): the
# same joins as the PostgreSQL statements, written per row so each is one index seek.
_SQLITE_ROW = {
    "records": (
        "INSERT INTO list_counts VALUES ('', '#all', 0, {n})",
        "INSERT INTO list_counts SELECT '', '#deleted', 0, {n} WHERE {r}.deleted",
        "INSERT INTO list_counts SELECT set_spec, '#deleted', 0, {n} FROM record_sets"
        " WHERE record_pk = {r}.pk AND {r}.deleted",
    ),
    "record_sets": (
        "INSERT INTO list_counts VALUES ({r}.set_spec, '#all', 0, {n})",
        "INSERT INTO list_counts SELECT {r}.set_spec, '#deleted', 0, {n} FROM records"
        " WHERE pk = {r}.record_pk AND deleted",
        "INSERT INTO list_counts SELECT {r}.set_spec, prefix, 0, {n} FROM rendered_metadata"
        " WHERE record_pk = {r}.record_pk",
    ),
    "record_versions": ("INSERT INTO list_counts VALUES ('', '#versions', 0, {n})",),
    "rendered_metadata": (
        "INSERT INTO list_counts VALUES ('', {r}.prefix, 0, {n})",
        "INSERT INTO list_counts SELECT set_spec, {r}.prefix, 0, {n} FROM record_sets"
        " WHERE record_pk = {r}.record_pk",
    ),
}


_EVENTS = ("insert", "update", "delete")


def _install_sqlite(conn: Connection, events: Sequence[str] = _EVENTS) -> None:
    for table, statements in _SQLITE_ROW.items():
        for event, parts in (
            ("insert", (("NEW", 1),)),
            ("update", (("OLD", -1), ("NEW", 1))),
            ("delete", (("OLD", -1),)),
        ):
            if event not in events:
                continue
            name = f"list_counts_{table}_{event}"
            when = event.upper()
            if event == "update":
                columns = _COUNTED[table].split(", ")
                changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
                when = f"UPDATE OF {_COUNTED[table]} ON {table} FOR EACH ROW WHEN {changed}"
            else:
                when = f"{when} ON {table} FOR EACH ROW"
            body = " ".join(
                statement.format(r=row, n=sign) + _ADD
                for row, sign in parts
                for statement in statements
            )
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {when} BEGIN {body} END")


# -- SQLite: a batch's change of the counts in one statement ------------------------------

# What the records `{pks}` count for, as (set_spec, prefix, n): the same keys as the
# triggers keep, for these records' own rows only.
_COUNTED_FOR = """
    SELECT '', '#all', count(*) FROM records WHERE pk IN ({pks})
    UNION ALL
    SELECT '', '#deleted', count(*) FROM records WHERE pk IN ({pks}) AND deleted
    UNION ALL
    SELECT set_spec, '#all', count(*) FROM record_sets WHERE record_pk IN ({pks})
     GROUP BY set_spec
    UNION ALL
    SELECT s.set_spec, '#deleted', count(*)
      FROM record_sets s JOIN records r ON r.pk = s.record_pk
     WHERE s.record_pk IN ({pks}) AND r.deleted GROUP BY s.set_spec
    UNION ALL
    SELECT '', prefix, count(*) FROM rendered_metadata WHERE record_pk IN ({pks})
     GROUP BY prefix
    UNION ALL
    SELECT s.set_spec, m.prefix, count(*)
      FROM record_sets s JOIN rendered_metadata m ON m.record_pk = s.record_pk
     WHERE s.record_pk IN ({pks}) GROUP BY s.set_spec, m.prefix
    UNION ALL
    SELECT '', '#versions', count(*) FROM record_versions WHERE record_pk IN ({pks})
"""


def _counted_for(conn: Connection, pks: Iterable[int]) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    keys = sorted(set(pks))
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        # only this module's SQL text and "?" marks go into the statement: no values
        sql = _COUNTED_FOR.format(pks=", ".join("?" * len(chunk)))
        for set_spec, prefix, n in conn.exec_driver_sql(sql, tuple(chunk * 7)):
            if n:
                found[(set_spec, prefix)] += int(n)
    return found


class CountedFor:
    """SQLite: a batch's change of every count, added in one statement.

    Made before the batch is written (`pks`: the stored records it will change), it
    drops the row triggers; `done` (after: every record the batch wrote) creates them
    again and adds what those records count for now minus what they counted for
    before. In the writer's transaction: see `records.bulk`. A batch of new records
    only inserts: then only the insert triggers are dropped (DDL costs)."""

    def __init__(self, conn: Connection, pks: Sequence[int]) -> None:
        self.conn = conn
        self.before = _counted_for(conn, pks) if pks else Counter()
        self.events = _EVENTS if pks else ("insert",)
        for table in _SQLITE_ROW:
            for event in self.events:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS list_counts_{table}_{event}")

    def done(self, pks: Sequence[int]) -> None:
        """Create the triggers again and add the change the batch's records made."""
        conn = self.conn
        _install_sqlite(conn, self.events)
        after = _counted_for(conn, pks)
        change = [
            (set_spec, prefix, n)
            for (set_spec, prefix) in after.keys() | self.before.keys()
            if (n := after[(set_spec, prefix)] - self.before[(set_spec, prefix)])
        ]
        if change:
            add = "INSERT INTO list_counts (set_spec, prefix, slot, n) VALUES (?, ?, 0, ?)"
            conn.exec_driver_sql(add + _ADD, sorted(change))
