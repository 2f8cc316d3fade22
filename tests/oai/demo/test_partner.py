"""The demo partner: a labelled, valid OAI-PMH endpoint serving its shipped records."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree

from oai.demo.partner import REPOSITORY_NAME, build_partner, partner_records, partner_server
from oai.hub import Hub

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[str]:
    hub, summary = build_partner(tmp_path, 0)
    assert summary.added == len(partner_records())
    server = partner_server(hub, 0)
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/oai"
    finally:
        server.shutdown()
        server.server_close()
        hub.close()


def test_partner_records_describe_the_seed_documents_fonds_box_and_folder() -> None:
    records = {r.id: r for r in partner_records()}
    folder = records["na-uv-ksc-novotny-zahranici-k121-kuba"]
    assert folder.source is not None
    assert folder.source.fonds == "ÚV KSČ"
    assert folder.source.series == "Antonín Novotný – Zahraničí"
    assert folder.source.container == "Karton 121"
    assert folder.source.folder == "Komunistická strana Kuby"
    assert any(r.id == "301006" for r in folder.related), "links the seed document"
    assert all("Demo description" in r.notes[0].text for r in records.values())


def test_loading_twice_changes_nothing(tmp_path: Path) -> None:
    first, _ = build_partner(tmp_path)
    first.close()
    hub, summary = build_partner(tmp_path)
    with hub:
        assert (summary.added, summary.unchanged) == (0, len(partner_records()))


def test_the_partner_says_it_is_a_demo_and_serves_valid_records(
    partner: str, assert_valid: Callable[[bytes], None]
) -> None:
    identify = requests.get(partner, params={"verb": "Identify"}, timeout=30)
    assert_valid(identify.content)
    name = etree.fromstring(identify.content).findtext(".//o:repositoryName", namespaces=NS)
    assert name == REPOSITORY_NAME
    assert "DEMO" in name
    for prefix in ("oai_dc", "oaihub"):
        listing = requests.get(
            partner, params={"verb": "ListRecords", "metadataPrefix": prefix}, timeout=30
        )
        assert_valid(listing.content)
        tree = etree.fromstring(listing.content)
        assert len(tree.findall(".//o:record", NS)) == len(partner_records())


def test_the_hub_in_build_partner_is_its_own(tmp_path: Path) -> None:
    hub, _ = build_partner(tmp_path)
    with hub:
        assert isinstance(hub, Hub)
        assert hub.settings.data_dir == tmp_path / "demo-partner"
        assert hub.store.stats()["records"] == len(partner_records())
