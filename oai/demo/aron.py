"""A fake ARON portal API (elzasw/aron): the demo's Czech partner and the tests' server.

It answers what the `aron` kind uses, in the shapes of ARON's Java controllers
(`ApuApi`, `DomainApi`, `Params`, `Result`, `RestException`), under `/aron/api/aron`:

- `POST /apu/listview`, `/apu/list`, `/apu/listsimple` with a `Params` body: `size`
  (default 10, -1 means 10,000; null or below -1 is a 400), `offset` (offset + size over
  10,000 is a 500, as the search engine answers), `searchAfter` (a JSON *string* holding
  an array; a raw array is a 400), `filters` (EQ, IN, IDS, AND, OR, NOT on `id`, `name`,
  `type`; any other field or operation is a 400); always sorted by `id` ascending. A page
  drops index entries missing from the "database" (ghosts), so it can be shorter than
  `size` before the end; only an empty page ends. Result: `{items, count, searchAfter,
  aggregations: null}`; gzip when the client accepts it.
- `GET /apu/{id}` (the parent chain nested) or ARON's 404 body; `GET /apu/views?ids=`.
- Any write (`POST /apu`, `PUT` or `DELETE /apu/{id}`, ...) is refused with a 405 and
  recorded in `AronState.writes` (the real server would accept it).

`AronState` holds the entities and the fault hooks tests use: fail or stall chosen
requests, and a partner "re-import" that gives entities new part and item ids and hides
them from lists and GET until it finishes. Run it alone (the demo partner of `make run`)
with `python -m oai.demo.aron [--port 5002] [--count 60]`.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import logging
import signal
import threading
import time
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

from oai.demo.aron_state import AronState
from oai.demo.aron_v1 import V1_PATH, add_v1_routes

__all__ = [
    "BASE_PATH",
    "DEFAULT_PORT",
    "DEMO_COUNT",
    "PORTAL_PATH",
    "V1_PATH",
    "AronState",
    "aron_app",
    "aron_server",
    "running",
]

BASE_PATH = "/aron/api/aron"
PORTAL_PATH = "/aron"
DEFAULT_PORT = 5002
DEMO_COUNT = 60  # entities of the demo partner of `make run`
LIMIT = 10_000
_FIELDS = {"id", "name", "type"}
_VIEW = ("id", "name", "description", "order")
_SIMPLE_DROP = ("type", "parent")


class BadRequest(Exception):
    """A 400 with ARON's error body."""


def _error(status: int, message: str, exception: str) -> Response:
    """ARON's error body (`RestException`): status, error, path, timestamp, ..."""
    phrase = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(
        status, "Internal Server Error" if status == 500 else "Service Unavailable"
    )
    body = {
        "status": status,
        "error": phrase,
        "path": f"{request.method}: {request.path.removeprefix('/aron')}",
        "timestamp": datetime.now(UTC).isoformat(),
        "code": None,
        "exception": exception,
        "message": message,
        "cause": None,
        "details": None,
    }
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _int(params: dict[str, Any], key: str, default: int | None) -> int | None:
    value = params.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{key}: not an integer")
    if value < -1:
        raise BadRequest(f"{key}: must be greater than or equal to -1")
    return value


def _search_after(params: dict[str, Any]) -> tuple[str | None, str | None]:
    """(the string as sent, the id after which the page starts)."""
    raw = params.get("searchAfter")
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        raise BadRequest("searchAfter: Cannot deserialize value of type `java.lang.Object[]`")
    try:
        values = json.loads(raw)
    except ValueError:
        raise BadRequest("searchAfter: not a JSON array") from None
    if not isinstance(values, list) or not values or not isinstance(values[-1], str):
        raise BadRequest("searchAfter: not a JSON array of sort values")
    return raw, values[-1]


