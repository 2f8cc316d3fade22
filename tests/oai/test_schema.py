"""Upgrading a database made by an earlier release keeps every value (oai.schema).

The database is made at revision 0004 (the head before the run log moved to the
harvester), filled with plain SQL as that release wrote it (`schema_0004`), upgraded to
head, then read back row by row and through `Store` and `RunLog`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, select

from oai.harvest.errors import RunInProgress
from oai.harvest.runlog import Counts, EventInfo, HarvestRequest, RunInfo, RunLog, SourceInfo
from oai.schema import MIGRATIONS, current_revision, upgrade
from records.db import create_store_engine
from records.errors import StoreError
from records.model import Record
from records.store import Store, Version
from tests.oai.schema_0004 import DC, REVISION, ROWS, fill

Row = Mapping[str, Any]


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(empty_database_url)
    upgrade(engine, REVISION)
    assert current_revision(engine) == REVISION
    fill(engine)
    yield engine
    engine.dispose()


def test_upgrade_keeps_every_value(engine: Engine) -> None:
    before = _snapshot(engine)
    assert {t: len(rows) for t, rows in before.items()} == {t: len(r) for t, r in ROWS.items()}
    upgrade(engine)
    assert current_revision(engine) == _head() != REVISION
    _same_values(before, _snapshot(engine))
    _check_store(Store(engine))
    _check_run_log(RunLog(engine))


def test_a_second_upgrade_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    rows, schema = _snapshot(engine), _schema(engine)
    upgrade(engine)
    assert current_revision(engine) == _head()
    assert _snapshot(engine) == rows
    assert _schema(engine) == schema


def test_upgraded_database_takes_new_writes(engine: Engine) -> None:
    upgrade(engine)
    store, log = Store(engine), RunLog(engine)
    run_id = log.runs.start("partner", trigger="schedule")
    assert run_id == 4
    with pytest.raises(RunInProgress):
        log.runs.start("retired")  # migration 0002's one-running-run index is kept
    changed = Record.from_dict({"id": "fonds-2", "title": "Fonds Příbram, revised"})
    assert store.put(changed, reason="edit", run_id=run_id).version == 2
    # a record version names its run by id only (0005): even one the run log never had
    store.put(Record.from_dict({"id": "new-1", "title": "New"}), run_id=10**6)
    assert [v.run_id for v in store.versions("fonds-2")] == [None, run_id]
    assert [v.run_id for v in store.versions("new-1")] == [10**6]


def test_downgrade_restores_the_run_foreign_key(engine: Engine) -> None:
    upgrade(engine)
    assert _run_foreign_keys(engine) == []
    Store(engine).put(Record.from_dict({"id": "new-1", "title": "New"}), run_id=10**6)
    command.downgrade(_config(engine), REVISION)
    assert _run_foreign_keys(engine) == ["fk_record_versions_run_id_harvest_runs"]
    store = Store(engine)
    assert [v.run_id for v in store.versions("new-1")] == [None]  # it named no run
    assert [v.run_id for v in store.versions("partner-7")] == [1]
    with pytest.raises(StoreError):
        store.put(Record.from_dict({"id": "new-2", "title": "New"}), run_id=10**6)


def _config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _head() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but Alembic's, in primary-key order."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return {
            name: [
                dict(row._mapping)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for name, table in tables.tables.items()
            if name != "alembic_version"
        }


def _same_values(before: Mapping[str, list[dict[str, Any]]], after: Mapping[str, Any]) -> None:
    """Every table, row and column of `before` is in `after` with its value (columns may
    be added; none may go)."""
    for table, rows in before.items():
        assert table in after, f"table {table} is gone"
        assert len(after[table]) == len(rows), f"{table}: rows lost or added"
        for old, new in zip(rows, after[table], strict=True):
            assert {k: new.get(k, "<column gone>") for k in old} == old, table


def _schema(engine: Engine) -> dict[str, Any]:
    found = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
            sorted(
                (fk["name"] or "", fk["constrained_columns"], fk["referred_table"])
                for fk in found.get_foreign_keys(name)
            ),
            sorted(
                (ix["name"] or "", ix["column_names"], ix["unique"])
                for ix in found.get_indexes(name)
            ),
        )
        for name in sorted(found.get_table_names())
    }


def _run_foreign_keys(engine: Engine) -> list[str | None]:
    found = inspect(engine).get_foreign_keys("record_versions")
    return [fk["name"] for fk in found if fk["referred_table"] == "harvest_runs"]


def _at(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _rows(table: str, **where: Any) -> list[Row]:
    return [r for r in ROWS[table] if all(r[k] == v for k, v in where.items())]


# -- the record store -----------------------------------------------------------------


def _check_store(store: Store) -> None:
    assert store.stats() == {"records": 2, "deleted": 1, "versions": 4, "sets": 4}
    assert [(s.spec, s.name, s.description) for s in store.sets()] == [
        (r["spec"], r["name"], r["description"]) for r in ROWS["sets"]
    ]
    for row in ROWS["records"]:
        record = store.get(row["local_id"])
        assert record.content() == json.loads(row["content"])
        assert record.header is not None
        assert (record.header.datestamp, record.header.deleted) == (
            _at(row["datestamp"]),
            row["deleted"],
        )
        sets = _rows("record_sets", record_pk=row["pk"])
        assert record.header.sets == tuple(sorted(s["set_spec"] for s in sets))
        origin = json.loads(row["origin"]) if row["origin"] else {"kind": "local"}
        assert record.origin.to_dict() == origin
        remote = row["remote_content"]
        assert store.remote_content(row["local_id"]) == (remote and json.loads(remote))
        assert store.versions(row["local_id"]) == [
            _version(v) for v in _rows("record_versions", record_pk=row["pk"])
        ]
        _check_renderings(store, row)
    harvested = store.find_by_origin("partner", "oai:partner:7")
    assert harvested is not None
    assert harvested.id == "partner-7"
    assert store.local_ids_of_source("partner") == {"partner-7"}


def _version(row: Row) -> Version:
    created = _at(row["created_at"])
    assert created is not None
    content = json.loads(row["content"])
    return Version(
        row["version"], created, row["reason"], row["actor"], row["run_id"], row["deleted"], content
    )


def _check_renderings(store: Store, record: Row) -> None:
    rendered = _rows("rendered_metadata", record_pk=record["pk"])
    assert store.prefixes_of(record["local_id"]) == {r["prefix"] for r in rendered}
    for row in rendered:
        listed = store.listing.get(record["local_id"], row["prefix"])
        assert listed is not None
        assert listed.xml == row["xml"]
        # the crosswalk version survived: the rendering is current for it, stale for others
        assert record["local_id"] not in store.stale_renderings(
            row["prefix"], row["crosswalk_version"]
        )
        assert record["local_id"] in store.stale_renderings(row["prefix"], "older")
    assert DC in [r["xml"] for r in ROWS["rendered_metadata"]]


# -- the run log ----------------------------------------------------------------------


def _check_run_log(log: RunLog) -> None:
    assert log.sources.all() == [_source(r) for r in ROWS["harvest_sources"]]
    for row in ROWS["harvest_runs"]:
        assert log.runs.get(row["id"]) == _run(row)
        assert log.events.of_run(row["id"]) == [
            _event(e) for e in _rows("harvest_events", run_id=row["id"])
        ]
        seen = _rows("harvest_seen", run_id=row["id"])
        assert log.seen.by([row["id"]]) == {s["local_id"] for s in seen}
    for row in ROWS["harvest_events"]:
        assert log.events.raw(row["id"]) == row["raw"]
    checkpoint = log.runs.last_checkpoint("partner")
    assert checkpoint is not None
    assert (checkpoint.run_id, checkpoint.state) == (
        2,
        {"physics": {"cursor": 100, "token": "tok-2"}},
    )
    assert log.queue.pending() == [_request(r) for r in _rows("harvest_requests", taken_at=None)]
    assert log.queue.pending_by_source() == {"partner": 1}


def _source(row: Row) -> SourceInfo:
    values = {**row, "settings": json.loads(row["settings"]), "updated_at": _at(row["updated_at"])}
    return SourceInfo(**values)


def _run(row: Row) -> RunInfo:
    counts = Counts(**{k: row[k] for k in ("added", "updated", "unchanged", "deleted", "failed")})
    values = {k: v for k, v in row.items() if k not in Counts.__slots__}
    values.update({k: _at(row[k]) for k in ("started_at", "finished_at", "heartbeat_at")})
    values["checkpoint"] = row["checkpoint"] and json.loads(row["checkpoint"])
    return RunInfo(**values, counts=counts)


def _event(row: Row) -> EventInfo:
    values = {k: v for k, v in row.items() if k != "raw"}
    values.update(at=_at(row["at"]), detail=json.loads(row["detail"]))
    return EventInfo(**values, has_raw=row["raw"] is not None)


def _request(row: Row) -> HarvestRequest:
    times = {k: _at(row[k]) for k in ("requested_at", "taken_at")}
    return HarvestRequest(**{**row, **times})
