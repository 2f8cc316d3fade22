"""Rights statements and language names to what Europeana and the Archives Portal take."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from crosswalks.languages import to_iso639_1, to_iso639_2b, to_iso639_3
from crosswalks.rights import canonical_rights, is_europeana_rights


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("volné dílo", "http://creativecommons.org/publicdomain/mark/1.0/"),
        ("Volné dílo.", "http://creativecommons.org/publicdomain/mark/1.0/"),
        ("Public Domain", "http://creativecommons.org/publicdomain/mark/1.0/"),
        ("CC BY 4.0", "http://creativecommons.org/licenses/by/4.0/"),
        ("cc-by-nc-sa 4.0", "http://creativecommons.org/licenses/by-nc-sa/4.0/"),
        ("CC0", "http://creativecommons.org/publicdomain/zero/1.0/"),
        ("In Copyright", "http://rightsstatements.org/vocab/InC/1.0/"),
        (
            "https://rightsstatements.org/page/InC/1.0/",
            "http://rightsstatements.org/vocab/InC/1.0/",
        ),
        (
            "https://rightsstatements.org/page/NoC-NC/1.0/?language=cs",
            "http://rightsstatements.org/vocab/NoC-NC/1.0/",
        ),
        ("http://rightsstatements.org/vocab/CNE/1.0", "http://rightsstatements.org/vocab/CNE/1.0/"),
        (
            "https://creativecommons.org/licenses/by-sa/4.0/deed.cs",
            "http://creativecommons.org/licenses/by-sa/4.0/",
        ),
        (
            "https://www.creativecommons.org/publicdomain/zero/1.0",
            "http://creativecommons.org/publicdomain/zero/1.0/",
        ),
    ],
)
def test_variants_map_to_the_canonical_uri(written: str, uri: str) -> None:
    assert canonical_rights(written) == uri
    assert is_europeana_rights(uri)


@pytest.mark.parametrize(
    "written",
    [
        "",
        "The History and Public Policy Program welcomes reuse",
        "https://example.org/licence/",
        "http://creativecommons.org/licenses/by/5.0/",
        "http://rightsstatements.org/vocab/UND/1.0/",  # not among those Europeana accepts
        "ftp://creativecommons.org/licenses/by/4.0/",
    ],
)
def test_anything_else_maps_to_none(written: str) -> None:
    assert canonical_rights(written) is None


def test_every_row_of_the_rights_table_gives_an_accepted_uri() -> None:
    text = (resources.files("crosswalks") / "data" / "rights.tsv").read_text(encoding="utf-8")
    rows = [r for r in text.splitlines() if r.strip() and not r.startswith("#")]
    assert len(rows) > 20
    for row in rows:
        variant, uri = row.split("\t")
        assert is_europeana_rights(uri), row
        assert canonical_rights(variant) == uri, row


def test_the_accepted_patterns_are_those_of_europeanas_schematron(schemas_dir: Path) -> None:
    schematron = (schemas_dir / "edm" / "schematron" / "schematron.xsl").read_text()
    theirs = re.findall(r'<pattern\s+value="([^"]+)"', schematron)
    ours = (resources.files("crosswalks") / "data" / "europeana_rights.txt").read_text()
    assert theirs
    assert [r for r in ours.splitlines() if r and not r.startswith("#")] == theirs


@pytest.mark.parametrize(
    ("written", "iso3", "iso1", "iso2b"),
    [
        ("čeština", "ces", "cs", "cze"),
        ("Czech", "ces", "cs", "cze"),
        ("cze", "ces", "cs", "cze"),
        ("němčina", "deu", "de", "ger"),
        ("ger", "deu", "de", "ger"),
        ("en", "eng", "en", "eng"),
        ("Hebrew", "heb", "he", "heb"),
        ("Romani", "rom", "rom", "rom"),  # no ISO 639-1 code: EDM takes the 639-3 one
        ("und", "und", "und", "und"),
    ],
)
def test_languages_from_the_data_table(written: str, iso3: str, iso1: str, iso2b: str) -> None:
    assert to_iso639_3(written) == iso3
    assert to_iso639_1(written) == iso1
    assert to_iso639_2b(written) == iso2b
