"""ARON 2.0's REST API (`/api/v1`) over the fake portal's entities, built from the
contract (elzasw/aron `api/main.tsp`, OpenAPI `aron-openapi-v1.yaml`, version 1.0).

Served beside the old API by `oai.demo.aron` (under `/aron/api/v1`):

- `GET /system/info` -> `{name, version}`;
- `GET /facets?apuType=` -> the section's facets: one UNITDATE facet `UNIT~DATE`;
- `POST /apu/search` `{apuType?, query?, filters?, from, size, sort, totalUpTo?}`: `from`
  >= 0, `size` 1..100, `from + size` beyond `AronState.window` is a 400; filters are RANGE
  on `UNIT~DATE` (a unit matches when one of its datings meets [from, to]; undated ones
  only with `includeUndated`) or RELATED; any other facet or kind is a 400. Sorts are
  deterministic (name, then uuid; blank names last). Hits: `uuid, name, description?,
  apuType, containsDigitalObjects`; `total` exact up to `totalUpTo` (10,000 by default);
- `GET /apu/{uuid}`: the render model, with `ETag`/`Last-Modified` that follow the
  publish stamp of the unit's whole source (`AronState.stamps`), 304 on a match;
- `GET /apu/{uuid}/tree?direction=BEFORE|AFTER|UNDER`: windows of `tree_window` nodes.

Null fields are left out, as the real server does. A unit hidden by a re-import, or
deleted, is missing from search and its detail is a 404.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from flask import Flask, Response, request

from oai.demo.aron_state import AronState

__all__ = ["V1_PATH", "add_v1_routes", "render_model"]

V1_PATH = "/aron/api/v1"
TYPES = ("ARCH_DESC", "COLLECTION", "ENTITY", "FINDING_AID", "FUND", "INSTITUTION")
DATING = "UNIT~DATE"
_SORTS = ("AUTO", "RELEVANCE", "NAME", "NAME_DESC", "DATE_ASC", "DATE_DESC")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_FORMAT = {"C": "CENTURY", "Y": "YEAR", "YM": "MONTH", "D": "DAY", "DT": "TIME"}
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class V1Error(Exception):
    """A 4xx of the v1 API, with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _clean(value: Any) -> Any:
    """Null fields left out, at any depth (the server's Jackson NON_NULL)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _datings(entity: dict[str, Any]) -> list[tuple[int, int]]:
    """(first year, last year) of each of the unit's UNIT~DATE items."""
    found: list[tuple[int, int]] = []

    def walk(parts: Any) -> None:
        for part in parts or []:
            for item in part.get("items") or []:
                if item.get("type") != DATING:
                    continue
                try:
                    data = json.loads(item.get("value") or "")
                    start = int(str(data["from"])[:4])
                    end = int(str(data.get("to") or data["from"])[:4])
                except (ValueError, KeyError, TypeError):
                    continue
                found.append((start, end))
            walk(part.get("childParts"))

    walk(entity.get("parts"))
    return found


def _dating_item(item: dict[str, Any], label: str) -> dict[str, Any]:
    data = json.loads(item["value"])
    fmt = str(data.get("format") or "D").split("-")
    start, end = data.get("from"), data.get("to")
    shown = f"{str(start)[:4]}–{str(end)[:4]}" if end and end[:4] != start[:4] else str(start)[:4]
    return {
        "kind": "UNITDATE",
        "code": item["type"],
        "label": label,
        "value": shown,
        "from": start,
        "to": end,
        "fromPrecision": _FORMAT.get(fmt[0], "DAY"),
        "toPrecision": _FORMAT.get(fmt[-1], "DAY"),
        "fromEstimated": data.get("valueFromEstimated") or None,
        "toEstimated": data.get("valueToEstimated") or None,
    }


