"""Every file in ../shared/samples converts to records, and each record to every outbound
format, each output valid against its schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crosswalks import default_registry, read_document, render
from records.model import Record

from .envelope import get_record

SAMPLES = [
    ("aspace_getrecord_oai_dc.xml", 1),
    ("aspace_getrecord_oai_ead.xml", 2),
    ("aspace_getrecord_oai_mods.xml", 1),
    ("aspace_getrecord_oai_marc.xml", 1),
    ("elza_edx_archdesc-PA00870_P.xml", 5),
    ("aron_apux_archdesc-PA00870_P.xml", 5),
    ("cam2019_entity_3392.xml", 1),
    ("ehri_ead2002_JMP-130.xml", 1),
    ("kramerius_biblio_oai_dc.xml", 1),
    ("nkcr_marcxml_cpk20051492461.xml", 1),
    ("elza_ead3_cz_findingaid-HK01812.xml", 449),
]


def test_every_sample_is_listed(samples_dir: Path) -> None:
    assert sorted(p.name for p in samples_dir.glob("*.xml")) == sorted(n for n, _ in SAMPLES)


@pytest.mark.parametrize(("name", "count"), SAMPLES)
def test_sample_to_every_outbound_format(
    name: str,
    count: int,
    samples_dir: Path,
    assert_valid: Callable[[bytes], None],
    dcterms_schema: etree.XMLSchema,
    native_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    registry = default_registry()
    records = read_document((samples_dir / name).read_bytes(), registry)
    assert len(records) == count
    # A big finding aid: check the description and a spread of components.
    for record in records[:: max(1, len(records) // 25)]:
        _check_record(record, registry, assert_valid, dcterms_schema, native_schema, check_schema)


def _check_record(
    record: dict[str, Any],
    registry: Any,
    assert_valid: Callable[[bytes], None],
    dcterms_schema: etree.XMLSchema,
    native_schema: etree.XMLSchema,
    check_schema: Callable[[etree.XMLSchema, bytes], None],
) -> None:
    Record.from_dict(record)
    for prefix in ("oai_dc", "mods", "marcxml"):
        assert_valid(render(registry, prefix, record))
    for fmt in registry.outbound():  # as the provider serves them: inside a response
        assert_valid(get_record(render(registry, fmt.prefix, record), fmt.prefix))
    check_schema(dcterms_schema, render(registry, "oai_dcterms", record))
    native = render(registry, "oaihub", record)
    check_schema(native_schema, native)
    assert read_document(native, registry) == [record]
