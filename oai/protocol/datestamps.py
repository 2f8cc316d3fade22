"""UTC datestamps: the two granularities of OAI-PMH 2.0 (spec 3.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from oai.errors import BadArgument
from records.times import format_datestamp

__all__ = ["GRANULARITY", "Datestamp", "format_datestamp", "parse_datestamp", "parse_range"]

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
Granularity = Literal["day", "seconds"]
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SECONDS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")


@dataclass(frozen=True, slots=True)
class Datestamp:
    """A parsed from/until value: the instant it names and the granularity it was given in."""

    value: datetime
    granularity: Granularity


def parse_datestamp(text: str, *, name: str = "date", end_of_day: bool = False) -> Datestamp:
    """Parse either granularity; a day `until` (end_of_day) covers the whole day."""
    day = _DAY.match(text)
    seconds = None if day else _SECONDS.match(text)
    match = day or seconds
    if match is None:
        raise BadArgument(f"{name} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ: {text!r}")
    try:
        parts = [int(part) for part in match.groups()] + [0, 0, 0]
        year, month, day_, hour, minute, second = parts[:6]
        value = datetime(year, month, day_, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise BadArgument(f"{name} is not a valid date: {text!r}") from None
    if day is not None:
        if end_of_day:
            value += timedelta(days=1, seconds=-1)
        return Datestamp(value, "day")
    return Datestamp(value, "seconds")


def parse_range(
    from_text: str | None, until_text: str | None
) -> tuple[datetime | None, datetime | None]:
    """Validate a from/until pair: same granularity, from <= until (spec 3.3.1, 4.6)."""
    start = parse_datestamp(from_text, name="from") if from_text is not None else None
    end = parse_datestamp(until_text, name="until", end_of_day=True) if until_text else None
    if start and end:
        if start.granularity != end.granularity:
            raise BadArgument("from and until must have the same granularity")
        if start.value > end.value:
            raise BadArgument("from is later than until")
    return (start.value if start else None, end.value if end else None)
