"""A format that cannot render a record is an import error; the record is still stored."""

from __future__ import annotations

import json
from pathlib import Path

from oai.app import create_app
from oai.demo import load_demo_records
from oai.hub import Hub
from oai.importing import import_paths
from tests.oai.picky import PREFIX, REASON, REFUSED, REFUSED_ID, picky_registry
from tests.oai.web.conftest import REPO_ID, make_hub


def get_record(hub: Hub, local_id: str, prefix: str) -> bytes:
    client = create_app(hub=hub).test_client()
    identifier = f"oai:{REPO_ID}:{local_id}"
    return client.get(f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier={identifier}").data


def test_a_render_failure_is_an_import_error_and_the_record_is_stored(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [{"id": "a", "title": "A"}, {"id": "b", "title": f"B, {REFUSED}"}]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    with make_hub(database_url, tmp_path) as hub:
        hub.registry = picky_registry()
        summary = import_paths(hub, [path])

        assert summary.errors == [
            f"{path}: record 'b': format {PREFIX}: {REASON} (stored without this format)"
        ]
        assert (summary.added, summary.failed, summary.unrendered) == (2, 0, 1)
        assert summary.describe().endswith("0 failed; 1 renderings failed")
        # served in every other format, and not in the one that failed
        assert b"<dc:title>B, refuse me</dc:title>" in get_record(hub, "b", "oai_dc")
        assert b'code="cannotDisseminateFormat"' in get_record(hub, "b", PREFIX)
        assert b"<dc:title>A</dc:title>" in get_record(hub, "a", PREFIX)
        # importing the same again writes nothing, so renders (and reports) nothing
        again = import_paths(hub, [path])
        assert (again.unchanged, again.errors) == (2, [])


def test_a_render_failure_of_the_demo_load_is_an_import_error(tmp_path: Path) -> None:
    with make_hub(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as hub:
        hub.registry = picky_registry()
        summary = load_demo_records(hub)
        assert summary.added == 8
        assert summary.errors == [
            f"oai demo load: record {REFUSED_ID!r}: format {PREFIX}: {REASON} "
            "(stored without this format)"
        ]
        assert set(hub.store.prefixes_of(REFUSED_ID)) == {
            f.prefix for f in hub.registry.outbound() if f.prefix != PREFIX
        }


def test_json_lines_take_date_text_and_language_names_as_the_xml_readers_do(
    database_url: str, tmp_path: Path
) -> None:
    # issue 27: {"date": {"text": "1961"}} and "Czech" were refused; dc:date and
    # dc:language with the same text are read by the XML readers
    path = tmp_path / "batch.jsonl"
    lines = [
        {"id": "a", "title": "A", "date": {"text": "1961"}, "languages": ["Czech", "cs-CZ"]},
        {"id": "b", "title": "B", "date": "March 1961", "languages": ["ger", "English"]},
        {"id": "c", "title": "C", "date": {"text": "ca. 1950-1955", "approximate": False}},
        {"id": "d", "title": "D", "related": [{"title": "R", "date": {"text": "1962"}}]},
        {"id": "e", "title": "E", "languages": ["Klingonish"]},
        {"id": "f", "title": "F", "date": {"text": "someday"}},
        {"id": "g", "title": "G", "date": {"text": "1961", "start": "1960", "end": "1960"}},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    with make_hub(database_url, tmp_path) as hub:
        summary = import_paths(hub, [path])
        a, b = hub.store.get("a"), hub.store.get("b")
        assert a.date is not None and (a.date.text, a.date.start, a.date.end) == (
            "1961",
            "1961",
            "1961",
        )
        assert a.date.precision == "year"
        assert a.languages == ("ces",)
        assert b.date is not None and (b.date.start, b.date.precision) == ("1961-03", "month")
        assert b.languages == ("ger", "eng")
        c = hub.store.get("c")
        assert c.date is not None and (c.date.start, c.date.end) == ("1950", "1955")
        assert hub.store.get("d").related[0].date is not None
        g = hub.store.get("g")
        assert g.date is not None and g.date.start == "1960", "a start given is kept"
        assert summary.added == 5
        assert len(summary.errors) == 2
        assert "'e'" in summary.errors[0] and "languages" in summary.errors[0]
        assert "Klingonish" in summary.errors[0]
        assert "'f'" in summary.errors[1] and "someday" in summary.errors[1]