def _detail_item(state: AronState, item: dict[str, Any]) -> dict[str, Any]:
    code, value = item.get("type") or "", item.get("value")
    label = code.replace("~", " ").title()
    if item.get("href"):
        return {
            "kind": "LINK",
            "code": code,
            "label": label,
            "href": item["href"],
            "caption": value or item["href"],
        }
    if code == DATING and _datings({"parts": [{"items": [item]}]}):
        return _dating_item(item, label)
    if code == "JSON":
        return {"kind": "JSON", "code": code, "label": label, "json": value}
    target = state.entities.get(value or "") if isinstance(value, str) else None
    if target is not None and _UUID.match(value or ""):
        ref = {"uuid": value, "name": target["name"], "description": target.get("description")}
        return {"kind": "REF", "code": code, "label": label, "ref": ref}
    return {"kind": "TEXT", "code": code, "label": label, "value": value}


def _parts(state: AronState, parts: Any) -> list[dict[str, Any]]:
    """Parts flattened in document order, invisible items left out, empty parts too."""
    out: list[dict[str, Any]] = []
    for part in parts or []:
        items = [_detail_item(state, i) for i in part.get("items") or [] if i.get("visible", True)]
        if items:
            code = part.get("type") or ""
            out.append(
                {
                    "code": code,
                    "label": code.replace("~", " ").title(),
                    "viewType": "STANDALONE",
                    "value": part.get("value"),
                    "items": items,
                }
            )
        out.extend(_parts(state, part.get("childParts")))
    return out


def _node(entity: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": entity["id"],
        "name": entity.get("name") or "",
        "description": entity.get("description"),
        "depth": entity.get("depth", 0),
        "pos": entity.get("pos", 0),
        "childCount": entity.get("childCnt", 0),
    }


def _tree_path(state: AronState, entity: dict[str, Any]) -> list[dict[str, Any]]:
    path, node, seen = [entity], entity, 0
    while node.get("parent") in state.entities and seen < 1000:
        node, seen = state.entities[node["parent"]], seen + 1
        path.append(node)
    return [_node(n) for n in reversed(path)]


def _file(file: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": file.get("id"),
        "fileType": file.get("type"),
        "name": file.get("name"),
        "contentType": file.get("contentType"),
        "size": file.get("size"),
    }


def render_model(state: AronState, entity_id: str) -> dict[str, Any] | None:
    """The v1 detail of a unit (None: not published, or hidden by a re-import)."""
    entity = state.entities.get(entity_id)
    if entity is None or entity_id in state.hidden:
        return None
    model: dict[str, Any] = _clean(
        {
            "uuid": entity["id"],
            "name": entity.get("name") or "",
            "description": entity.get("description"),
            "apuType": entity.get("type"),
            "permalink": entity.get("permalink"),
            "childCount": entity.get("childCnt", 0),
            "treePath": _tree_path(state, entity),
            "parts": _parts(state, entity.get("parts")),
            "attachments": [
                {"name": a.get("name"), "file": _file(a["file"]) if a.get("file") else None}
                for a in entity.get("attachments") or []
            ],
            "digitalObjects": [
                {
                    "uuid": d.get("id"),
                    "name": d.get("name"),
                    "permalink": d.get("permalink"),
                    "files": [_file(f) for f in d.get("files") or []],
                }
                for d in entity.get("digitalObjects") or []
            ],
        }
    )
    return model


def _validators(state: AronState, entity_id: str) -> tuple[str, str]:
    """(ETag, Last-Modified) of a unit: its source's publish stamp."""
    root = state.root(entity_id)
    stamp = state.stamps.get(root, 0)
    tag = hashlib.sha256(f"{root}:{stamp}".encode()).hexdigest()[:20]
    when = _EPOCH + timedelta(minutes=stamp) + timedelta(seconds=int(root[:4], 16) % 3600)
    return f'"{tag}"', format_datetime(when, usegmt=True)


def _conditional(state: AronState, entity_id: str, body: Callable[[], Any]) -> Response:
    """A 304 when the request's validators still hold, else `body()` (made only then)."""
    etag, modified = _validators(state, entity_id)
    if request.headers.get("If-None-Match") == etag or (
        not request.headers.get("If-None-Match")
        and request.headers.get("If-Modified-Since") == modified
    ):
        response = Response(status=304)
        with state.lock:
            state.not_modified += 1
    else:
        response = _json(body())
    response.headers["ETag"], response.headers["Last-Modified"] = etag, modified
    return response