def _matcher(spec: Any) -> Any:
    """A predicate over entities from one filter of `Params.filters`; unknown -> 400."""
    if not isinstance(spec, dict):
        raise BadRequest("filter: not an object")
    op = spec.get("operation")
    if op in ("AND", "OR", "NOT"):
        subs = [_matcher(s) for s in spec.get("filters") or []]
        if op == "AND":
            return lambda e: all(m(e) for m in subs)
        if op == "OR":
            return lambda e: any(m(e) for m in subs)
        return lambda e: not all(m(e) for m in subs) if subs else True
    if op == "IDS":
        ids = spec.get("ids")
        if not isinstance(ids, list):
            raise BadRequest("IDS filter: ids must be a list")
        wanted = set(ids)
        return lambda e: e["id"] in wanted
    if op not in ("EQ", "IN"):
        raise BadRequest(f"Unknown filter operation {op!r}")
    name = spec.get("field")
    if name not in _FIELDS:
        raise BadRequest(f"No mapping found for field {name!r}")
    values = {spec.get("value")} if op == "EQ" else set(spec.get("values") or [])
    # a ghost was indexed with its fields: it matches, then drops out of the page
    return lambda e: e.get("_ghost", False) or e.get(name) in values


def _ids_of(filters: list[Any], index: list[str]) -> list[str]:
    """The index entries a top-level IDS filter allows (the whole index without one)."""
    for spec in filters:
        if isinstance(spec, dict) and spec.get("operation") == "IDS":
            present = set(index)
            return sorted(i for i in spec.get("ids") or [] if i in present)
    return index


def _list(state: AronState, shape: str) -> Response:
    params = request.get_json(silent=True) if request.data else {}
    if not isinstance(params, dict):
        raise BadRequest("body: not a Params object")
    size = _int(params, "size", 10)
    if size is None:
        raise BadRequest("size: must not be null")
    size = LIMIT if size == -1 else size
    offset = _int(params, "offset", None) or 0
    if params.get("sort"):
        raise BadRequest("the fake portal sorts by id only")
    raw, after = _search_after(params)
    matchers = [_matcher(f) for f in params.get("filters") or []]
    if raw is None and offset + size > LIMIT:
        return _error(500, "Result window is too large", "SearchPhaseExecutionException")
    with state.lock:
        index = state.index()
        start = bisect.bisect_right(index, after) if after is not None else offset

        def visible(entity_id: str) -> bool:
            entity = state.entities.get(entity_id) or {"id": entity_id, "_ghost": True}
            return all(m(entity) for m in matchers)

        key = json.dumps(params.get("filters") or [], sort_keys=True)
        if not matchers:
            hits = index
        elif key in state.cache:
            hits = state.cache[key]
        else:
            candidates = _ids_of(params.get("filters") or [], index)
            hits = [i for i in candidates if visible(i)]
            if len(state.cache) < 100:
                state.cache[key] = hits
        if matchers and after is not None:
            start = bisect.bisect_right(hits, after)
        page_ids = hits[start : start + size]
        count = len(hits)
    items = [_shape(state, i, shape) for i in page_ids]
    result = {
        "items": [i for i in items if i is not None],  # ghosts drop out: a short page
        "count": count,
        "searchAfter": json.dumps([page_ids[-1]]) if page_ids else raw,
        "aggregations": None,
    }
    return _json(result)


def _shape(state: AronState, entity_id: str, shape: str) -> dict[str, Any] | None:
    if shape == "list":
        return state.nested(entity_id)
    entity = state.entities.get(entity_id)
    if entity is None:
        return None
    if shape == "listview":
        return {k: entity.get(k) for k in _VIEW}
    return {k: v for k, v in entity.items() if k not in _SIMPLE_DROP}


def _json(data: Any) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    response = Response(body, mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, compresslevel=1))
        response.headers["Content-Encoding"] = "gzip"
    return response


