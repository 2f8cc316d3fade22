"""The fake portal's ARON 2.0 API (`/aron/api/v1`): the contract's shapes and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from oai.demo.aron import AronState, running

DETAIL_REQUIRED = {
    "uuid", "name", "apuType", "childCount", "treePath", "parts", "attachments", "digitalObjects",
}  # fmt: skip
NODE_REQUIRED = {"uuid", "name", "depth", "pos", "childCount"}


@pytest.fixture
def state() -> AronState:
    return AronState.generated(60, seed=5)


@pytest.fixture
def url(state: AronState) -> Iterator[str]:
    with running(state, api="v1") as base:
        yield base


def _search(url: str, **body: Any) -> requests.Response:
    return requests.post(f"{url}/apu/search", json=body, timeout=5)


def _nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is None or _nulls(v) for v in value.values())
    if isinstance(value, list):
        return any(_nulls(v) for v in value)
    return False


@pytest.mark.parametrize(
    "body",
    [
        {"size": 0},
        {"size": 101},
        {"from": -1},
        {"from": 9_991, "size": 10},  # beyond the window of 10,000
        {"apuType": "BOOK"},
        {"sort": "RANDOM"},
        {"apuType": "FUND", "filters": [{"kind": "VALUES", "facet": "NOPE", "values": []}]},
        {"filters": [{"kind": "RANGE", "facet": "UNIT~DATE", "from": "1800"}]},  # no section
    ],
)
def test_bad_searches_are_400s(url: str, body: dict[str, Any]) -> None:
    assert _search(url, **body).status_code == 400


def test_search_pages_deterministically_with_blank_names_last(url: str, state: AronState) -> None:
    blank = sorted(i for i, e in state.entities.items() if e["type"] == "ARCH_DESC")[0]
    state.update(blank, name="")
    first = _search(url, apuType="ARCH_DESC", size=100, sort="NAME").json()
    assert set(first) >= {"total", "totalRelation", "queryMode", "items", "facets"}
    items = first["items"]
    assert items[-1]["uuid"] == blank and first["total"] == len(items)
    names = [i["name"].casefold() for i in items[:-1]]
    assert names == sorted(names)
    assert all(set(i) <= {"uuid", "name", "description", "apuType", "containsDigitalObjects"}
               for i in items)  # fmt: skip
    again = _search(url, apuType="ARCH_DESC", size=100, sort="NAME").json()
    assert again["items"] == items
    (dating,) = first["facets"]
    assert dating["kind"] == "DATING" and dating["bounds"]["minYear"] <= dating["bounds"]["maxYear"]


def test_a_dating_range_leaves_the_undated_out_unless_asked(url: str, state: AronState) -> None:
    kind = {"apuType": "ARCH_DESC", "size": 100}
    everything = _search(url, **kind).json()["total"]
    wide = {"kind": "RANGE", "facet": "UNIT~DATE", "from": "1000", "to": "2100"}
    dated = _search(url, filters=[wide], **kind).json()["total"]
    undated_only = {"kind": "RANGE", "facet": "UNIT~DATE", "from": "3000", "to": "3000"}
    undated = _search(url, filters=[undated_only | {"includeUndated": True}], **kind).json()
    assert dated + undated["total"] == everything and undated["total"] > 0


def test_detail_render_model_and_conditional_requests(url: str, state: AronState) -> None:
    leaf = next(e for e in state.entities.values() if e["depth"] == 4 and e["digitalObjects"])
    answer = requests.get(f"{url}/apu/{leaf['id']}", timeout=5)
    detail = answer.json()
    assert set(detail) >= DETAIL_REQUIRED and not _nulls(detail)
    path = detail["treePath"]
    assert path[-1]["uuid"] == leaf["id"] and len(path) == 5
    assert all(set(n) >= NODE_REQUIRED for n in path)
    kinds = {i["kind"] for p in detail["parts"] for i in p["items"]}
    assert kinds <= {"TEXT", "UNITDATE", "LINK", "REF", "JSON"} and "UNITDATE" in kinds
    assert detail["digitalObjects"][0]["files"][0]["id"]
    etag, modified = answer.headers["ETag"], answer.headers["Last-Modified"]
    unchanged = requests.get(f"{url}/apu/{leaf['id']}", headers={"If-None-Match": etag}, timeout=5)
    assert unchanged.status_code == 304 and not unchanged.content
    since = requests.get(
        f"{url}/apu/{leaf['id']}", headers={"If-Modified-Since": modified}, timeout=5
    )
    assert since.status_code == 304
    state.start_reimport([path[0]["uuid"]])  # its source's root re-imported
    state.finish_reimport()
    moved = requests.get(f"{url}/apu/{leaf['id']}", headers={"If-None-Match": etag}, timeout=5)
    assert moved.status_code == 200 and moved.headers["ETag"] != etag


def test_withdrawn_units_vanish_from_search_and_their_detail_is_a_404(
    url: str, state: AronState
) -> None:
    fund = next(e for e in state.entities.values() if e["type"] == "FUND")
    state.start_reimport([fund["id"]])
    assert requests.get(f"{url}/apu/{fund['id']}", timeout=5).status_code == 404
    hits = _search(url, apuType="FUND", size=100).json()["items"]
    assert fund["id"] not in {h["uuid"] for h in hits}


def test_tree_windows_and_system_info(url: str, state: AronState) -> None:
    series = next(e for e in state.entities.values() if e["childCnt"] > 3 and e["depth"] == 3)
    under = requests.get(f"{url}/apu/{series['id']}/tree?direction=UNDER", timeout=5).json()
    assert [n["pos"] for n in under] == list(range(1, series["childCnt"] + 1))
    after = requests.get(f"{url}/apu/{under[0]['uuid']}/tree?direction=AFTER", timeout=5).json()
    assert [n["uuid"] for n in after] == [n["uuid"] for n in under[1:]]
    before = requests.get(f"{url}/apu/{under[-1]['uuid']}/tree?direction=BEFORE", timeout=5)
    assert [n["uuid"] for n in before.json()] == [n["uuid"] for n in under[:-1]]
    bad = requests.get(f"{url}/apu/{series['id']}/tree?direction=SIDEWAYS", timeout=5)
    assert bad.status_code == 400
    info = requests.get(f"{url}/system/info", timeout=5).json()
    assert isinstance(info["name"], str) and info["version"]
