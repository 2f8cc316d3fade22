"""Harvesting two OAI-PMH data providers written by others (see `thirdparty`): exact
counts on a first run, on a run with nothing changed, and after an update and a deletion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oai.harvest import RunResult, run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.oai.harvest.conftest import events, hub_state, make_hub
from tests.oai.harvest.thirdparty import DELETIONS, PROVIDERS, Served, make_catalogue, serve

N = 25  # records, served in pages of 10: three pages


@pytest.fixture(params=sorted(PROVIDERS))
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    yield from serve(request.param, make_catalogue(N))


@pytest.fixture
def hub(served: Served, tmp_path: Path) -> Iterator[Hub]:
    with make_hub(served.url, tmp_path) as hub:
        yield hub


def live(hub: Hub) -> dict[str, str]:
    return {ident: title for ident, (title, dead) in hub_state(hub).items() if not dead}


def counts(result: RunResult) -> tuple[int, int, int, int, int]:
    c = result.counts
    return c.added, c.updated, c.unchanged, c.deleted, c.failed


def no_errors(hub: Hub, result: RunResult) -> None:
    assert result.status == "ok", result.message
    assert [e.message for e in events(hub, result.run_id) if e.level != "info"] == []


def test_first_and_unchanged_runs(served: Served, hub: Hub) -> None:
    first = run_harvest(hub, "partner")
    no_errors(hub, first)
    assert counts(first) == (N, 0, 0, 0, 0)
    assert first.pages == 3
    assert live(hub) == served.catalogue.live()
    assert len(served.catalogue.live()) == N
    log = RunLog(hub.engine).runs
    run = log.get(first.run_id)
    assert run is not None
    assert run.window_from is None  # a first run takes everything
    assert run.requests == 4  # Identify + three pages
    lists = [r for r in served.requests if r["verb"] == "ListRecords"]
    assert lists[0] == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "until": run.window_until,
    }
    assert [sorted(r) for r in lists[1:]] == [["resumptionToken", "verb"]] * 2

    before = len(served.requests)
    second = run_harvest(hub, "partner")
    no_errors(hub, second)
    # the window starts 60 s (harvest.overlap_seconds) before the first run's until: the
    # partner answers noRecordsMatch, as every record is dated long before
    assert counts(second) == (0, 0, 0, 0, 0)
    assert second.pages == 0
    again = log.get(second.run_id)
    assert again is not None
    assert served.requests[before:] == [
        {"verb": "Identify"},
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": again.window_from,
            "until": again.window_until,
        },
    ]
    assert again.window_from is not None
    assert again.window_from < run.window_until
    assert live(hub) == served.catalogue.live()


def test_update_and_delete(served: Served, hub: Hub) -> None:
    no_errors(hub, run_harvest(hub, "partner"))
    catalogue = served.catalogue
    catalogue.put("oai:thirdparty.test:doc-004", "Document 4, revised")
    catalogue.delete("oai:thirdparty.test:doc-007")
    catalogue.put("oai:thirdparty.test:doc-100", "A new document")
    third = run_harvest(hub, "partner")
    no_errors(hub, third)
    state = hub_state(hub)
    assert state["oai:thirdparty.test:doc-004"] == ("Document 4, revised", False)
    assert state["oai:thirdparty.test:doc-100"] == ("A new document", False)
    if DELETIONS[served.name]:  # a header with status="deleted" in the window
        assert counts(third) == (1, 1, 0, 1, 0)
        assert state["oai:thirdparty.test:doc-007"] == ("Document 7", True)
    else:  # deletedRecord "no": the record is just not listed any more, unseen
        assert counts(third) == (1, 1, 0, 0, 0)
        assert state["oai:thirdparty.test:doc-007"] == ("Document 7", False)

    # a full harvest lists everything again, all unchanged: the N live records (24 old,
    # 1 new) and with oaipmh the deleted header; the sweep after it makes a tombstone of
    # the record oai-repo no longer lists
    full = run_harvest(hub, "partner", full=True)
    no_errors(hub, full)
    if DELETIONS[served.name]:
        assert counts(full) == (0, 0, N + 1, 0, 0)
    else:
        assert counts(full) == (0, 0, N, 1, 0)
    assert hub_state(hub)["oai:thirdparty.test:doc-007"] == ("Document 7", True)
    assert live(hub) == catalogue.live()


@pytest.mark.parametrize("spec", ["even", "odd"])
def test_one_set(served: Served, tmp_path: Path, spec: str) -> None:
    with make_hub(served.url, tmp_path / spec, sets=(spec,)) as hub:
        result = run_harvest(hub, "partner")
        no_errors(hub, result)
        wanted = {i.identifier: i.title for i in served.catalogue.select(set_spec=spec)}
        assert len(wanted) == (13 if spec == "even" else 12)
        assert counts(result) == (len(wanted), 0, 0, 0, 0)
        assert live(hub) == wanted
        assert served.requests[1] == {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "set": spec,
            "until": RunLog(hub.engine).runs.get(result.run_id).window_until,
        }
