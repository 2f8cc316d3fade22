"""Harvesting the project's own OAI-PMH provider (a second hub on a real server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from oai.app import create_app
from oai.harvest import run_harvest
from oai.hub import Hub
from oai.settings import load_settings
from records.model import Record
from tests.oai.harvest.conftest import ROOT, events, hub_state, make_hub
from tests.servers import Background

T0 = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[tuple[Hub, str]]:
    """A partner hub with the demo records and 30 generated ones, served on 127.0.0.1."""
    values = {
        "data_dir": str(tmp_path / "partner"),
        "secret_key": "s",
        "repository.identifier": "partner.example.org",
        "repository.page_size": 10,
        "repository.rate_limit_per_minute": 0,
    }
    partner = Hub.from_settings(load_settings(env={}, overrides=values), migrate=True)
    demo = ROOT / "oai" / "demo" / "records.jsonl"
    forms = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()]
    forms += [
        {"id": f"gen-{n:02d}", "title": f"Generated {n}", "collections": [{"spec": f"gen:{n % 2}"}]}
        for n in range(30)
    ]
    for n, form in enumerate(forms):
        partner.store.put(
            Record.from_dict(form), renderer=partner.render, now=T0 + timedelta(minutes=n)
        )
    http = Background(make_server("127.0.0.1", 0, create_app(hub=partner), threaded=True))
    yield partner, f"http://127.0.0.1:{http.server.server_port}/oai"
    http.stop()
    partner.close()


def _partner_live(partner: Hub) -> dict[str, Record]:
    return {
        r.header.identifier: r
        for r in partner.store.iter_records()
        if r.header and not r.header.deleted
    }


@pytest.mark.parametrize("prefix", ["oaihub", "oai_dc"])
def test_harvest_own_provider(provider: tuple[Hub, str], tmp_path: Path, prefix: str) -> None:
    partner, url = provider
    with make_hub(url, tmp_path / "hub", metadata_prefix=prefix) as hub:
        first = run_harvest(hub, "partner")
        assert first.status == "ok", first.message
        assert first.counts.added == 38
        live = _partner_live(partner)
        state = hub_state(hub)
        assert {k: v[0] for k, v in state.items()} == {k: r.title for k, r in live.items()}
        if prefix == "oaihub":  # the native format is lossless: every field arrives
            for identifier, record in live.items():
                local = local_of(hub, identifier)
                assert {**local.content(), "id": record.id} == record.content()

        # the partner changes: one update, one deletion, one new record
        seed_id = next(r.id for r in live.values() if r.id.startswith("gen-01"))
        changed = Record.from_dict({"id": seed_id, "title": "Generated 1, corrected"})
        partner.store.put(changed, renderer=partner.render)
        partner.store.delete("gen-02")
        partner.store.put(
            Record.from_dict({"id": "gen-new", "title": "Brand new"}), renderer=partner.render
        )
        second = run_harvest(hub, "partner")
        assert second.status == "ok"
        counts = second.counts
        assert (counts.added, counts.updated, counts.deleted, counts.failed) == (1, 1, 1, 0)
        state = hub_state(hub)
        assert state["oai:partner.example.org:gen-02"][1] is True
        assert state["oai:partner.example.org:gen-new"] == ("Brand new", False)
        third = run_harvest(hub, "partner")
        assert third.counts.changed == 0
        assert not [e for e in events(hub, third.run_id) if e.level == "error"]


def local_of(hub: Hub, identifier: str) -> Record:
    from oai.ingest.identity import local_id_for

    return hub.store.get(local_id_for("partner", identifier))
