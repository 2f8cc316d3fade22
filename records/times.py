"""The one clock and the one date-time form of the hub.

Every stored time is UTC to the second; every time the hub writes out (OAI-PMH
datestamps, the JSON API, reports, notifications, the CLI) is `YYYY-MM-DDThh:mm:ssZ`.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_datestamp", "utcnow"]


def utcnow() -> datetime:
    """Now, in UTC, to the second (the datestamp granularity; columns keep whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def format_datestamp(value: datetime) -> str:
    """`YYYY-MM-DDThh:mm:ssZ` of an aware datetime, converted to UTC (a naive one is a
    bug: whose clock would it be?)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is several times faster than strftime, and this runs for every header
    return value.isoformat(timespec="seconds")[:19] + "Z"
