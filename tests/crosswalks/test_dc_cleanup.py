"""Dublin Core an aggregator can use as it is: identifiers, no repeats, the material's type."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from crosswalks import default_registry, read_document, render
from crosswalks.aron_json import read_json
from crosswalks.material import material_type
from tests.crosswalks.test_aron_json import PARENT, _entity, _items

DC = "{http://purl.org/dc/elements/1.1/}"
TERMS = "http://purl.org/dc/terms/"


def _values(xml: bytes, name: str) -> list[str]:
    return [str(e.text) for e in etree.fromstring(xml).iter(DC + name)]


def test_aron_records_give_identifiers_not_labels_and_no_repeats(samples_dir: Path) -> None:
    registry = default_registry()
    for record in read_document((samples_dir / "aron_apux_archdesc-PA00870_P.xml").read_bytes()):
        xml = render(registry, "oai_dc", record)
        identifiers = _values(xml, "identifier")
        assert not [v for v in identifiers if v.startswith(("holding archive:", "landing page:"))]
        assert not [v for v in identifiers if v.startswith("inventory number:")]
        for name in ("identifier", "source", "type", "relation", "description", "rights"):
            values = _values(xml, name)
            assert len(values) == len(set(values)), (record["id"], name, values)


def test_a_landing_page_is_written_once_and_a_reference_code_as_it_is() -> None:
    record = {
        "id": "u1",
        "title": "t",
        "url": "https://portal.example.org/apu/u1",
        "identifiers": [
            {"type": "landing page", "value": "https://portal.example.org/apu/u1"},
            {"type": "reference code", "value": "NAD 870/inv. 6"},
            {"type": "inventory number", "value": "6"},
            {"type": "isbn", "value": "80-251-0225-4"},
        ],
        "source": {"citation": "Fond X", "fonds": "Fond X"},
        "rights": "Volné dílo",
        "access_rights": "Volné dílo",
    }
    xml = render(default_registry(), "oai_dc", record)
    assert _values(xml, "identifier") == [
        "https://portal.example.org/apu/u1",
        "u1",
        "NAD 870/inv. 6",
        "isbn:80-251-0225-4",
    ]
    assert _values(xml, "rights") == ["Volné dílo"]


def test_a_photograph_is_an_image() -> None:
    photo = _entity(
        parent=_entity(id=PARENT, name="Fotografie"),
        parts=_items(("UNIT~TYPE", "Fotografie", None), ("INV~CISLO", "6", None)),
    )
    (record,) = read_json(photo)
    assert record["dcmi_type"] == "StillImage"
    assert _values(render(default_registry(), "oai_dc", record), "type")[0] == "StillImage"
    # a text unit's genre decides; a collection stays a collection
    assert material_type(["Mapy a plány"], "Text") == "StillImage"
    assert material_type(["Fotografie"], "Collection") == "Collection"
    assert material_type(["Spis"], "Text") == "Text"
    assert _values(
        render(default_registry(), "oai_dc", {"id": "p", "title": "t", "genres": ["Foto"]}), "type"
    ) == ["StillImage", "Foto"]


def _terms(xml: bytes, name: str) -> list[str]:
    return [str(e.text) for e in etree.fromstring(xml).iter(f"{{{TERMS}}}{name}")]


def test_dcterms_identifiers_are_cleaned_like_oai_dc(samples_dir: Path) -> None:
    record = {
        "id": "u1",
        "title": "t",
        "url": "https://portal.example.org/apu/u1",
        "identifiers": [
            {"type": "landing page", "value": "https://portal.example.org/apu/u1"},
            {"type": "reference code", "value": "NAD 870/inv. 6"},
            {"type": "inventory number", "value": "6"},
            {"type": "holding archive", "value": "0e5f1c0a-2f1b-4f43-9a5e-2b2f6c1d7a11"},
            {"type": "isbn", "value": "80-251-0225-4"},
        ],
    }
    xml = render(default_registry(), "oai_dcterms", record)
    assert _terms(xml, "identifier") == [
        "https://portal.example.org/apu/u1",
        "u1",
        "NAD 870/inv. 6",
        "isbn:80-251-0225-4",
    ]
    registry = default_registry()
    for form in read_document((samples_dir / "aron_apux_archdesc-PA00870_P.xml").read_bytes()):
        identifiers = _terms(render(registry, "oai_dcterms", form), "identifier")
        assert identifiers
        assert not [v for v in identifiers if re.match(r"^[a-z ]+ [a-z ]+:", v)], identifiers
        assert len(identifiers) == len(set(identifiers)), (form["id"], identifiers)