def aron_app(state: AronState) -> Flask:
    """The fake portal's WSGI app over `state`."""
    app = Flask("oai.demo.aron")

    @app.before_request
    def before() -> Response | None:
        body = request.get_json(silent=True) if request.data else None
        with state.lock:
            state.requests.append((request.method, request.path, body))
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        if request.method not in ("GET", "HEAD") and not request.path.endswith(
            ("/apu/listview", "/apu/list", "/apu/listsimple", "/v1/apu/search")
        ):
            with state.lock:
                state.writes.append((request.method, request.path))
            return _error(405, "the fake portal refuses every write", "WriteRefused")
        fault = state.fault_for(request.path, request.get_data(as_text=True))
        request.aron_fault = fault  # type: ignore[attr-defined]  # a cut body, answered later
        if fault and fault.stall:
            time.sleep(fault.stall)
        if fault and fault.status:
            response = _error(fault.status, "injected fault", "InjectedFault")
            if fault.status == 503:
                response.headers["Retry-After"] = "1"
            return response
        return None

    @app.teardown_request
    def after(_exc: BaseException | None) -> None:
        with state.lock:
            state.in_flight -= 1

    @app.errorhandler(BadRequest)
    def bad(exc: BadRequest) -> Response:
        return _error(400, str(exc), "HttpMessageNotReadableException")

    add_v1_routes(app, state)

    @app.errorhandler(404)
    def missing(_exc: Exception) -> Response:
        return _error(404, "no such endpoint", "NoHandlerFoundException")

    for shape in ("listview", "list", "listsimple"):
        app.add_url_rule(
            f"{BASE_PATH}/apu/{shape}",
            f"list_{shape}",
            lambda shape=shape: _list(state, shape),
            methods=["POST"],
        )

    @app.get(f"{BASE_PATH}/apu/views")
    def views() -> Response:
        ids = [i for i in request.args.get("ids", "").split(",") if i]
        if len(ids) > 100:
            raise BadRequest("ids: SIZE_TOO_BIG")
        found = [_shape(state, i, "listview") for i in ids if i not in state.hidden]
        return _json([v for v in found if v is not None])

    @app.get(f"{BASE_PATH}/apu/<entity_id>")
    def get(entity_id: str) -> Response:
        entity = state.nested(entity_id)
        if entity is None:
            message = (
                "MissingObject{clazz=class cz.aron.core.model.ApuEntity, "
                f"idProperty='id', id='{entity_id}', errorCode=null}}"
            )
            return _error(404, message, "cz.inqool.eas.common.exception.MissingObject")
        return _json(entity)

    return app


def aron_server(state: AronState, port: int = 0, host: str = "127.0.0.1") -> BaseWSGIServer:
    """A threaded server of the fake portal (call `serve_forever`, then `shutdown`)."""
    return make_server(host, port, aron_app(state), threaded=True)


class running:
    """The fake portal on 127.0.0.1 in a thread; the context gives the base URL of its
    old API (`api="old"`), of ARON 2.0's (`"v1"`) or the portal's root (`"portal"`)."""

    def __init__(self, state: AronState, port: int = 0, api: str = "old") -> None:
        self.server = aron_server(state, port)
        self.api = api
        # a short poll: leaving the context waits for the serving loop to notice (0.5 s
        # by default), and tests enter and leave it many times
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        root = f"http://127.0.0.1:{self.server.server_port}"
        path = {"v1": V1_PATH, "portal": PORTAL_PATH}.get(self.api, BASE_PATH)
        return f"{root}{path}"

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m oai.demo.aron", description=__doc__)
    parser.add_argument("--port", default=DEFAULT_PORT, type=int)
    parser.add_argument("--count", default=DEMO_COUNT, type=int, help="entities to generate")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = aron_server(AronState.generated(args.count), args.port)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"DEMO ARON partner (generated demo data, not the National Archives): {args.count} "
        f"entities; old API http://127.0.0.1:{args.port}{BASE_PATH}, ARON 2.0 API"
        f" http://127.0.0.1:{args.port}{V1_PATH}",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
