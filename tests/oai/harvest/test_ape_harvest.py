"""A harvested finding aid in the hub: its fonds served as one apeEAD finding aid, its
components linked by the partner's identifiers, and a changed unit moving the fonds."""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from oai.harvest import run_harvest
from oai.hub import Hub
from records import tables as t
from tests.oai.harvest.test_files_kind import make

APE = "{urn:isbn:1-931666-22-9}"
SAMPLE = "elza_ead3_cz_findingaid-HK01812.xml"
UNIT = "Bažant, Václav"


def _finding_aids(hub: Hub) -> dict[str, tuple[bytes, datetime]]:
    r, m = t.records.c, t.rendered_metadata.c
    query = (
        select(r.local_id, m.xml, r.datestamp)
        .join(t.records, r.pk == m.record_pk)
        .where(m.prefix == "ape_ead", r.source_id == "files")
    )
    with hub.engine.connect() as conn:
        return {row.local_id: (bytes(row.xml), row.datestamp) for row in conn.execute(query)}


def test_a_harvested_finding_aid_is_served_whole_and_moves_with_its_units(
    tmp_path: Path, database_url: str, samples_dir: Path, schemas_dir: Path
) -> None:
    schema = etree.XMLSchema(etree.parse(str(schemas_dir / "apeead" / "apeEAD.xsd")))
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(samples_dir / SAMPLE, folder / "fa.xml")
    with make(tmp_path, database_url, str(folder)) as hub:
        first = run_harvest(hub, "files")
        assert first.status == "ok", first.message
        aids = _finding_aids(hub)
        assert len(aids) == 1
        ((head, (xml, stamp)),) = aids.items()
        ead = etree.fromstring(xml)
        assert schema.validate(ead), schema.error_log
        assert len(ead.findall(f".//{APE}c")) > 400
        assert ead.find(f".//{APE}c/{APE}c") is not None, "nested below the series"

        text = (folder / "fa.xml").read_text(encoding="utf-8")
        assert text.count(f">{UNIT}<") == 1
        (folder / "fa.xml").write_text(text.replace(f">{UNIT}<", f">{UNIT} (opraveno)<"))
        time.sleep(1.05)  # datestamps are seconds: the re-harvest comes in a later one
        second = run_harvest(hub, "files", full=True)
        assert second.status == "ok", second.message
        after = _finding_aids(hub)
        assert set(after) == {head}
        xml2, stamp2 = after[head]
        assert stamp2 > stamp
        titles = [e.text for e in etree.fromstring(xml2).iter(f"{APE}unittitle")]
        assert f"{UNIT} (opraveno)" in titles and UNIT not in titles
