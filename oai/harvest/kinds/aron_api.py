"""ARON's REST API as the `aron` kind uses it: read-only calls, checked answers, politeness.

Only these requests are ever sent (all reads; `POST /apu/listview` and `/apu/list` are
queries with a JSON body):

- `POST {base}/apu/listview` `{"size", "filters", "searchAfter"}`: one page of ids;
- `POST {base}/apu/list` `{"size", "filters": [{"operation": "IDS", "ids": [...]}]}`: full
  entities, at most 100 ids a request;
- `GET {base}/apu/{id}`: is a missing entity really gone (404)?
- `GET {base}/apu/views?ids=a,b`: names of referenced entities (at most 100).

`searchAfter` is a JSON string holding an array; it is sent back exactly as received.
Every request waits for one of `max_concurrency` slots and, after it, `pause` seconds
before giving its slot back, so the partner never has more requests from us in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from oai.harvest.client import Client
from oai.harvest.errors import HTTPStatusError, PageError, TransportError

__all__ = ["MAX_IDS", "AronAPI", "IdPage"]

MAX_IDS = 100  # the server's limit for /apu/views; the IDS batches keep to it too


@dataclass(frozen=True, slots=True)
class IdPage:
    """One listview page: its ids and the `searchAfter` string to ask for the next."""

    ids: list[str]
    search_after: str | None


def _loads(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise PageError(f"{url}: not JSON: {exc}", raw=body[:2000]) from None


class AronAPI:
    """Read-only calls to one ARON portal API (base URL ending in `/aron/api/aron`)."""

    def __init__(
        self, client: Client, base_url: str, *, max_concurrency: int = 2, pause: float = 0.0
    ) -> None:
        self.client = client
        self.base = base_url.rstrip("/")
        self.pause = pause
        self._slots = threading.BoundedSemaphore(max(1, max_concurrency))

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        url = f"{self.base}{path}"
        with self._slots:
            try:
                if method == "POST":
                    response = self.client.post_json(url, json.dumps(body).encode())
                else:
                    response = self.client.get(url, {})
            finally:
                if self.pause > 0:
                    time.sleep(self.pause)
        return _loads(response.body, url)

    def listview(
        self, filters: Sequence[Mapping[str, Any]], search_after: str | None, size: int
    ) -> IdPage:
        """One page of ids (sorted by id); an empty page ends the list."""
        body: dict[str, Any] = {"size": size, "filters": list(filters)}
        if search_after is not None:
            body["searchAfter"] = search_after
        data = self._call("POST", "/apu/listview", body)
        items = data.get("items") if isinstance(data, dict) else None
        after = data.get("searchAfter") if isinstance(data, dict) else None
        if not isinstance(items, list) or not (after is None or isinstance(after, str)):
            raise PageError("/apu/listview: not a result page {items, searchAfter}")
        ids = [i.get("id") for i in items if isinstance(i, dict)]
        if len(ids) != len(items) or not all(isinstance(i, str) and i for i in ids):
            raise PageError("/apu/listview: an item without an id")
        if ids and after in (None, search_after):
            raise PageError("/apu/listview: a page that does not move searchAfter on")
        return IdPage([str(i) for i in ids], after)

    def entities(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The full entities of `ids` (at most 100); missing ones are simply not there."""
        if len(ids) > MAX_IDS:
            raise ValueError(f"at most {MAX_IDS} ids a request")
        body = {"size": len(ids), "filters": [{"operation": "IDS", "ids": list(ids)}]}
        data = self._call("POST", "/apu/list", body)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise PageError("/apu/list: not a result page of entities")
        wanted = set(ids)
        return [i for i in items if isinstance(i.get("id"), str) and i["id"] in wanted]

    def exists(self, entity_id: str) -> bool | None:
        """True if `GET /apu/{id}` finds it, False on a 404, None when it cannot say
        (a 5xx or a timeout, after retries: the entity stays live)."""
        try:
            self._call("GET", f"/apu/{quote(entity_id, safe='')}")
        except HTTPStatusError as exc:
            if exc.status == 404:
                return False
            return None
        except (TransportError, PageError):
            return None
        return True

    def names(self, ids: Sequence[str]) -> dict[str, str]:
        """Names of entities by id (`/apu/views`, at most 100 a request); {} on failure."""
        found: dict[str, str] = {}
        for start in range(0, len(ids), MAX_IDS):
            chunk = ",".join(quote(i, safe="") for i in ids[start : start + MAX_IDS])
            try:
                data = self._call("GET", f"/apu/views?ids={chunk}")
            except (TransportError, PageError):
                continue  # names are a nicety: the UUID stands in for them
            for view in data if isinstance(data, list) else ():
                if isinstance(view, dict) and isinstance(view.get("name"), str):
                    found[str(view.get("id"))] = view["name"]
        return found
