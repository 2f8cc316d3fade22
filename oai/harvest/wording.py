"""A run's failure message in words an admin acts on, with the technical text kept.

The harvester's messages are precise ("Identify failed: ConnectionError: ... [Errno
111] Connection refused"); the dashboard and the source page lead with what it means
and what to do. Patterns are tried in order; an unknown message is shown as it is.
"""

from __future__ import annotations

import re

__all__ = ["in_words"]

_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"Connection refused|Failed to establish a new connection|NewConnectionError",
        "The partner's server refused the connection: it is down, or the base URL's host "
        "or port is wrong.",
    ),
    (
        r"Name or service not known|nodename nor servname|getaddrinfo|NameResolution",
        "The partner's host name does not resolve: check the base URL.",
    ),
    (
        r"ReadTimeout|ConnectTimeout|timed out|Timeout",
        "The partner did not answer in time; it may be overloaded. The next run retries.",
    ),
    (
        r"HTTP 404",
        "The base URL answers 404 Not Found: the OAI-PMH endpoint moved or the URL is wrong.",
    ),
    (
        r"HTTP 40[13]",
        "The partner refuses access (HTTP 401/403): it may need an allow-listing of our address.",
    ),
    (
        r"HTTP 5\d\d",
        "The partner's server fails (HTTP 5xx) even after retries; it is the partner's problem.",
    ),
    (r"exceeds \d+ bytes", "A response was larger than harvest.max_response_bytes allows."),
    (
        r"cannotDisseminateFormat",
        "The partner does not offer the configured metadata prefix: change metadata_prefix.",
    ),
    (
        r"noSetHierarchy|badArgument.*set",
        "The partner has no such set (or no sets): check the source's sets.",
    ),
    (
        r"badResumptionToken|resumption token loop",
        "The partner's resumption tokens broke the list; the next run starts the list again.",
    ),
    (
        r"does not parse|not an OAI-PMH response|without <",
        "The partner sent a page that is not valid OAI-PMH XML; its raw XML is kept with the run.",
    ),
    (
        r"sweep|would turn",
        "A full harvest would have deleted too many records, so it stopped; the partner's list "
        "looks incomplete.",
    ),
    (
        r"no heartbeat|process .* is gone|crashed",
        "The harvest process stopped (killed or crashed); the next run resumes from its "
        "checkpoint.",
    ),
    (r"only http and https", "The base URL is not an http(s) URL."),
)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), words) for p, words in _PATTERNS)


def in_words(message: str | None) -> str | None:
    """What a failure message means, for people; None for no message."""
    if not message:
        return None
    for pattern, words in _COMPILED:
        if pattern.search(message):
            return words
    return message
