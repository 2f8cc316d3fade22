"""The `aron` kind against ARON 2.0's API (`/api/v1`) of the fake portal, over real HTTP on
127.0.0.1: the old API's scenarios, and what only v1 has (the window, 304s)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from oai.demo.aron import AronState, running
from oai.harvest import RunResult, run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from records import tables as t
from tests.oai.harvest.aronhub import SOURCE, aron_hub, events_of, record_rows
from tests.oai.harvest.conftest import ROOT
from tests.oai.harvest.test_aron import _config, _wait_for_batches

N = 150


@pytest.fixture
def state() -> AronState:
    return AronState.generated(N, seed=5)


@pytest.fixture
def url(state: AronState) -> Iterator[str]:
    with running(state, api="v1") as base:
        yield base
    assert state.writes == [], "the harvester sent a write request"


@pytest.fixture
def hub(url: str, tmp_path: Path) -> Iterator[Hub]:
    with aron_hub(url, tmp_path) as hub:
        yield hub


def harvest(hub: Hub) -> RunResult:
    return run_harvest(hub, SOURCE)


def _counts(result: RunResult) -> tuple[int, int, int, int, int]:
    c = result.counts
    return c.added, c.updated, c.unchanged, c.deleted, c.failed


def _searches(state: AronState) -> list[dict[str, Any]]:
    return [body for _m, path, body in state.requests if path.endswith("/v1/apu/search")]


def _details(state: AronState) -> int:
    return sum(1 for m, path, _b in state.requests if m == "GET" and "/v1/apu/" in path)


def _snapshot(hub: Hub) -> tuple[Any, ...]:
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(t.records.c.local_id, t.records.c.datestamp, t.records.c.version)
        ).all()
        versions = conn.execute(select(func.count()).select_from(t.record_versions)).scalar()
    return tuple(sorted(rows)), versions


def test_clean_harvest_politely_under_the_window(hub: Hub, state: AronState) -> None:
    result = harvest(hub)
    assert result.status == "ok", result.message
    assert _counts(result) == (N, 0, 0, 0, 0)
    assert set(record_rows(hub)) == {f"{SOURCE}:{i}" for i in state.entities}
    assert state.max_in_flight <= 2
    searches = _searches(state)
    assert searches and all(1 <= b["size"] <= 100 for b in searches)
    assert all(b["from"] + b["size"] <= state.window for b in searches)
    assert all("query" not in b for b in searches)  # never by a query
    # each unit's detail once, and a parent's once more when its type was not listed yet
    assert N <= _details(state) <= N * 1.1
    assert "ARON 2.0" in (result.message or "")
    assert "v1" in events_of(hub, result.run_id, "api")[0].message


def test_the_same_records_as_the_old_api(state: AronState, tmp_path: Path) -> None:
    records = {}
    with running(state) as old:  # one portal, both APIs
        for api, base in (("old", old), ("v1", old.replace("/api/aron", "/api/v1"))):
            with aron_hub(base, tmp_path / api) as hub:
                assert harvest(hub).status == "ok"
                records[api] = {
                    i: _metadata(hub.store.get(i).to_dict()) for i in sorted(record_rows(hub))
                }
    assert len(records["v1"]) == N
    assert records["v1"] == records["old"]


def _metadata(record: dict[str, Any]) -> str:
    volatile = ("header", "provenance", "version", "origin")  # when and whence, not what
    kept = {k: v for k, v in record.items() if k not in volatile}
    return json.dumps(kept, sort_keys=True, default=str)


def test_add_update_delete_then_incremental_counts(hub: Hub, state: AronState) -> None:
    assert _counts(harvest(hub)) == (N, 0, 0, 0, 0)
    files = sorted(i for i, e in state.entities.items() if e["childCnt"] == 0)
    renamed, removed = files[:2], files[2:5]
    for entity_id in renamed:
        state.update(entity_id, name=f"Přejmenováno {entity_id[:4]}")
    for entity_id in removed:
        state.delete(entity_id)
    state.load(AronState.generated(3, seed=77).entities.values())
    second = harvest(hub)
    assert _counts(second) == (3, 2, N - 5, 0, 0), second.message
    third = harvest(hub)  # missing twice and 404: tombstones
    assert _counts(third) == (0, 0, N, 3, 0), third.message
    rows = record_rows(hub)
    assert all(rows[f"{SOURCE}:{i}"][1] for i in removed)
    assert rows[f"{SOURCE}:{renamed[0]}"][0].startswith("Přejmenováno")
    assert _counts(harvest(hub)) == (0, 0, N, 0, 0)


def test_no_change_run_is_mostly_304s_and_writes_nothing(hub: Hub, state: AronState) -> None:
    harvest(hub)
    before = _snapshot(hub)
    state.not_modified = 0
    result = harvest(hub)
    assert _counts(result) == (0, 0, N, 0, 0)
    assert _snapshot(hub) == before
    assert state.not_modified == N  # every detail answered 304


def test_reimport_with_new_part_ids_changes_nothing(hub: Hub, state: AronState) -> None:
    harvest(hub)
    before = _snapshot(hub)
    state.start_reimport(sorted(state.entities))
    state.finish_reimport()  # every validator changed
    state.not_modified = 0
    result = harvest(hub)
    assert _counts(result) == (0, 0, N, 0, 0), result.message
    assert state.not_modified == 0  # 200s, all through the content hash
    assert _snapshot(hub) == before


def test_units_hidden_by_a_reimport_are_not_tombstoned(hub: Hub, state: AronState) -> None:
    harvest(hub)
    fund = next(i for i, e in sorted(state.entities.items()) if e["type"] == "FUND")
    hidden = state.subtree(fund)
    assert len(hidden) > 5
    state.start_reimport(hidden)
    during = harvest(hub)
    assert during.status == "ok" and _counts(during) == (0, 0, N - len(hidden), 0, 0)
    state.finish_reimport()
    after = harvest(hub)
    assert _counts(after) == (0, 0, N, 0, 0)
    assert not any(deleted for _title, deleted in record_rows(hub).values())


def test_gone_twice_but_the_detail_fails_keeps_the_record(hub: Hub, state: AronState) -> None:
    harvest(hub)
    victim = sorted(state.entities)[3]
    state.delete(victim)
    harvest(hub)
    state.fail(503, path=f"/v1/apu/{victim}", times=50)
    kept = harvest(hub)
    assert kept.status == "ok" and kept.counts.deleted == 0
    assert not record_rows(hub)[f"{SOURCE}:{victim}"][1]
    assert events_of(hub, kept.run_id, "sweep")
    state.faults.clear()
    assert harvest(hub).counts.deleted == 1


def test_500_503_with_retry_after_and_cut_bodies_are_retried(hub: Hub, state: AronState) -> None:
    state.fail(503, path="/v1/apu/search")
    victim = sorted(state.entities)[7]
    state.fail(500, path=f"/v1/apu/{victim}", times=2)
    state.truncate(path="/v1/apu/search")
    state.truncate(path=f"/v1/apu/{sorted(state.entities)[9]}")
    result = harvest(hub)
    assert result.status == "ok" and _counts(result) == (N, 0, 0, 0, 0), result.message
    assert len(events_of(hub, result.run_id, "retry")) == 3


def test_a_stall_past_the_read_timeout_is_retried(hub: Hub, state: AronState) -> None:
    state.stall(1.0, path="/v1/apu/search")  # read timeout is 0.5 s
    result = harvest(hub)
    assert result.status == "ok" and result.counts.added == N
    assert events_of(hub, result.run_id, "retry")


def test_a_persistent_failure_fails_the_run_and_the_next_resumes(
    hub: Hub, state: AronState
) -> None:
    arch = sorted(
        (i for i, e in state.entities.items() if e["type"] == "ARCH_DESC"),
        key=lambda i: (state.entities[i]["name"].casefold(), i),
    )
    state.fail(500, path=f"/v1/apu/{arch[-1]}", times=1000)  # in the last page
    first = harvest(hub)
    assert first.status == "failed" and "sweep failed" in (first.message or "")
    assert 0 < first.counts.added < N
    state.faults.clear()
    second = harvest(hub)
    assert second.status == "ok", second.message
    assert first.counts.added + second.counts.added == N
    assert second.counts.unchanged == 0  # resumed at the failed page, not from the start
    assert events_of(hub, second.run_id, "resume")


def test_a_type_over_the_window_is_partitioned_by_dating(
    url: str, state: AronState, tmp_path: Path
) -> None:
    files = sorted(i for i, e in state.entities.items() if e["childCnt"] == 0)
    for entity_id in files[:6]:  # undated units
        entity = state.entities[entity_id]
        for part in entity["parts"]:
            part["items"] = [i for i in part["items"] if i["type"] != "UNIT~DATE"]
    for entity_id in files[6:10]:
        state.update(entity_id, name="")  # blank names sort last
    state.window = 40  # ARCH_DESC has more than 40 units
    with aron_hub(url, tmp_path, search_window=40) as hub:
        result = harvest(hub)
        assert result.status == "ok", result.message
        assert _counts(result) == (N, 0, 0, 0, 0)
        assert not events_of(hub, result.run_id, "sweep")  # nothing out of reach
        searches = _searches(state)
        assert all(b["from"] + b["size"] <= 40 for b in searches)
        ranges = [f for b in searches for f in b["filters"]]
        assert any(f.get("includeUndated") for f in ranges)
        assert all(f["kind"] == "RANGE" and f["facet"] == "UNIT~DATE" for f in ranges)
        assert _counts(harvest(hub)) == (0, 0, N, 0, 0)


def test_a_bare_portal_url_is_probed_and_speaks_v1(state: AronState, tmp_path: Path) -> None:
    with running(state, api="portal") as base, aron_hub(base, tmp_path) as hub:
        result = harvest(hub)
        assert result.status == "ok" and result.counts.added == N
        said = events_of(hub, result.run_id, "api")[0].message
        assert said.endswith("/aron/api/v1") and "v1" in said
    assert state.requests[0][1] == "/aron/api/v1/system/info"


def test_sigkill_mid_sweep_then_an_exact_resume(tmp_path: Path) -> None:
    state = AronState.generated(600, seed=9)
    with running(state, api="v1") as url:
        config = _config(tmp_path, url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OAI_")}
        env.update(OAI_CONFIG=str(config), PYTHONPATH=str(ROOT))
        with aron_hub(url, tmp_path) as hub:
            log = RunLog(hub.engine)
            state.stall(0.02, path="", times=100_000)  # slow enough to land in
            killed = 0
            for batches in (2, 4):
                process = subprocess.Popen(
                    [sys.executable, "-m", "oai", "harvest", SOURCE],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                _wait_for_batches(log, batches, process)
                os.kill(process.pid, signal.SIGKILL)
                assert process.wait() == -signal.SIGKILL
                killed += 1
            state.faults.clear()
            result = run_harvest(hub, SOURCE)
            assert result.status == "ok", result.message
            assert events_of(hub, result.run_id, "resume")
            runs = log.runs.newest(source_id=SOURCE)
            assert len(runs) == killed + 1
            assert sum(r.counts.added for r in runs) == 600  # each unit added once
            assert sum(r.counts.total for r in runs) == 600  # none handed out twice
            with hub.engine.connect() as conn:
                versions = conn.execute(
                    select(func.count()).select_from(t.record_versions)
                ).scalar()
            assert versions == 600
            assert set(record_rows(hub)) == {f"{SOURCE}:{i}" for i in state.entities}
        assert state.writes == []


def test_more_than_10000_units_of_one_type_under_the_default_window(tmp_path: Path) -> None:
    state = AronState.generated(12_500, seed=3)
    units = sorted(i for i, e in state.entities.items() if e["type"] == "ARCH_DESC")
    assert len(units) > 10_000
    for entity_id in units[::97]:  # undated units among them
        for part in state.entities[entity_id]["parts"]:
            part["items"] = [i for i in part["items"] if i["type"] != "UNIT~DATE"]
    for entity_id in units[5::89]:
        state.entities[entity_id]["name"] = ""  # blank names
    state.load([])  # listings and stamps afresh
    with running(state, api="v1") as url, aron_hub(url, tmp_path) as hub:
        result = harvest(hub)
        assert result.status == "ok", result.message
        assert result.counts.added == len(state.entities)
        assert not events_of(hub, result.run_id, "sweep")
        searches = _searches(state)
        assert all(b["from"] + b["size"] <= 10_000 for b in searches)
        assert set(record_rows(hub)) == {f"{SOURCE}:{i}" for i in state.entities}


def test_a_position_of_one_api_is_never_resumed_by_the_other() -> None:
    from oai.harvest.kinds.aron_sweep import Position
    from oai.harvest.kinds.aron_v1_sweep import Part, V1Position

    v1 = V1Position(["FUND"], 0, [Part(1800, 1850)], 40, "UNIT~DATE")
    assert Position.from_dict(v1.to_dict()) is None
    assert V1Position.from_dict(Position(["FUND"]).to_dict()) is None
    assert V1Position.from_dict(v1.to_dict()) == v1


def test_a_paging_loop_fails_the_run_and_deletes_nothing(hub: Hub, state: AronState) -> None:
    assert harvest(hub).status == "ok"
    state.paging_loop = True  # every page is the first, whatever `from` says
    looped = harvest(hub)
    assert looped.status == "failed" and "same page" in (looped.message or "")
    assert looped.counts.deleted == 0
    state.paging_loop = False
    resumed = harvest(hub)  # from the last good page on
    assert resumed.status == "ok", resumed.message
    assert looped.counts.unchanged + resumed.counts.unchanged == N
    assert resumed.counts.changed == 0 and resumed.counts.deleted == 0


def test_validators_on_both_databases(database_url: str, tmp_path: Path) -> None:
    state = AronState.generated(40, seed=2)
    with (
        running(state, api="v1") as url,
        aron_hub(url, tmp_path, settings={"database_url": database_url}) as hub,
    ):
        assert _counts(harvest(hub)) == (40, 0, 0, 0, 0)
        state.not_modified = 0
        assert _counts(harvest(hub)) == (0, 0, 40, 0, 0)
        assert state.not_modified == 40
        kept = RunLog(hub.engine).validators.of(SOURCE, sorted(state.entities))
        assert len(kept) == 40 and all(v.etag and v.fingerprint for v in kept.values())


def test_a_portal_ignoring_include_undated_is_walked_by_its_trees(
    url: str, state: AronState, tmp_path: Path
) -> None:
    files = sorted(i for i, e in state.entities.items() if e["childCnt"] == 0)
    for entity_id in files[:6]:  # undated units
        for part in state.entities[entity_id]["parts"]:
            part["items"] = [i for i in part["items"] if i["type"] != "UNIT~DATE"]
    state.load([])
    state.window = 40
    state.tree_window = 3  # several AFTER windows a parent
    with aron_hub(url, tmp_path, search_window=40) as hub:
        assert _counts(harvest(hub)) == (N, 0, 0, 0, 0)
        state.knows_include_undated = False  # the undated part comes back empty
        state.cache.clear()
        for _ in range(2):
            result = harvest(hub)
            assert result.status == "ok", result.message
            assert _counts(result) == (0, 0, N, 0, 0)
            said = [e.message for e in events_of(hub, result.run_id, "sweep")]
            undated = 6 + 20  # and the series, which carry no dating here
            assert any(f"{undated} not reached" in m for m in said), said
            assert any(f"{undated} more units" in m for m in said), said
        assert any(path.endswith("/tree") for _m, path, _b in state.requests)
        assert not any(deleted for _title, deleted in record_rows(hub).values())
