"""A format that cannot render a harvested record is a run event; the record is stored.

With and without the worker pool: the pool renders pages ahead in other processes with
the hub's registry, and the failures travel back with the renderings to the page's
transaction, where they become events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from oai.app import create_app
from oai.harvest import run_harvest
from oai.hub import Hub
from oai.ingest.pool import WorkerPool
from tests.oai.harvest.conftest import events, make_hub
from tests.oai.harvest.faultserver import FaultServer, Partner
from tests.oai.picky import PREFIX, REASON, REFUSED, picky_registry

REFUSED_REMOTE = "oai:partner.test:doc-007"


def partner_with_one_refused_record() -> Partner:
    partner = Partner(page_size=60)  # pages of 60: large enough for the worker pool
    for n in range(120):
        title = f"Document {n}, {REFUSED}" if n == 7 else f"Document {n}"
        partner.put(f"doc-{n:03d}", title)
        partner.tick(1)
    partner.tick(60)
    return partner


def get_record(hub: Hub, local_id: str, prefix: str) -> bytes:
    header = hub.store.get(local_id).header
    assert header is not None
    url = f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier={header.identifier}"
    return create_app(hub=hub).test_client().get(url).data


def assert_one_render_event(hub: Hub, run_id: int, page: int) -> None:
    found = events(hub, run_id, kind="render")
    assert [(e.level, e.identifier, e.page) for e in found] == [("warning", REFUSED_REMOTE, page)]
    assert found[0].message == f"partner:doc-007: stored without {PREFIX}: {REASON}"
    assert found[0].detail == {"local_id": "partner:doc-007", "format": PREFIX, "error": REASON}


@pytest.mark.parametrize("workers", [0, 2])
def test_a_render_failure_is_a_run_event_and_the_record_is_served_in_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    submitted: list[int] = []
    submit = WorkerPool.submit

    def counting(pool: WorkerPool, *args: Any) -> Any:
        submitted.append(1)
        return submit(pool, *args)

    monkeypatch.setattr(WorkerPool, "submit", counting)
    partner = partner_with_one_refused_record()
    with (
        FaultServer(partner).start() as server,
        make_hub(server.url, tmp_path, settings={"harvest.workers": workers}) as hub,
    ):
        hub.registry = picky_registry()
        first = run_harvest(hub, "partner")
        assert (first.status, first.counts.added) == ("ok", 120)
        assert len(submitted) == (2 if workers else 0)  # each page went where it should
        assert_one_render_event(hub, first.run_id, page=1)
        served = get_record(hub, "partner:doc-007", "oai_dc")
        assert f"<dc:title>Document 7, {REFUSED}</dc:title>".encode() in served
        assert b'code="cannotDisseminateFormat"' in get_record(hub, "partner:doc-007", PREFIX)
        assert b"<dc:title>Document 8</dc:title>" in get_record(hub, "partner:doc-008", PREFIX)

        # a record written again is rendered (and reported) again; an unchanged one is not
        partner.tick()
        partner.put("doc-007", f"Document 7 v2, {REFUSED}")
        partner.put("doc-008", "Document 8 v2")
        partner.tick()
        second = run_harvest(hub, "partner")
        assert (second.status, second.counts.updated) == ("ok", 2)
        assert_one_render_event(hub, second.run_id, page=1)
