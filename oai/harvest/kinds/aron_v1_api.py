"""ARON 2.0's REST API (`/api/v1`) as the `aron` kind uses it: reads, checked answers,
conditional requests, politeness.

Only these requests are ever sent (`POST /apu/search` is a query with a JSON body):

- `GET {base}/system/info`: is this ARON 2.0 (`{"name": ...}`)?
- `GET {base}/facets?apuType=`: the section's UNITDATE facet, to partition by dating;
- `POST {base}/apu/search` `{apuType, filters, from, size, sort: "NAME", totalUpTo}`:
  one page of hits (`from + size` never beyond the window: the server refuses it);
- `GET {base}/apu/{uuid}` with `If-None-Match`/`If-Modified-Since` when the unit's
  validators are known: its render model, or a 304;
- `GET {base}/apu/{uuid}` without them: is a missing unit really gone (404)?
- `GET {base}/apu/{uuid}/tree?direction=UNDER|AFTER`: a unit's children, window by
  window (only when a sweep's partitions missed units: `aron_v1_sweep`).

Every request waits for one of `max_concurrency` slots and, after it, `pause` seconds
before giving it back. The client's caps hold for every answer (size, read timeout,
deadline, retries on 5xx and Retry-After); a body that is not JSON (cut short) is asked
for again up to `JSON_RETRIES` times, then fails like any transport error.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from oai.harvest.client import Client, Response
from oai.harvest.errors import HTTPStatusError, PageError, TransportError

__all__ = ["MAX_SIZE", "WINDOW", "AronV1API", "Detail", "Hit", "Node", "SearchPage"]

MAX_SIZE = 100  # the contract's largest page
WINDOW = 10_000  # the default page window: from + size beyond it is a 400
JSON_RETRIES = 2


@dataclass(frozen=True, slots=True)
class Hit:
    uuid: str
    apu_type: str


@dataclass(frozen=True, slots=True)
class Node:
    """One node of a tree window: a unit and how many children it has."""

    uuid: str
    children: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of hits; `total` (exact when `exact`), the dating bounds of the matches."""

    hits: list[Hit]
    total: int
    exact: bool
    bounds: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Detail:
    """A unit's render model (`body`; None on a 304) and its validators."""

    status: int
    body: dict[str, Any] | None
    etag: str | None
    last_modified: str | None


def _loads(response: Response) -> Any:
    try:
        return json.loads(response.body)
    except (ValueError, RecursionError) as exc:
        raise PageError(f"{response.url}: not JSON: {exc}", raw=response.body[:2000]) from None


def _bounds(facets: Any) -> tuple[int, int] | None:
    for facet in facets if isinstance(facets, list) else ():
        bounds = facet.get("bounds") if isinstance(facet, dict) else None
        if facet.get("kind") == "DATING" and isinstance(bounds, dict):
            low, high = bounds.get("minYear"), bounds.get("maxYear")
            if isinstance(low, int) and isinstance(high, int) and low <= high:
                return low, high
    return None


