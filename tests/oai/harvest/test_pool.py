"""Large pages are crosswalked and rendered ahead in worker processes: same results."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from oai.harvest import run_harvest
from records import tables as t
from records.model import Record
from tests.oai.harvest.conftest import assert_mirrors, make_hub, make_partner
from tests.oai.harvest.faultserver import FaultServer


def _stored_dc(hub: object, local_id: str) -> bytes:
    query = (
        select(t.rendered_metadata.c.xml)
        .join(t.records, t.records.c.pk == t.rendered_metadata.c.record_pk)
        .where(t.records.c.local_id == local_id, t.rendered_metadata.c.prefix == "oai_dc")
    )
    with hub.engine.connect() as conn:  # type: ignore[attr-defined]
        return bytes(conn.execute(query).scalar_one())


def test_worker_pool_gives_the_same_store(tmp_path: Path) -> None:
    partner = make_partner(count=150, page_size=60)
    with (
        FaultServer(partner).start() as server,
        make_hub(server.url, tmp_path, settings={"harvest.workers": 2}) as hub,
    ):
        first = run_harvest(hub, "partner")
        assert first.status == "ok"
        assert first.counts.added == 150
        assert_mirrors(hub, partner)
        record = hub.store.get("partner:doc-042")
        expected = hub.render(record)
        assert _stored_dc(hub, "partner:doc-042") == expected["oai_dc"][0]
        assert set(hub.store.prefixes_of("partner:doc-042")) == set(expected)

        # a local edit, then a partner change: the merged record is what gets rendered
        edited = Record.from_dict({**record.to_dict(), "title": "Curated title"})
        hub.store.put(edited.with_header(None), renderer=hub.render, reason="edit")
        partner.tick()
        for n in range(60):
            partner.put(f"doc-{n:03d}", f"Document {n} v2", subjects=["changed"])
        partner.put("doc-042", "Partner title", subjects=["changed"])
        partner.tick()
        second = run_harvest(hub, "partner")
        assert second.counts.updated == 60
        merged = hub.store.get("partner:doc-042")
        assert merged.title == "Curated title"
        assert merged.subjects == ("changed",)
        assert b"Curated title" in _stored_dc(hub, "partner:doc-042")
        assert (
            _stored_dc(hub, "partner:doc-001")
            == hub.render(hub.store.get("partner:doc-001"))["oai_dc"][0]
        )
