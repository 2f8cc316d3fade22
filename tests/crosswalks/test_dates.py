"""Dates as archives write them -> the model's date object."""

from __future__ import annotations

from typing import Any

import pytest

from crosswalks.dates import date_range, elza_interval, parse_date, w3cdtf
from records.model import DocumentDate


def _d(text: str, start: str, end: str, precision: str, **flags: bool) -> dict[str, Any]:
    return {"text": text, "start": start, "end": end, "precision": precision, **flags}


CASES = [
    _d("1961", "1961", "1961", "year"),
    _d("April 1961", "1961-04", "1961-04", "month"),
    _d("January 9, 1961", "1961-01-09", "1961-01-09", "day"),
    _d("9 January 1961", "1961-01-09", "1961-01-09", "day"),
    _d("19.2. - 14.3.1945", "1945-02-19", "1945-03-14", "day"),
    _d("1945-4-21", "1945-04-21", "1945-04-21", "day"),
    _d("[1993]", "1993", "1993", "year", inferred=True),
    _d("ca. 1950", "1950", "1950", "year", approximate=True),
    _d("cca 1950", "1950", "1950", "year", approximate=True),
    _d("1950?", "1950", "1950", "year", approximate=True),
    _d("1734-01-01T00:00:00", "1734-01-01", "1734-01-01", "day"),
    _d("16. listopadu 2018", "2018-11-16", "2018-11-16", "day"),
    _d("duben 1961", "1961-04", "1961-04", "month"),
    _d("10. 03. 2015", "2015-03-10", "2015-03-10", "day"),
    _d("20150310", "2015-03-10", "2015-03-10", "day"),
    _d("4/1961", "1961-04", "1961-04", "month"),
    _d("1828 - 1945", "1828", "1945", "year"),
    _d("1828–1945", "1828", "1945", "year"),
    _d("1734-1949 (1958)", "1734", "1949", "year"),
    _d("2012-06-01-2016-06-01", "2012-06-01", "2016-06-01", "day"),
    _d("2017-06-01/2017-06-30", "2017-06-01", "2017-06-30", "day"),
    _d("19. století", "1800", "1899", "century"),
    _d("19th century", "1800", "1899", "century"),
    _d("XIX. stol.", "1800", "1899", "century"),
    _d("1960s", "1960", "1969", "decade"),
    _d("1. polovina 19. století", "1800", "1849", "century"),
    _d("2. pol. 19. stol.", "1850", "1899", "century"),
    _d("first half of the 19th century", "1800", "1849", "century"),
    _d("20. léta 20. století", "1920", "1929", "decade"),
    _d("kolem roku 1950", "1950", "1950", "year", approximate=True),
]


@pytest.mark.parametrize("expected", CASES, ids=[c["text"] for c in CASES])
def test_parse(expected: dict[str, Any]) -> None:
    assert parse_date(expected["text"]) == expected
    DocumentDate.from_dict(expected)


@pytest.mark.parametrize(
    "text", ["", "  ", "Finding Aid Date", "31.2.1945", "1945-13-01", "1950 - 1940", "n.d."]
)
def test_not_understood(text: str) -> None:
    assert parse_date(text) is None


def test_original_text_is_kept_with_whitespace_folded() -> None:
    parsed = parse_date("  January   9,\n1961 ")
    assert parsed is not None
    assert parsed["text"] == "January 9, 1961"


def test_range_and_elza_interval() -> None:
    assert date_range("1734", "1776") == _d("1734-1776", "1734", "1776", "year")
    assert elza_interval("1886-01-01T00:00:00", "1905-12-31T23:59:59", "Y-Y") == _d(
        "1886-1905", "1886", "1905", "year"
    )
    assert elza_interval("1961-04-18T00:00:00", None, "D") == _d(
        "1961-04-18", "1961-04-18", "1961-04-18", "day"
    )


def test_w3cdtf() -> None:
    assert w3cdtf({"start": "1961-04", "end": "1961-04"}) == "1961-04"
    assert w3cdtf({"start": "1945-02-19", "end": "1945-03-14"}) == "1945-02-19/1945-03-14"
    assert w3cdtf(None) is None