class AronV1API:
    """Read-only calls to one ARON 2.0 portal's API (base URL ending in `/api/v1`)."""

    def __init__(
        self, client: Client, base_url: str, *, max_concurrency: int = 2, pause: float = 0.0
    ) -> None:
        self.client = client
        self.base = base_url.rstrip("/")
        self.pause = pause
        self._slots = threading.BoundedSemaphore(max(1, max_concurrency))

    def _send(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        url = f"{self.base}{path}"
        with self._slots:
            try:
                if body is not None:
                    return self.client.post_json(url, json.dumps(body).encode())
                return self.client.get(url, {}, headers or None)
            finally:
                if self.pause > 0:
                    time.sleep(self.pause)

    def _json(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """The parsed answer; a body cut short is asked for again (a few times)."""
        for attempt in range(JSON_RETRIES + 1):
            try:
                return _loads(self._send(path, body))
            except PageError:
                if attempt == JSON_RETRIES:
                    raise
        raise AssertionError("unreachable")

    def info(self) -> dict[str, Any]:
        """`/system/info`: `{"name", "version"}`; PageError when it is not ARON 2.0's."""
        data = self._json("/system/info")
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise PageError("/system/info: not {name, version}")
        return data

    def dating_facet(self, apu_type: str) -> str | None:
        """The code of the section's UNITDATE facet (None: it has none)."""
        data = self._json(f"/facets?apuType={quote(apu_type, safe='')}")
        for facet in data if isinstance(data, list) else ():
            if isinstance(facet, dict) and facet.get("type") == "UNITDATE":
                code = facet.get("code")
                return code if isinstance(code, str) and code else None
        return None

    def search(
        self,
        apu_type: str,
        filters: Sequence[Mapping[str, Any]],
        start: int,
        size: int,
        window: int = WINDOW,
        count: bool = False,
    ) -> SearchPage:
        """One page of one section's hits, sorted by name then uuid (deterministic);
        `count`: with the exact total, as far as the server counts."""
        size = max(1, min(size, MAX_SIZE))
        body = {
            "apuType": apu_type,
            "filters": list(filters),
            "from": start,
            "size": size,
            "sort": "NAME",
            # past the window is enough to know a part must be split; `count`: as exact
            # as the server allows (it clamps this to its configured maximum)
            "totalUpTo": 2**31 - 1 if count else window + 1,
        }
        data = self._json("/apu/search", body)
        items = data.get("items") if isinstance(data, dict) else None
        total = data.get("total") if isinstance(data, dict) else None
        if not isinstance(items, list) or not isinstance(total, int) or len(items) > size:
            raise PageError("/apu/search: not an ApuSearchResponse {total, items}")
        hits = [
            Hit(i["uuid"].strip().lower(), str(i.get("apuType") or apu_type))
            for i in items
            if isinstance(i, dict) and isinstance(i.get("uuid"), str) and i["uuid"].strip()
        ]
        if len(hits) != len(items):
            raise PageError("/apu/search: a hit without a uuid")
        exact = data.get("totalRelation", "EQ") == "EQ"
        return SearchPage(hits, total, exact, _bounds(data.get("facets")))

    def detail(self, uuid: str, etag: str | None = None, modified: str | None = None) -> Detail:
        """The render model of a unit, or a 304 when its validators still hold.

        HTTPStatusError(404) when the portal does not publish it (now)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        path = f"/apu/{quote(uuid, safe='')}"
        for attempt in range(JSON_RETRIES + 1):
            response = self._send(path, headers=headers)
            tags = response.headers.get("ETag"), response.headers.get("Last-Modified")
            if response.status == 304:
                return Detail(304, None, tags[0] or etag, tags[1] or modified)
            try:
                body = _loads(response)
            except PageError:
                if attempt == JSON_RETRIES:
                    raise
                continue
            if not isinstance(body, dict) or not isinstance(body.get("uuid"), str):
                raise PageError(f"{path}: not an ApuDetail")
            return Detail(200, body, tags[0], tags[1])
        raise AssertionError("unreachable")

    def exists(self, uuid: str) -> bool | None:
        """True if the portal gives the unit, False on a 404, None when it cannot say
        (a 5xx or a timeout after retries: the unit stays live)."""
        try:
            self.detail(uuid)
        except HTTPStatusError as exc:
            return False if exc.status == 404 else None
        except (TransportError, PageError):
            return None
        return True

    def _window(self, uuid: str, direction: str) -> list[Node]:
        path = f"/apu/{quote(uuid, safe='')}/tree?direction={direction}"
        data = self._json(path)
        if not isinstance(data, list):
            raise PageError(f"{path}: not a list of TreeNode")
        nodes = []
        for node in data:
            if not isinstance(node, dict) or not isinstance(node.get("uuid"), str):
                raise PageError(f"{path}: a tree node without a uuid")
            count = node.get("childCount")
            children = count if isinstance(count, int) and not isinstance(count, bool) else 0
            nodes.append(Node(node["uuid"].strip().lower(), children))
        return nodes

    def children(self, uuid: str, limit: int = 1_000_000) -> list[Node]:
        """A unit's children in tree order: the first window (UNDER), then the windows
        after its last child (AFTER) until an empty one; at most `limit`."""
        found = self._window(uuid, "UNDER")
        seen = {n.uuid for n in found}
        while found and len(found) < limit:
            more = [n for n in self._window(found[-1].uuid, "AFTER") if n.uuid not in seen]
            if not more:
                break
            found.extend(more)
            seen.update(n.uuid for n in more)
        return found
