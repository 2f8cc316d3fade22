"""The ARON 2.0 API client, against real servers on 127.0.0.1: the fake portal, and a
small misbehaving one (answers over the cap, not JSON, not the contract's shapes)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response
from werkzeug.serving import make_server

from oai.demo.aron import AronState, running
from oai.harvest.client import Client, ClientConfig
from oai.harvest.errors import HTTPStatusError, PageError, ResponseTooLarge, TransportError
from oai.harvest.kinds.aron_v1_api import AronV1API
from oai.harvest.kinds.aron_which import OLD, V1, resolve
from tests.servers import Background

CONFIG = ClientConfig(
    connect_timeout=2.0,
    read_timeout=0.5,
    max_retries=2,
    backoff_seconds=0.01,
    max_retry_after=0.05,
    max_response_bytes=200_000,
    request_deadline=5.0,
)


@pytest.fixture
def state() -> AronState:
    return AronState.generated(60, seed=5)


@pytest.fixture
def api(state: AronState) -> Iterator[AronV1API]:
    with running(state, api="v1") as base:
        yield AronV1API(Client(CONFIG), base)


def test_search_pages_and_refuses_the_window(api: AronV1API, state: AronState) -> None:
    page = api.search("ARCH_DESC", [], 0, 10)
    assert len(page.hits) == 10 and page.exact and page.bounds is not None
    assert all(h.apu_type == "ARCH_DESC" for h in page.hits)
    rest = api.search("ARCH_DESC", [], 10, 100)
    assert not {h.uuid for h in page.hits} & {h.uuid for h in rest.hits}
    with pytest.raises(HTTPStatusError) as refused:
        api.search("ARCH_DESC", [], 9_950, 100)  # beyond the window: a 400, not retried
    assert refused.value.status == 400
    assert api.dating_facet("ARCH_DESC") == "UNIT~DATE"


def test_detail_is_conditional_and_a_missing_unit_is_a_404(
    api: AronV1API, state: AronState
) -> None:
    uuid = sorted(state.entities)[0]
    first = api.detail(uuid)
    assert first.status == 200 and first.body and first.etag and first.last_modified
    again = api.detail(uuid, first.etag, first.last_modified)
    assert again.status == 304 and again.body is None and again.etag == first.etag
    state.update(uuid, name="Jiný název")  # a re-import of its source
    assert api.detail(uuid, first.etag, first.last_modified).status == 200
    assert api.exists("00000000-0000-4000-8000-000000000000") is False
    assert api.exists(uuid) is True


def test_cut_bodies_and_503s_are_asked_again(api: AronV1API, state: AronState) -> None:
    state.truncate(path="/v1/apu/search")
    state.fail(503, path="/v1/apu/search")
    assert api.search("FUND", [], 0, 5).hits
    state.truncate(path="/v1/apu/search", times=10)
    with pytest.raises(PageError):
        api.search("FUND", [], 0, 5)  # cut every time: a clear failure


def test_a_stall_past_the_read_timeout_is_a_transport_error(
    api: AronV1API, state: AronState
) -> None:
    state.stall(1.0, path="/system/info", times=10)
    with pytest.raises(TransportError):
        api.info()
    assert api.exists(sorted(state.entities)[0]) is True


def _misbehaving(answers: dict[str, Any]) -> Flask:
    app = Flask("misbehaving")

    @app.route("/aron/api/v1/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> Response:
        body = answers[path]
        if isinstance(body, bytes):
            return Response(body, mimetype="application/json")
        return Response(json.dumps(body), mimetype="application/json")

    return app


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("system/info", {"version": "1"}, PageError),  # not {name}
        ("system/info", b"<html>portal</html>", PageError),
        ("apu/search", {"items": [{"name": "no uuid"}], "total": 1}, PageError),
        ("apu/search", {"items": [{"uuid": "u"}] * 6, "total": 6}, PageError),  # > size
        ("apu/search", {"total": 1}, PageError),
        ("apu/search", b"[" * 150_000 + b"]" * 150_000, ResponseTooLarge),  # over the cap
        ("apu/search", b"[" * 50_000 + b"]" * 50_000, PageError),  # nested absurdly deep
        ("apu/u1", [1, 2], PageError),  # not an ApuDetail
    ],
)
def test_answers_off_the_contract_are_clear_errors(path: str, body: Any, error: type) -> None:
    server = make_server("127.0.0.1", 0, _misbehaving({path: body}), threaded=True)
    with Background(server):
        api = AronV1API(Client(CONFIG), f"http://127.0.0.1:{server.server_port}/aron/api/v1")
        started = time.monotonic()
        call = {
            "system/info": api.info,
            "apu/search": lambda: api.search("FUND", [], 0, 5),
        }.get(path, lambda: api.detail("u1"))
        with pytest.raises(error):
            call()
        assert time.monotonic() - started < 5


def test_which_api_a_url_speaks(state: AronState) -> None:
    client = Client(CONFIG)
    assert resolve(client, "https://x.example/aron/api/v1/") == (
        V1,
        "https://x.example/aron/api/v1",
    )
    assert resolve(client, "https://x.example/aron/api/aron") == (
        OLD,
        "https://x.example/aron/api/aron",
    )
    with running(state, api="portal") as portal:
        assert resolve(client, portal) == (V1, f"{portal}/api/v1")
    old_only = make_server("127.0.0.1", 0, _misbehaving({}), threaded=True)
    with Background(old_only):
        bare = f"http://127.0.0.1:{old_only.server_port}/aron"
        assert resolve(client, bare) == (OLD, f"{bare}/api/aron")  # /system/info: a 404


def test_children_come_window_by_window(api: AronV1API, state: AronState) -> None:
    state.tree_window = 2
    series = next(e for e in state.entities.values() if e["childCnt"] > 4 and e["depth"] == 3)
    expected = sorted(
        (e for e in state.entities.values() if e["parent"] == series["id"]),
        key=lambda e: e["pos"],
    )
    found = api.children(series["id"])
    assert [n.uuid for n in found] == [e["id"] for e in expected]
    assert all(n.children == 0 for n in found)
    assert api.children(found[0].uuid) == []
