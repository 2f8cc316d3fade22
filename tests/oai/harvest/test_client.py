"""The network seam's small parts: Retry-After, URL checks, backoff (unit tests)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from oai.harvest.client import Client, ClientConfig, Retry, check_url, parse_retry_after
from oai.harvest.errors import TransportError, UnsafeURL
from tests.oai.harvest.faultserver import FaultServer, Partner


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "url", ["ftp://x.org/oai", "file:///etc/passwd", "gopher://x", "/relative", "http://"]
)
def test_only_http_urls(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_backoff_grows_with_jitter_and_gives_up() -> None:
    partner = Partner()
    with FaultServer(partner).start() as server:
        server.inject("status", at=[1, 2, 3, 4], status=503)
        waits: list[float] = []
        retries: list[Retry] = []
        config = ClientConfig(max_retries=3, backoff_seconds=1.0, max_retry_after=100)
        client = Client(config, sleep=waits.append, on_retry=retries.append, rng=random.Random(7))
        with pytest.raises(TransportError):
            client.get(server.url, {"verb": "Identify"})
        assert [r.attempt for r in retries] == [1, 2, 3]
        for wait, step in zip(waits, (1.0, 2.0, 4.0), strict=True):
            assert 0.5 * step <= wait < 1.5 * step
        assert (client.requests, client.retries) == (4, 3)
