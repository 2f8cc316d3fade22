"""The fake ARON portal answers as ARON's controllers do, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from oai.demo.aron import AronState, running
from oai.demo.aron_data import generate


@pytest.fixture
def state() -> AronState:
    return AronState.generated(120, ghost_every=10)


@pytest.fixture
def url(state: AronState) -> Iterator[str]:
    with running(state) as base:
        yield base


def _post(url: str, path: str, body: Any, **kwargs: Any) -> requests.Response:
    return requests.post(f"{url}{path}", json=body, timeout=5, **kwargs)


def test_generated_data_is_deterministic_and_czech() -> None:
    first, again = generate(200, seed=3), generate(200, seed=3)
    assert first == again and len(first) == 200
    assert generate(200, seed=4) != first
    kinds = {e["type"] for e in first}
    assert kinds == {"INSTITUTION", "FUND", "FINDING_AID", "ARCH_DESC"}
    text = json.dumps(first, ensure_ascii=False)
    assert "Korespondence" in text or "Jednací protokol" in text
    assert any(e["digitalObjects"] for e in first)
    assert "valueFromEstimated" in text and "https://archiv.example.cz" in text


def test_listview_pages_with_string_search_after_to_the_empty_page(
    url: str, state: AronState
) -> None:
    seen: list[str] = []
    body: dict[str, Any] = {"size": 25}
    short = False
    while True:
        page = _post(url, "/apu/listview", body).json()
        assert set(page) == {"items", "count", "searchAfter", "aggregations"}
        assert page["aggregations"] is None and page["count"] == len(state.index())
        if not page["items"]:
            assert page["searchAfter"] == body["searchAfter"]  # given back as received
            break
        short = short or len(page["items"]) < 25
        assert set(page["items"][0]) == {"id", "name", "description", "order"}
        seen.extend(item["id"] for item in page["items"])
        assert isinstance(page["searchAfter"], str)
        assert json.loads(page["searchAfter"]) == [max(seen)] or short
        body["searchAfter"] = page["searchAfter"]
    assert short, "ghosts make pages shorter than size before the end"
    assert seen == sorted(state.entities)  # every entity once, by id ascending


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"size": None}, 400),
        ({"size": -2}, 400),
        ({"size": "ten"}, 400),
        ({"searchAfter": ["abc"]}, 400),
        ({"searchAfter": "not json"}, 400),
        ({"offset": 9995, "size": 10}, 500),
        ({"size": -1, "offset": 1}, 500),
        ({"filters": [{"operation": "FTX", "value": "x"}]}, 400),
        ({"filters": [{"operation": "EQ", "field": "parent", "value": "x"}]}, 400),
        ({"sort": [{"field": "name"}]}, 400),
    ],
)
def test_params_are_checked(url: str, body: dict[str, Any], status: int) -> None:
    response = _post(url, "/apu/listview", body)
    assert response.status_code == status
    error = response.json()
    assert error["status"] == status and error["path"] == "POST: /api/aron/apu/listview"


def test_size_default_and_minus_one(url: str, state: AronState) -> None:
    assert len(_post(url, "/apu/listview", None).json()["items"]) <= 10
    everything = _post(url, "/apu/listview", {"size": -1}).json()["items"]
    assert len(everything) == len(state.entities)


def test_filters(url: str, state: AronState) -> None:
    funds = {i for i, e in state.entities.items() if e["type"] == "FUND"}
    some = sorted(state.entities)[:5]

    def ids(filters: list[dict[str, Any]]) -> set[str]:
        page = _post(url, "/apu/list", {"size": -1, "filters": filters}).json()
        return {item["id"] for item in page["items"]}

    assert ids([{"operation": "EQ", "field": "type", "value": "FUND"}]) == funds
    kinds = {"operation": "IN", "field": "type", "values": ["FUND", "INSTITUTION"]}
    assert funds < ids([kinds])
    assert ids([{"operation": "IDS", "ids": some}]) == set(some)
    both = {"operation": "AND", "filters": [{"operation": "IDS", "ids": some}, kinds]}
    assert ids([both]) == set(some) & ids([kinds])
    either = {"operation": "OR", "filters": [{"operation": "IDS", "ids": some[:2]}]}
    assert ids([either]) == set(some[:2])
    negated = {"operation": "NOT", "filters": [{"operation": "IDS", "ids": some}]}
    assert ids([negated]) == set(state.entities) - set(some)


def test_list_gives_full_entities_with_nested_parents_gzipped(url: str) -> None:
    files = {"operation": "EQ", "field": "type", "value": "ARCH_DESC"}
    response = _post(
        url, "/apu/list", {"size": 50, "filters": [files]}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["Content-Encoding"] == "gzip"
    deepest = max(response.json()["items"], key=lambda e: e["depth"])
    assert deepest["parts"][0]["items"] and deepest["parent"]["parent"]["id"]
    simple = _post(url, "/apu/listsimple", {"size": 3}).json()["items"]
    assert all("parts" in e and "type" not in e and "parent" not in e for e in simple)


def test_get_entity_views_and_the_404_body(url: str, state: AronState) -> None:
    some = sorted(state.entities)[:3]
    entity = requests.get(f"{url}/apu/{some[0]}", timeout=5).json()
    assert entity["id"] == some[0] and entity["published"] is False
    missing = requests.get(f"{url}/apu/00000000-0000-4000-8000-000000000000", timeout=5)
    assert missing.status_code == 404
    body = missing.json()
    assert body["path"] == "GET: /api/aron/apu/00000000-0000-4000-8000-000000000000"
    assert {"status", "error", "message", "timestamp"} <= body.keys()
    views = requests.get(f"{url}/apu/views", params={"ids": ",".join(some)}, timeout=5).json()
    assert [v["id"] for v in views] == some
    too_many = ",".join(sorted(state.entities)[:101])
    assert requests.get(f"{url}/apu/views", params={"ids": too_many}, timeout=5).status_code == 400


def test_writes_are_refused_and_recorded(url: str, state: AronState) -> None:
    some = next(iter(state.entities))
    assert requests.post(f"{url}/apu", json={}, timeout=5).status_code == 405
    assert requests.put(f"{url}/apu/{some}", json={}, timeout=5).status_code == 405
    assert requests.delete(f"{url}/apu/{some}", timeout=5).status_code == 405
    assert [m for m, _ in state.writes] == ["POST", "PUT", "DELETE"]
    assert some in state.entities


def test_faults_and_reimport(url: str, state: AronState) -> None:
    state.fail(503, path="/listview")
    state.fail(500, path="/apu/listview", after=1)
    assert _post(url, "/apu/listview", {}).status_code == 503
    assert _post(url, "/apu/listview", {}).status_code == 200  # let pass: `after`
    assert _post(url, "/apu/listview", {}).status_code == 500
    assert _post(url, "/apu/list", {}).status_code == 200
    assert _post(url, "/apu/listview", {}).status_code == 200
    state.stall(0.4, path="/listview")
    started = time.monotonic()
    _post(url, "/apu/listview", {})
    assert time.monotonic() - started >= 0.4
    victim = sorted(state.entities)[0]
    before = json.dumps(state.entities[victim]["parts"])
    state.start_reimport([victim])
    assert requests.get(f"{url}/apu/{victim}", timeout=5).status_code == 404
    listed = {i["id"] for i in _post(url, "/apu/listview", {"size": -1}).json()["items"]}
    assert victim not in listed
    state.finish_reimport()
    assert requests.get(f"{url}/apu/{victim}", timeout=5).status_code == 200
    assert json.dumps(state.entities[victim]["parts"]) != before  # new part and item ids
