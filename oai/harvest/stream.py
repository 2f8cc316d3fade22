"""Identify, and one ListRecords stream followed through its resumption tokens.

A stream is one (prefix, set, from, until) list. It ends at the first response without a
resumption token or with an empty one (OAI-PMH 3.5). It refuses to go round in circles:
a token seen before, a run of `max_empty_pages` empty pages that still carry a token,
or a cursor beyond completeListSize fail the stream with a `StreamError` *before* the
offending page is handed on, so the last checkpoint stays the last good token.

Some providers advertise second granularity and answer `badArgument` to the dates they
are sent. When the first request of a window gets `badArgument`, the stream asks again
without `until` ("no-until"), then with `from` as a day ("day"): a wider window, never a
narrower one. What worked is reported (`on_date_args`) so the source remembers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from oai.harvest.client import Client
from oai.harvest.errors import (
    RemoteBadResumptionToken,
    RemoteConfigError,
    RemoteNoRecordsMatch,
    StreamError,
)
from oai.harvest.parse import IdentifyInfo, Page, parse_identify, parse_list_records
from oai.ingest import DEFAULT_LIMITS, Limits

__all__ = ["DATE_ARGS", "Notify", "Stream", "StreamPage", "identify"]

Notify = Callable[[str, str, str], None]  # level, kind, message
MAX_RESTARTS = 3
# how from/until are sent, in the order they are tried: as advertised, without until,
# from as a day (and no until)
DATE_ARGS: tuple[str | None, ...] = (None, "no-until", "day")


def identify(client: Client, base_url: str, *, max_bytes: int) -> IdentifyInfo:
    """The partner's Identify answer (granularity, earliestDatestamp, its clock)."""
    response = client.get(base_url, {"verb": "Identify"})
    return parse_identify(response.body, max_bytes=max_bytes)


@dataclass(frozen=True, slots=True)
class StreamPage:
    """A page of a stream, the token that continues after it (None: the list ended),
    and the size of the response."""

    page: Page
    next_token: str | None
    size: int
    body: bytes = b""


@dataclass
class Stream:
    """ListRecords for one set and window, from the start or from a saved token."""

    client: Client
    base_url: str
    prefix: str
    set_spec: str | None = None
    from_: str | None = None
    until: str | None = None
    token: str | None = None
    max_empty_pages: int = 5
    max_bytes: int = 100_000_000
    notify: Notify | None = None
    limits: Limits = DEFAULT_LIMITS
    date_args: str | None = None  # one of DATE_ARGS
    on_date_args: Callable[[str | None], None] | None = None

    def _params(self) -> dict[str, str]:
        if self.token is not None:
            return {"verb": "ListRecords", "resumptionToken": self.token}
        params = {"verb": "ListRecords", "metadataPrefix": self.prefix}
        from_, until = self.from_, self.until
        if self.date_args in ("no-until", "day"):
            until = None
        if self.date_args == "day" and from_:
            from_ = from_[:10]
        for key, value in (("set", self.set_spec), ("from", from_), ("until", until)):
            if value:
                params[key] = value
        return params

    def _fall_back(self, error: RemoteConfigError) -> bool:
        """Ask the window's first page with simpler dates, after a `badArgument`."""
        if error.code != "badArgument" or self.token is not None:
            return False
        before = self._params()
        for date_args in DATE_ARGS[DATE_ARGS.index(self.date_args) + 1 :]:
            self.date_args = date_args
            after = self._params()
            if after != before:
                self._say(
                    "warning",
                    "fallback",
                    f"the partner refused {_dates(before)} ({error}); asking with"
                    f" {_dates(after)} instead",
                )
                return True
        return False

    def pages(self) -> Iterator[StreamPage]:
        """Every page until the list ends; raises `StreamError`, `PageError`, ..."""
        seen: set[str] = set()
        empty = restarts = 0
        first = self.token is None
        while True:
            response = self.client.get(self.base_url, self._params())
            try:
                page = parse_list_records(
                    response.body, max_bytes=self.max_bytes, limits=self.limits
                )
            except RemoteNoRecordsMatch:
                self._settled(first)
                return  # nothing in the window: done, successfully
            except RemoteConfigError as exc:
                if first and self._fall_back(exc):
                    continue
                raise
            except RemoteBadResumptionToken as exc:
                if self.token is None or restarts >= MAX_RESTARTS:
                    raise
                restarts += 1
                self._say("warning", "restart", f"{exc}; restarting the list from its start")
                self.token, empty = None, 0
                seen.clear()
                continue
            self._settled(first)
            first = False
            empty = empty + 1 if page.count == 0 else 0
            next_token = self._check(page, seen, empty)
            yield StreamPage(page, next_token, len(response.body), response.body)
            if next_token is None:
                return
            seen.add(next_token)
            self.token = next_token

    def _settled(self, first: bool) -> None:
        """The window's first request was answered: the dates it used work."""
        if first and self.on_date_args is not None:
            self.on_date_args(self.date_args)

    def _check(self, page: Page, seen: set[str], empty: int) -> str | None:
        token = page.token
        if token is None:
            return None
        if token.value in seen or token.value == self.token:
            raise StreamError(f"resumption token loop: {token.value!r} was returned before")
        if empty >= self.max_empty_pages:
            raise StreamError(f"{empty} empty pages in a row, each with a resumption token")
        size, cursor = token.complete_list_size, token.cursor
        if size is not None and cursor is not None and cursor > size:
            raise StreamError(f"cursor {cursor} is past completeListSize {size}")
        return token.value

    def _say(self, level: str, kind: str, message: str) -> None:
        if self.notify is not None:
            self.notify(level, kind, message)


def _dates(params: dict[str, str]) -> str:
    shown = [f"{key}={params[key]}" for key in ("from", "until") if key in params]
    return " ".join(shown) or "no dates"
