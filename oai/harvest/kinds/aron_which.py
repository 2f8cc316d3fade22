"""Which of ARON's two APIs a source's `base_url` speaks.

A URL ending in `/api/v1` is ARON 2.0's API, one ending in `/api/aron` the old one. A
bare portal URL (`https://portal.example.cz/aron`) is probed: `GET /api/v1/system/info`
answering `{"name": ...}` makes it ARON 2.0 (the API third parties should build on);
anything else (a 404, not JSON) the old API under `/api/aron`. A portal that cannot be
reached at all fails the probe's request as any request fails.
"""

from __future__ import annotations

from oai.harvest.client import Client
from oai.harvest.errors import HTTPStatusError, PageError
from oai.harvest.kinds.aron_v1_api import AronV1API

__all__ = ["OLD", "V1", "resolve", "which_label"]

OLD, V1 = "old", "v1"
_LABELS = {OLD: "the old ARON API (/api/aron)", V1: "ARON 2.0's API (/api/v1)"}


def which_label(api: str) -> str:
    """How the admin pages name an API."""
    return _LABELS.get(api, api)


def resolve(client: Client, base_url: str) -> tuple[str, str]:
    """(the API, its base URL) for a source's `base_url`."""
    base = base_url.rstrip("/")
    if base.endswith("/api/v1"):
        return V1, base
    if base.endswith("/api/aron"):
        return OLD, base
    try:
        AronV1API(client, f"{base}/api/v1").info()
    except (HTTPStatusError, PageError):
        return OLD, f"{base}/api/aron"
    return V1, f"{base}/api/v1"
