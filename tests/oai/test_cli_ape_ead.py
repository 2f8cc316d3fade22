"""`oai crosswalk FILE --to ape_ead` on every archival-description sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from oai.cli import main

ARCHIVAL = [
    "aron_apux_archdesc-PA00870_P.xml",
    "elza_edx_archdesc-PA00870_P.xml",
    "ehri_ead2002_JMP-130.xml",
    "aspace_getrecord_oai_ead.xml",
    "elza_ead3_cz_findingaid-HK01812.xml",
]


@pytest.fixture(scope="module")
def ape_schema(schemas_dir: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(schemas_dir / "apeead" / "apeEAD.xsd"), parser))


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("OAI_CONFIG", raising=False)
    monkeypatch.setenv("OAI_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OAI_APE__AGENCY_CODE", "CZ-225202010")
    return CliRunner()


@pytest.mark.parametrize("name", ARCHIVAL)
def test_every_archival_sample_gives_a_valid_finding_aid(
    runner: CliRunner, samples_dir: Path, ape_schema: etree.XMLSchema, name: str
) -> None:
    result = runner.invoke(main, ["crosswalk", str(samples_dir / name), "--to", "ape_ead"])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.stdout.encode())
    assert ape_schema.validate(root), ape_schema.error_log
    assert "1 finding aids of" in result.stderr
    eadid = root.find("{urn:isbn:1-931666-22-9}eadheader/{urn:isbn:1-931666-22-9}eadid")
    assert eadid is not None and eadid.get("mainagencycode") == "CZ-225202010"


def test_an_agency_code_apeead_refuses_stops_at_load(
    runner: CliRunner, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAI_APE__AGENCY_CODE", "Národní archiv")
    sample = str(samples_dir / "ehri_ead2002_JMP-130.xml")
    result = runner.invoke(main, ["crosswalk", sample, "--to", "ape_ead"])
    assert result.exit_code != 0
    assert "ape.agency_code" in result.output + str(result.exception)
