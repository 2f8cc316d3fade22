from datetime import UTC, datetime

import pytest

from oai.errors import BadArgument
from oai.protocol.datestamps import format_datestamp, parse_datestamp, parse_range


def test_both_granularities_parse_to_utc() -> None:
    assert parse_datestamp("2024-02-29").value == datetime(2024, 2, 29, tzinfo=UTC)
    seconds = parse_datestamp("2024-02-29T13:14:15Z")
    assert seconds.value == datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)
    assert seconds.granularity == "seconds"


def test_a_day_until_covers_the_whole_day() -> None:
    _, until = parse_range(None, "2024-03-01")
    assert until == datetime(2024, 3, 1, 23, 59, 59, tzinfo=UTC)
    start, _ = parse_range("2024-03-01", None)
    assert start == datetime(2024, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2024-13-01",
        "2024-02-30",
        "2024-1-01",
        "2024-01-01T10:00:00",
        "2024-01-01T10:00Z",
        "2024-01-01T25:00:00Z",
        "20240101",
        "2024-01-01 10:00:00Z",
        "yesterday",
        "2024-01-01T10:00:00+01:00",
    ],
)
def test_malformed_dates_are_bad_arguments(text: str) -> None:
    with pytest.raises(BadArgument):
        parse_datestamp(text)


def test_mixed_granularities_are_a_bad_argument() -> None:
    with pytest.raises(BadArgument, match="granularity"):
        parse_range("2024-01-01", "2024-01-02T00:00:00Z")


def test_from_after_until_is_a_bad_argument() -> None:
    with pytest.raises(BadArgument, match="later"):
        parse_range("2024-01-02", "2024-01-01")
    assert parse_range("2024-01-01", "2024-01-01")[0] is not None


def test_format_is_utc_with_z() -> None:
    from datetime import timedelta, timezone

    local = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_datestamp(local) == "2024-01-01T10:00:00Z"
    with pytest.raises(ValueError):
        format_datestamp(datetime(2024, 1, 1))