def _json(data: Any) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    fault = getattr(request, "aron_fault", None)
    if fault is not None and fault.cut:
        body = body[: max(1, len(body) // 2)]  # a body cut short, as a dropped proxy does
    response = Response(body, mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, compresslevel=1))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _int(body: dict[str, Any], key: str, default: int, low: int, high: int | None) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise V1Error(400, f"{key}: must be an integer >= {low}")
    if high is not None and value > high:
        raise V1Error(400, f"{key}: must be <= {high}")
    return value


def _range(state: AronState, spec: dict[str, Any]) -> Any:
    def year(value: Any, default: int) -> int:
        if value is None:
            return default
        try:
            return int(str(value)[:4])
        except ValueError:
            raise V1Error(400, f"RANGE bound {value!r} is not a year or a date") from None

    low, high = year(spec.get("from"), -10_000), year(spec.get("to"), 10_000)
    undated = spec.get("includeUndated") is True and state.knows_include_undated

    def match(entity: dict[str, Any]) -> bool:
        datings = _datings(entity)
        if not datings:
            return undated
        return any(start <= high and end >= low for start, end in datings)

    return match


def _filter(state: AronState, spec: Any, kind: str | None) -> Any:
    """A predicate over units from one filter; a facet the section lacks is a 400."""
    if not isinstance(spec, dict):
        raise V1Error(400, "filter: not an object")
    if spec.get("kind") == "RELATED" and spec.get("facet") == "~RELATED":
        wanted = {str(a) for a in spec.get("apus") or []}
        return lambda e: bool(wanted & {i.get("value") for p in e["parts"] for i in p["items"]})
    if kind is None or spec.get("facet") != DATING:
        raise V1Error(400, f"unknown facet {spec.get('facet')!r} for {kind or 'all types'}")
    if spec.get("kind") != "RANGE":
        raise V1Error(400, f"facet {DATING} takes RANGE filters, not {spec.get('kind')!r}")
    return _range(state, spec)


def _sorted(units: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    def by_name(e: dict[str, Any]) -> tuple[bool, str, str]:
        name = " ".join(str(e.get("name") or "").split()).casefold()
        return (not name, name, e["id"])

    if sort == "NAME_DESC":
        named = sorted((e for e in units if by_name(e)[1]), key=by_name, reverse=True)
        return named + sorted((e for e in units if not by_name(e)[1]), key=by_name)
    if sort in ("DATE_ASC", "DATE_DESC"):
        first = sort == "DATE_ASC"

        def by_date(e: dict[str, Any]) -> tuple[bool, int, tuple[bool, str, str]]:
            datings = _datings(e)
            if not datings:
                return (True, 0, by_name(e))
            year = min(d[0] for d in datings) if first else -max(d[1] for d in datings)
            return (False, year, by_name(e))

        return sorted(units, key=by_date)
    return sorted(units, key=by_name)


def _search(state: AronState) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise V1Error(400, "body: not an ApuSearchRequest")
    kind = body.get("apuType")
    if kind is not None and kind not in TYPES:
        raise V1Error(400, f"apuType: {kind!r} is not an ApuType")
    start = _int(body, "from", 0, 0, None)
    size = _int(body, "size", 10, 1, 100)
    if start + size > state.window:
        raise V1Error(400, f"from + size must stay within the window of {state.window}")
    sort = body.get("sort", "AUTO")
    if sort not in _SORTS:
        raise V1Error(400, f"sort: {sort!r} is not a SortMode")
    up_to = _int(body, "totalUpTo", 10_000, 1, None)
    filters = [_filter(state, f, kind) for f in body.get("filters") or []]
    query = str(body.get("query") or "").casefold().split()
    key = "v1:" + json.dumps([kind, body.get("filters"), query, sort], sort_keys=True)
    with state.lock:
        if key not in state.cache:  # dropped on every change of the entities
            matching = [
                e
                for i, e in state.entities.items()
                if i not in state.hidden
                and (kind is None or e.get("type") == kind)
                and all(f(e) for f in filters)
                and all(w in str(e.get("name") or "").casefold() for w in query)
            ]
            state.cache[key] = [e["id"] for e in _sorted(matching, sort)]
        hits = state.cache[key]
        units = [state.entities[i] for i in hits]
        page = units[start : start + size] if not state.paging_loop else units[:size]
    total = min(len(units), up_to)
    return _json(
        _clean(
            {
                "total": total,
                "totalRelation": "EQ" if len(units) <= up_to else "GTE",
                "queryMode": "STRICT",
                "items": [
                    {
                        "uuid": e["id"],
                        "name": e.get("name") or "",
                        "description": e.get("description"),
                        "apuType": e.get("type"),
                        "containsDigitalObjects": bool(e.get("digitalObjects")),
                    }
                    for e in page
                ],
                "facets": _facet_results(state, key, units) if kind is not None else [],
                "typeCounts": [],
            }
        )
    )


def _facet_results(state: AronState, key: str, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with state.lock:
        if "bounds:" + key not in state.cache:
            years = [y for e in units for d in _datings(e) for y in d]
            state.cache["bounds:" + key] = [min(years), max(years)] if years else []
        found = state.cache["bounds:" + key]
    bounds = {"minYear": found[0], "maxYear": found[1]} if found else None
    return [{"kind": "DATING", "code": DATING, "bounds": bounds}]


def _tree(state: AronState, entity_id: str) -> Response:
    direction = request.args.get("direction")
    if direction not in ("BEFORE", "AFTER", "UNDER"):
        raise V1Error(400, "direction: BEFORE, AFTER or UNDER")
    entity = state.entities.get(entity_id)
    if entity is None or entity_id in state.hidden:
        raise V1Error(404, f"no APU {entity_id}")
    parent = entity_id if direction == "UNDER" else entity.get("parent")
    siblings = sorted(
        (
            e
            for e in state.entities.values()
            if e.get("parent") == parent and e["id"] not in state.hidden
        ),
        key=lambda e: (e.get("pos", 0), e["id"]),
    )
    ids = [e["id"] for e in siblings]
    n = state.tree_window
    if direction == "UNDER":
        window = siblings[:n]
    elif direction == "AFTER":
        window = siblings[ids.index(entity_id) + 1 :][:n]
    else:
        window = siblings[: ids.index(entity_id)][-n:]
    return _conditional(state, entity_id, lambda: [_clean(_node(e)) for e in window])


def add_v1_routes(app: Flask, state: AronState) -> None:
    """Serve the v1 API over `state` on `app`."""

    @app.errorhandler(V1Error)
    def refused(exc: V1Error) -> Response:
        body = {"status": exc.status, "message": str(exc), "path": request.path}
        return Response(json.dumps(body), status=exc.status, mimetype="application/json")

    @app.get(f"{V1_PATH}/system/info")
    def info() -> Response:
        return _json({"name": "ARON (oaihub demo)", "version": "2.0.0-demo"})

    @app.get(f"{V1_PATH}/facets")
    def facets() -> Response:
        if request.args.get("apuType") not in TYPES:
            raise V1Error(400, "apuType: required, an ApuType")
        definition = {"code": DATING, "type": "UNITDATE", "label": "Datace", "display": "ALWAYS"}
        return _json([definition])

    app.add_url_rule(f"{V1_PATH}/apu/search", "v1_search", lambda: _search(state), methods=["POST"])

    @app.get(f"{V1_PATH}/apu/<entity_id>")
    def detail(entity_id: str) -> Response:
        if entity_id not in state.entities or entity_id in state.hidden:
            raise V1Error(404, f"no APU {entity_id}")
        return _conditional(state, entity_id, lambda: render_model(state, entity_id))

    @app.get(f"{V1_PATH}/apu/<entity_id>/tree")
    def tree(entity_id: str) -> Response:
        return _tree(state, entity_id)
