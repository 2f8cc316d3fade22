"""The exceptions of the harvester.

HarvestError (oai.errors)
 ├── TransportError          the partner could not be reached or read, retries spent
 │    ├── HTTPStatusError    an HTTP status that is not 200 (after retries when retryable)
 │    ├── ResponseTooLarge   the body passed `harvest.max_response_bytes`
 │    ├── TooManyRedirects   a redirect loop (not retried)
 │    └── UnsafeURL          not http(s), a redirect to another scheme or, from a
 │                           public partner, to a private address (not retried)
 ├── PageError               a response that is not a usable OAI-PMH page; keeps `raw`
 ├── RemoteError             the partner answered with an OAI-PMH <error>; `code`
 │    ├── RemoteBadResumptionToken   (restart the stream from its `from`)
 │    ├── RemoteNoRecordsMatch       (success with nothing to do)
 │    └── RemoteConfigError          cannotDisseminateFormat, noSetHierarchy, ...: not retried
 ├── StreamError             a token loop, a run of empty pages, a cursor past the list
 ├── SweepRefused            a full-harvest sweep would delete too large a share
 ├── RunInterrupted          the process is shutting down: the run stops at a page
 └── RunLogError             the run log cannot do what was asked (unknown source or run)
      └── RunInProgress      the source is already being harvested (one run at a time)
"""

from __future__ import annotations

from oai.errors import HarvestError

__all__ = [
    "HTTPStatusError",
    "HarvestError",
    "PageError",
    "RemoteBadResumptionToken",
    "RemoteConfigError",
    "RemoteError",
    "RemoteNoRecordsMatch",
    "ResponseTooLarge",
    "RunInProgress",
    "RunInterrupted",
    "RunLogError",
    "StreamError",
    "SweepRefused",
    "TooManyRedirects",
    "TransportError",
    "UnsafeURL",
    "remote_error",
]


class TransportError(HarvestError):
    """The partner could not be reached or its answer could not be read."""


class HTTPStatusError(TransportError):
    def __init__(self, status: int, url: str) -> None:
        self.status, self.url = status, url
        super().__init__(f"HTTP {status} from {url}")


class ResponseTooLarge(TransportError):
    def __init__(self, limit: int, url: str) -> None:
        self.limit, self.url = limit, url
        super().__init__(f"response from {url} exceeds {limit} bytes")


class UnsafeURL(TransportError):
    """Only http and https URLs are fetched, and redirects only to them (and from a public
    partner not to a private address)."""


class TooManyRedirects(TransportError):
    """Redirects past the limit: a loop, which retrying does not end."""


class PageError(HarvestError):
    """A response that does not parse, or is not an OAI-PMH page; `raw` is kept for admins."""

    def __init__(self, message: str, raw: bytes = b"") -> None:
        self.raw = raw
        super().__init__(message)


class RemoteError(HarvestError):
    """An OAI-PMH error answered by the partner (spec 3.6)."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code, self.message = code, message
        super().__init__(f"{code}: {message}" if message else code)


class RemoteBadResumptionToken(RemoteError):
    pass


class RemoteNoRecordsMatch(RemoteError):
    pass


class RemoteConfigError(RemoteError):
    """The request the source's configuration makes cannot succeed; retrying will not help."""


class StreamError(HarvestError):
    """A list that cannot end: a repeated token, empty pages, a cursor past its size."""


class SweepRefused(HarvestError):
    def __init__(self, would_delete: int, live: int, share: float) -> None:
        self.would_delete, self.live, self.share = would_delete, live, share
        super().__init__(
            f"full-harvest sweep refused: {would_delete} of {live} records would become "
            f"tombstones, more than the allowed share of {share:.0%}"
        )


class RunInterrupted(HarvestError):
    """The harvesting process is shutting down; the run ends `interrupted` at a commit."""


class RunLogError(HarvestError):
    """The run log cannot carry out an operation (an unknown source or run)."""


class RunInProgress(RunLogError):
    """A harvest run of this source is already running (one per source at a time)."""

    def __init__(self, source_id: str, run_id: int | None = None) -> None:
        self.source_id, self.run_id = source_id, run_id
        which = f" (run {run_id})" if run_id is not None else ""
        super().__init__(f"a harvest of {source_id!r} is already running{which}")


_BY_CODE: dict[str, type[RemoteError]] = {
    "badResumptionToken": RemoteBadResumptionToken,
    "noRecordsMatch": RemoteNoRecordsMatch,
}


def remote_error(code: str, message: str) -> RemoteError:
    """The typed exception for an OAI-PMH error code from a partner."""
    return _BY_CODE.get(code, RemoteConfigError)(code, message)
