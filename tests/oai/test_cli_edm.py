"""`oai crosswalk FILE --to edm`: every partner sample, with the configuration's [edm]."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from oai.cli import main
from tests.crosswalks.europeana import Europeana, split_documents

CONFIG = """
public_url = "http://hub.example.org"
[repository]
name = "Test hub"
[edm]
provider = "Czech aggregator"
default_rights = "http://rightsstatements.org/vocab/CNE/1.0/"
"""
# every record of these is ready given only provider and default_rights (and the landing
# page public_url gives); aspace_getrecord_oai_ead.xml states no language anywhere
READY = [
    "aron_apux_archdesc-PA00870_P.xml",
    "aspace_getrecord_oai_dc.xml",
    "aspace_getrecord_oai_marc.xml",
    "aspace_getrecord_oai_mods.xml",
    "cam2019_entity_3392.xml",
    "ehri_ead2002_JMP-130.xml",
    "elza_ead3_cz_findingaid-HK01812.xml",
    "elza_edx_archdesc-PA00870_P.xml",
    "kramerius_biblio_oai_dc.xml",
    "nkcr_marcxml_cpk20051492461.xml",
]


@pytest.fixture(scope="module")
def europeana(schemas_dir: Path) -> Europeana:
    return Europeana(schemas_dir / "edm")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("OAI_CONFIG", raising=False)
    monkeypatch.setenv("OAI_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.sqlite'}")
    monkeypatch.setenv("OAI_DATA_DIR", str(tmp_path / "var"))
    return CliRunner()


def _config(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "hub.toml"
    path.write_text(CONFIG + extra, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("name", READY)
def test_every_sample_gives_edm_that_passes_europeanas_checks(
    runner: CliRunner, tmp_path: Path, samples_dir: Path, europeana: Europeana, name: str
) -> None:
    result = runner.invoke(
        main, ["--config", _config(tmp_path), "crosswalk", str(samples_dir / name), "--to", "edm"]
    )
    assert result.exit_code == 0, result.stderr
    documents = split_documents(result.stdout)
    assert documents
    assert f"{len(documents)} of {len(documents)} records ready" in result.stderr
    for document in documents[:25] + documents[-5:]:
        assert europeana.schema_errors(document) == []
        assert europeana.schematron_failures(document) == []


def test_unready_records_are_named_with_their_rules_and_exit_1(
    runner: CliRunner, tmp_path: Path, samples_dir: Path
) -> None:
    sample = str(samples_dir / "aspace_getrecord_oai_ead.xml")
    result = runner.invoke(
        main, ["--config", _config(tmp_path), "crosswalk", sample, "--to", "edm"]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "not ready: ead_id_0" in result.stderr
    assert "language-for-text: dc:language is mandatory when edm:type is TEXT" in result.stderr
    assert "0 of 2 records ready" in result.stderr
    config = _config(tmp_path, 'default_language = "English"\n')
    fixed = runner.invoke(main, ["--config", config, "crosswalk", sample, "--to", "edm"])
    assert fixed.exit_code == 0, fixed.stderr
    assert len(split_documents(fixed.stdout)) == 2


def test_rights_that_europeana_does_not_accept_are_refused_at_load(
    runner: CliRunner, tmp_path: Path, samples_dir: Path
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        CONFIG.replace("http://rightsstatements.org/vocab/", "https://rightsstatements.org/page/")
    )
    sample = str(samples_dir / "kramerius_biblio_oai_dc.xml")
    result = runner.invoke(main, ["--config", str(path), "crosswalk", sample, "--to", "edm"])
    assert result.exit_code != 0
    message = result.stderr + str(result.exception)
    assert "edm.default_rights" in message
    assert "did you mean http://rightsstatements.org/vocab/CNE/1.0/" in message
