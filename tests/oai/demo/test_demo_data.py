"""The demo data as a visitor sees it: the seed record's translator is one dc:contributor,
its rights text has no e-mail-hiding artefact, a partner's set is named after it."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from oai.demo import load_demo_records
from oai.harvest import run_harvest
from oai.hub import Hub
from oai.settings import load_settings
from tests.oai.harvest import conftest as harvest_fixtures
from tests.oai.harvest.conftest import make_hub
from tests.oai.harvest.faultserver import FaultServer

DC = "{http://purl.org/dc/elements/1.1/}"
partner, server = harvest_fixtures.partner, harvest_fixtures.server  # the harvest fixtures


def test_seed_record_has_one_contributor_and_clean_rights(tmp_path: Path) -> None:
    settings = load_settings(env={}, overrides={"data_dir": str(tmp_path)})
    with Hub.from_settings(settings, migrate=True) as hub:
        load_demo_records(hub)
        seed = hub.store.get("301006")
        assert [(c.name, c.role) for c in seed.contributors] == [
            ("Radoslav Yordanov", "translator")
        ]
        assert "protected" not in (seed.rights or "") and "[email" not in (seed.rights or "")
        xml = hub.store.listing.get("301006", "oai_dc")
        assert xml is not None and xml.xml is not None
        dc = etree.fromstring(xml.xml)
        assert [e.text for e in dc.iter(f"{DC}contributor")] == ["Radoslav Yordanov"]


def test_a_partners_set_is_named_after_the_source(server: FaultServer, tmp_path: Path) -> None:
    with make_hub(server.url, tmp_path, name="A partner archive") as hub:
        assert run_harvest(hub, "partner").ok
        names = {s.spec: s.name for s in hub.store.sets()}
        assert names["partners:partner"] == "A partner archive"
