"""The one network seam of the harvester: a `requests.Session` with timeouts and retries.

Transport errors (refused or reset connections, read timeouts, bodies cut short) and
the HTTP statuses 408, 429 and 5xx (except 501 Not Implemented, which a retry will not
change) are retried with exponential backoff, each wait drawn between half and one and
a half times its step so that harvesters do not retry in lockstep; a
`Retry-After` header (seconds or an HTTP-date, RFC 9110 10.2.3) replaces the backoff,
capped by `harvest.max_retry_after`. Bodies are read in chunks and refused past
`harvest.max_response_bytes`, so a hostile partner cannot exhaust memory, and each
request ends by `harvest.request_deadline` however slowly its bytes drip in (a deadline
passed is a transport error, retried). Retries are reported (`on_retry`) with a short
reason ("connection refused", "read timed out"), not a urllib3 message.

Only http and https are fetched, and redirects are followed by hand so that each target
is checked: a partner on a public address may not redirect the hub to a loopback,
private or link-local one (its own admin pages, a cloud metadata service) unless
`harvest.private_redirects` allows it; a partner whose own address is such may. A
redirect loop ends at `MAX_REDIRECTS` and is not retried. A client made with an
`AddressPolicy` checks every connection it makes, on the address it connects to
(`oai.harvest.addresses`): that is what keeps sources added in the browser outside.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from oai.harvest.addresses import AddressPolicy, resolves_to_private
from oai.harvest.deadline import Deadline, DeadlineAdapter
from oai.harvest.errors import (
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
    TransportError,
    UnsafeURL,
)
from oai.settings import HarvestSettings

__all__ = [
    "Client",
    "ClientConfig",
    "Response",
    "Retry",
    "is_private_host",
    "parse_retry_after",
    "short_reason",
]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))
MAX_REDIRECTS = 5
USER_AGENT = "oaihub-harvester/1.0"
_TRANSPORT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True, slots=True)
class ClientConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 5
    backoff_seconds: float = 2.0
    max_retry_after: float = 300.0
    max_response_bytes: int = 100_000_000
    request_deadline: float = 300.0
    private_redirects: bool = False

    @classmethod
    def from_settings(cls, harvest: HarvestSettings) -> ClientConfig:
        return cls(
            connect_timeout=harvest.connect_timeout,
            read_timeout=harvest.read_timeout,
            max_retries=harvest.max_retries,
            backoff_seconds=harvest.backoff_seconds,
            max_retry_after=harvest.max_retry_after,
            max_response_bytes=harvest.max_response_bytes,
            request_deadline=harvest.request_deadline,
            private_redirects=harvest.private_redirects,
        )


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Retry:
    """One retry about to happen: why, after which attempt, and how long we wait."""

    url: str
    attempt: int
    reason: str  # short: "connection refused", "HTTP 503", "read timed out"
    wait: float
    retry_after: float | None
    retries: int = 0  # how many retries are allowed in all


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Client:
    """GET with retries; counts requests, bytes and retries for the run log.

    `home` is the partner's own base URL: whether it is on a private address decides
    whether its redirects may lead to one (each request's own URL when not given)."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[Retry], None] | None = None,
        rng: random.Random | None = None,
        home: str | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.config = config
        self.home = home
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, DeadlineAdapter(policy))
        self.sleep, self.on_retry = sleep, on_retry
        self.rng = rng or random.Random()
        self.requests = self.bytes = self.retries = 0

    def close(self) -> None:
        self.session.close()

    def get(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> Response:
        """The 200 response to GET url?params, after retries; `TransportError` otherwise.

        With conditional `headers` (If-None-Match, If-Modified-Since) a 304 is an answer
        too: the body is empty and the caller's copy is current."""
        return self._send(url, params, None, headers)

    def post_json(self, url: str, body: bytes) -> Response:
        """The 200 response to a POST of a JSON body (a query, such as ARON's list
        endpoints: it changes nothing there), after retries; `TransportError` otherwise."""
        return self._send(url, None, body)

    def _send(
        self,
        url: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        check_url(url)
        attempt = 0
        while True:
            attempt += 1
            deadline = Deadline(self.config.request_deadline)
            try:
                with deadline:
                    response = self._fetch(url, params, body, headers)
                if deadline.expired:  # a body without a length, ended by the cut
                    raise TransportError(url)  # worded below, as every deadline
            except (ResponseTooLarge, UnsafeURL, TooManyRedirects):
                raise  # retrying cannot help
            except (TransportError, *_TRANSPORT) as exc:
                error: Exception = exc
                reason = short_reason(exc)
                if deadline.expired:
                    reason = (
                        "took longer than harvest.request_deadline"
                        f" ({self.config.request_deadline:g}s)"
                    )
                    error = TransportError(f"{url}: {reason}")
                self._retry_or_raise(url, attempt, reason, None, error)
                continue
            if response.status == 200 or (response.status == 304 and headers):
                return response
            if response.status not in RETRY_STATUSES:
                raise HTTPStatusError(response.status, response.url)
            after = parse_retry_after(response.headers.get("Retry-After"))
            error = HTTPStatusError(response.status, response.url)
            self._retry_or_raise(url, attempt, f"HTTP {response.status}", after, error)

    def _retry_or_raise(
        self, url: str, attempt: int, reason: str, after: float | None, error: Exception
    ) -> None:
        if attempt > self.config.max_retries:
            if isinstance(error, TransportError):
                raise error
            raise TransportError(f"{url}: {reason} (after {attempt - 1} retries)") from error
        if after is not None:
            wait = min(after, self.config.max_retry_after)
        else:
            # exponential backoff, jittered to 0.5-1.5 times the step
            step = self.config.backoff_seconds * 2 ** (attempt - 1)
            wait = min(step * (0.5 + self.rng.random()), self.config.max_retry_after)
        self.retries += 1
        if self.on_retry is not None:
            self.on_retry(Retry(url, attempt, reason, wait, after, self.config.max_retries))
        self.sleep(wait)

    def _fetch(
        self,
        url: str,
        params: Mapping[str, str] | None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        home = self.home or url
        for _ in range(MAX_REDIRECTS + 1):
            self.requests += 1
            if body is None:
                raw = self.session.get(
                    url,
                    params=params,
                    headers=dict(headers or {}),
                    timeout=timeout,
                    stream=True,
                    allow_redirects=False,
                )
            else:  # a query in a body; a redirect is followed with the same POST
                raw = self.session.post(
                    url,
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=timeout,
                    stream=True,
                    allow_redirects=False,
                )
            with raw:
                if raw.is_redirect and "Location" in raw.headers:
                    url = urljoin(raw.url, raw.headers["Location"])
                    self._check_redirect(home, url)
                    params = None  # the Location carries the query
                    continue
                body = self._read(raw)
                return Response(raw.url or url, raw.status_code, body, dict(raw.headers))
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects (a loop?), the last to {url}")

    def _check_redirect(self, home: str, target: str) -> None:
        """Refuse a redirect to another scheme, or from a public partner to a private
        address (unless `harvest.private_redirects`)."""
        check_url(target)
        if self.config.private_redirects:
            return
        target_host = urlsplit(target).hostname or ""
        if is_private_host(target_host) and not is_private_host(urlsplit(home).hostname or ""):
            raise UnsafeURL(
                f"redirect to {target} refused: {target_host} is a loopback, private or"
                " link-local address and the partner is not (harvest.private_redirects)"
            )

    def _read(self, raw: requests.Response) -> bytes:
        limit = self.config.max_response_bytes
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(limit, raw.url)
        chunks: list[bytes] = []
        size = 0
        for chunk in raw.iter_content(chunk_size=256 * 1024):
            size += len(chunk)
            self.bytes += len(chunk)
            if size > limit:
                raise ResponseTooLarge(limit, raw.url)
            chunks.append(chunk)
        return b"".join(chunks)


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnsafeURL(f"only http and https URLs are harvested, not {url!r}")


def is_private_host(host: str) -> bool:
    """Whether `host` is, or resolves to, a loopback, private, link-local or otherwise
    non-public address (IPv6 forms carrying one included). A name that does not resolve is
    not private (its request fails)."""
    return resolves_to_private(host)


def short_reason(exc: BaseException) -> str:
    """What went wrong with a request, in a few words (the log keeps no urllib3 essays)."""
    if isinstance(exc, TransportError):
        return str(exc)
    text = str(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, requests.ReadTimeout):
        return "read timed out"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the body was cut short"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the body could not be decoded"
    for needle, reason in (
        ("Connection refused", "connection refused"),
        ("NameResolutionError", "host name not found"),
        ("Name or service not known", "host name not found"),
        ("Connection reset", "connection reset"),
        ("RemoteDisconnected", "the partner closed the connection"),
        ("IncompleteRead", "the body was cut short"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return reason
    return f"{type(exc).__name__}"
