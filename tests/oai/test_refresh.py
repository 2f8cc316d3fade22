"""Stored renderings follow the crosswalks: a changed crosswalk version re-renders."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pytest
from lxml import etree

from oai.app import create_app
from oai.refresh import refresh_stale_renderings
from oai.rendering import RenderFailure
from records.model import Record
from records.store import Rendering
from records.writer import ASSEMBLED
from tests.oai.picky import PREFIX, REASON, REFUSED, picky_registry
from tests.oai.protocol.memory import oai_dc
from tests.oai.web.conftest import NS, REPO_ID, T0, make_hub, record


def old_renderer(rec: Record) -> Mapping[str, Rendering]:
    """What an older oai_dc crosswalk wrote: another title, and an old version."""
    return {"oai_dc": (oai_dc(f"OLD {rec.title}"), "old-version")}


def test_stale_renderings_are_refreshed(database_url: str, tmp_path: Path) -> None:
    with make_hub(database_url, tmp_path) as hub:
        for i in range(7):
            hub.store.put(record(f"r{i}"), renderer=old_renderer, now=T0)
        hub.store.put(record("gone"), renderer=old_renderer, now=T0)
        hub.store.delete("gone")
        client = create_app(hub=hub).test_client()
        ident = f"oai:{REPO_ID}:r3"
        before = client.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={ident}")
        assert b"OLD Title of r3" in before.data

        summary = refresh_stale_renderings(hub, batch=3)
        assert summary.refreshed == 7
        assert not summary.failed
        # a finding aid (ape_ead) is one per fonds, refreshed by the fonds: see
        # tests/oai/web/test_ape_provider.py
        for fmt in [f for f in hub.registry.outbound() if f.prefix not in ASSEMBLED]:
            assert hub.store.stale_renderings(fmt.prefix, fmt.version) == []
        after = client.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={ident}")
        title = etree.fromstring(after.data).findtext(".//dc:title", namespaces=NS)
        assert title == "Title of r3"
        # the record itself did not change: same datestamp, no new version
        assert hub.store.get("r3").header.datestamp == T0  # type: ignore[union-attr]
        assert len(hub.store.versions("r3")) == 1
        assert refresh_stale_renderings(hub).refreshed == 0


def test_records_a_crosswalk_cannot_render_are_reported_and_do_not_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with make_hub(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as hub:
        hub.store.put(record("r1", title=f"Please {REFUSED}"), renderer=old_renderer, now=T0)
        hub.store.put(record("r2"), renderer=old_renderer, now=T0)
        hub.registry = picky_registry()

        with caplog.at_level(logging.WARNING, logger="oai.refresh"):
            summary = refresh_stale_renderings(hub, batch=1)
        assert summary.refreshed == 2
        assert summary.failures == [RenderFailure("r1", PREFIX, REASON)]
        assert summary.failed == {"r1"}
        assert "1 could not be" in summary.describe()
        assert f"record 'r1': format {PREFIX}: {REASON}" in caplog.text
        # stored in every other format; only the format that failed stays stale
        assert set(hub.store.prefixes_of("r1")) == {f.prefix for f in hub.registry.outbound()} - {
            PREFIX
        }
        for fmt in hub.registry.outbound():
            stale = hub.store.stale_renderings(fmt.prefix, fmt.version)
            assert stale == (["r1"] if fmt.prefix == PREFIX else [])
