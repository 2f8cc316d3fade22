"""One render path: every outbound format of a record, and each failure as a value."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from crosswalks import MetadataFormat, Registry, default_registry
from oai.errors import RenderError
from oai.rendering import RenderContext, Rendered, RenderFailure, StoreRenderer, render_record
from records.model import Record
from tests.oai.picky import PREFIX, REASON, REFUSED, picky_registry
from tests.oai.web.conftest import make_hub


def buggy_write(record: Mapping[str, Any]) -> bytes:
    if record["id"] == "bug":
        raise KeyError("no such key")  # a writer's bug, not a CrosswalkError
    return b"<x/>"


def test_every_outbound_format_is_rendered() -> None:
    registry = default_registry()
    rendered = render_record(RenderContext(registry), Record.from_dict({"id": "r", "title": "T"}))
    assert rendered.failures == ()
    assert set(rendered.renderings) == {f.prefix for f in registry.outbound()}
    for fmt in registry.outbound():
        xml, version = rendered.renderings[fmt.prefix]
        assert xml.startswith(b"<") and version == fmt.version


def test_a_format_that_fails_is_a_failure_beside_the_other_formats() -> None:
    registry = picky_registry()
    record = Record.from_dict(
        {
            "id": "r",
            "title": f"Please {REFUSED}",
            "origin": {"kind": "harvested", "source_id": "p", "remote_identifier": "oai:p:r"},
        }
    )
    rendered = render_record(RenderContext(registry), record)
    assert rendered.failures == (RenderFailure("r", PREFIX, REASON, "oai:p:r"),)
    assert str(rendered.failures[0]) == f"record 'r': format {PREFIX}: {REASON}"
    assert set(rendered.renderings) == {f.prefix for f in registry.outbound()} - {PREFIX}


def test_a_writer_bug_fails_its_format_only() -> None:
    bug = MetadataFormat("buggy", "urn:buggy", "urn:buggy.xsd", "1", "{urn:buggy}x", buggy_write)
    registry = Registry([*default_registry().all(), bug])
    rendered = render_record(RenderContext(registry), Record.from_dict({"id": "bug", "title": "T"}))
    assert [(f.prefix, f.reason) for f in rendered.failures] == [
        ("buggy", "KeyError: 'no such key'")
    ]
    assert "oai_dc" in rendered.renderings


def test_the_public_url_is_filled_in_unless_the_record_has_one() -> None:
    context = RenderContext(default_registry(), "https://hub.example.org/")
    plain = render_record(context, Record.from_dict({"id": "r", "title": "T"}))
    assert b"https://hub.example.org/records/r<" in plain.renderings["oai_dc"][0]
    own = Record.from_dict({"id": "r", "title": "T", "url": "https://elsewhere.example/r"})
    assert b"hub.example.org" not in render_record(context, own).renderings["oai_dc"][0]


def test_the_context_and_the_results_pickle_for_the_worker_pool() -> None:
    context = RenderContext(picky_registry(), "https://hub.example.org")
    copy = pickle.loads(pickle.dumps(context))
    record = Record.from_dict({"id": "r", "title": REFUSED})
    rendered = render_record(copy, record)
    assert pickle.loads(pickle.dumps(rendered)) == rendered
    assert rendered == render_record(context, record)


def test_the_store_renderer_keeps_failures_and_uses_renderings_made_ahead() -> None:
    context = RenderContext(picky_registry())
    made = Record.from_dict({"id": "made", "title": "T"})
    ahead = Rendered({"oai_dc": (b"<ahead/>", "1")}, (RenderFailure("made", PREFIX, "earlier"),))
    renderer = StoreRenderer(context, {"made": (made, ahead)})
    assert renderer(made) == {"oai_dc": (b"<ahead/>", "1")}
    # another object of the same id (a merged record) is rendered again
    merged = Record.from_dict({"id": "made", "title": f"Merged {REFUSED}"})
    assert PREFIX not in renderer(merged)
    assert [f.reason for f in renderer.failures] == ["earlier", REASON]


def test_hub_render_refuses_to_drop_a_format(tmp_path: Path) -> None:
    with make_hub(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as hub:
        hub.registry = picky_registry()
        assert PREFIX in hub.render(Record.from_dict({"id": "r", "title": "T"}))
        with pytest.raises(RenderError, match=f"record 'r': format {PREFIX}: {REASON}"):
            hub.render(Record.from_dict({"id": "r", "title": REFUSED}))
