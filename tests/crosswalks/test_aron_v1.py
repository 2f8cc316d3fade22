"""The ARON 2.0 render-model reader: the same record as the old API and the APUX export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crosswalks import CrosswalkError, read_document
from crosswalks.aron_json import read_json
from crosswalks.aron_v1 import entity_of_detail, labels_of_detail, parent_of_detail, read_detail
from oai.demo.aron import AronState
from oai.demo.aron_data import import_apux
from oai.demo.aron_v1 import render_model
from records.model import Record

SAMPLE = "aron_apux_archdesc-PA00870_P.xml"
PORTAL = "https://portal.example.cz/aron"


def _v1(state: AronState, uuid: str) -> dict[str, Any]:
    """The render model as it crosses the wire (JSON, nulls left out)."""
    model = render_model(state, uuid)
    assert model is not None
    return dict(json.loads(json.dumps(model)))


def _parent_type(state: AronState, detail: dict[str, Any]) -> str | None:
    parent = parent_of_detail(detail)
    return state.entities[parent]["type"] if parent else None


def test_apux_old_api_and_v1_give_the_same_records(samples_dir: Path) -> None:
    data = (samples_dir / SAMPLE).read_bytes()
    from_apux = read_document(data)
    state = AronState()
    state.load(import_apux(data))
    labels = {e["id"]: e["name"] for e in state.entities.values()}
    old = [json.loads(json.dumps(state.nested(r["id"]))) for r in from_apux]
    from_old = read_json(json.dumps(old).encode(), labels=labels)
    details = [_v1(state, r["id"]) for r in from_apux]
    from_v1 = [read_detail(d, parent_type=_parent_type(state, d)) for d in details]
    assert from_old == from_apux
    assert from_v1 == from_apux
    for record in from_v1:
        Record.from_dict(record)


def test_generated_units_through_both_apis_with_files_links_and_datings() -> None:
    state = AronState.generated(150, seed=5)
    labels = {e["id"]: e["name"] for e in state.entities.values()}
    for uuid in sorted(state.entities):
        old = read_json([json.loads(json.dumps(state.nested(uuid)))], portal=PORTAL, labels=labels)
        detail = _v1(state, uuid)
        new = read_detail(detail, portal=PORTAL, parent_type=_parent_type(state, detail))
        assert [new] == old, uuid


def test_references_are_named_by_the_render_model() -> None:
    state = AronState.generated(20, seed=5)
    fund = next(e for e in state.entities.values() if e["type"] == "FUND")
    labels = labels_of_detail(_v1(state, fund["id"]))
    institution = next(e for e in state.entities.values() if e["type"] == "INSTITUTION")
    assert labels == {institution["id"]: institution["name"]}


def test_treepath_gives_the_nested_parent_chain() -> None:
    state = AronState.generated(40, seed=5)
    leaf = next(e for e in state.entities.values() if e["type"] == "ARCH_DESC" and e["depth"] == 4)
    entity = entity_of_detail(_v1(state, leaf["id"]), "ARCH_DESC")
    chain = []
    node = entity["parent"]
    while node:
        chain.append(node["id"])
        node = node["parent"]
    expected, parent = [], leaf["parent"]
    while parent:
        expected.append(parent)
        parent = state.entities[parent]["parent"]
    assert chain == expected
    assert entity["parent"]["type"] == "ARCH_DESC"


@pytest.mark.parametrize("bad", [None, [], "x", {"name": "no uuid"}, {"uuid": "  "}])
def test_bad_render_models_are_clear_errors(bad: Any) -> None:
    with pytest.raises(CrosswalkError):
        read_detail(bad)
