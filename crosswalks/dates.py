"""Normalise the dates archives really write into the record model's date object.

`parse_date("19.2. - 14.3.1945")` gives ``{"text": "19.2. - 14.3.1945", "start":
"1945-02-19", "end": "1945-03-14", "precision": "day"}``: the original text is kept
beside the normalised ISO 8601 value (cut to its precision). "[1993]" is `inferred`
(supplied by the cataloguer), "ca. 1950" is `approximate`. Decades and centuries give
year bounds: "1960s" is 1960-1969, "19th century" / "19. století" is 1800-1899.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

__all__ = ["date_range", "parse_date", "parse_point", "w3cdtf"]

# A point in time: (year, month or None, day or None, precision).
Point = tuple[int, int | None, int | None, str]

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan leden ledna januar janner",
        "february feb unor unora februar",
        "march mar brezen brezna marz",
        "april apr duben dubna",
        "may kveten kvetna mai",
        "june jun cerven cervna juni",
        "july jul cervenec cervence juli",
        "august aug srpen srpna",
        "september sep sept zari",
        "october oct rijen rijna oktober okt",
        "november nov listopad listopadu",
        "december dec prosinec prosince dezember dez",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_APPROX = re.compile(
    r"^(?:ca\.?|c\.|circa|cca\.?|approx\.?|about|around|asi|kolem|okolo|um|~)\s*"
    r"(?:roku\s+|r\.\s*|v\s+roce\s+)?",
    re.I,
)
_ISO = re.compile(
    r"^(-?\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$", re.I
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})?$")
_SLASH_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"^(\d{3,4})$")
_DECADE = re.compile(r"^(\d{3})0\s*'?s$")
_CENTURY = re.compile(r"^(\d{1,2}|[ivxlc]+)\.?\s*(?:st|nd|rd|th)?\s*(?:century|stoleti|stol\.?)$")
_CENTURY_WORD = r"(\d{1,2}|[ivxlc]+)\.?\s*(?:st|nd|rd|th)?\s*(?:century|stoleti|stol\.?)"
# "1. polovina 19. století", "2. pol. 19. stol.", "first half of the 19th century"
_HALF = re.compile(
    r"^(1|2|first|second)\.?\s*(?:polovina|pol\.?|half\s+of\s+the)\s+" + _CENTURY_WORD + "$"
)
# "20. léta 20. století" (the 1920s)
_TWENTIES = re.compile(r"^(\d0)\.\s*leta\s+" + _CENTURY_WORD + "$")
_WORDS = re.compile(r"[a-z]+\.?|\d+")
_RANGE_SEPARATORS = re.compile(r"\s*(?:/|–|—|\s-\s|\bto\b|\baz\b|\bbis\b)\s*")
_ASIDE = re.compile(r"\s*\([^)]*\)\s*$")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
# the record schema's precisions, finest first (tests/test_record_contract.py checks)
_RANK = {"day": 0, "month": 1, "year": 2, "decade": 3, "century": 4}


def _fold(text: str) -> str:
    """Lower case without diacritics: 'Března' -> 'brezna'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _roman(value: str) -> int:
    total = 0
    for char, following in zip(value, [*value[1:], ""], strict=True):
        number = _ROMAN[char]
        total += -number if following and _ROMAN[following] > number else number
    return total


def _century_number(raw: str) -> int:
    return int(raw) if raw.isdigit() else _roman(raw)


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is None:
        return True
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        date(max(year, 1), month, day)
    except ValueError:
        return False
    return True


def _words_point(text: str) -> Point | None:
    """'April 1961', 'January 9, 1961', '9 January 1961', '16. listopadu 2018'."""
    tokens = _WORDS.findall(text)
    months = [_MONTHS[t.rstrip(".")] for t in tokens if t.rstrip(".") in _MONTHS]
    numbers = [int(t) for t in tokens if t.isdigit()]
    others = [t for t in tokens if not t.isdigit() and t.rstrip(".") not in _MONTHS]
    if len(months) != 1 or others or not 1 <= len(numbers) <= 2:
        return None
    years = [n for n in numbers if n > 31]
    days = [n for n in numbers if n <= 31]
    if len(years) > 1 or len(days) > 1:
        return None
    year = years[0] if years else None
    day = days[0] if days else None
    if year is None:
        return (0, months[0], day, "day" if day else "month") if day else None
    return (year, months[0], day, "day" if day else "month")


def parse_point(text: str) -> Point | None:
    """One point in time (year 0 means 'year not given', as in '19.2.' of a range)."""
    value = _fold(text).strip().strip(".,;").strip()
    if match := _ISO.match(value):
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        precision = "day" if day else "month" if month else "year"
        return (year, month, day, precision)
    if match := _COMPACT.match(value):
        y, m, d = (int(g) for g in match.groups())
        return (y, m, d, "day")
    if match := _DOTTED.match(value.rstrip(".") + "." if value.count(".") == 1 else value):
        d, m = int(match.group(1)), int(match.group(2))
        return (int(match.group(3) or 0), m, d, "day")
    if match := _SLASH_MONTH.match(value):
        return (int(match.group(2)), int(match.group(1)), None, "month")
    if match := _YEAR.match(value):
        return (int(match.group(1)), None, None, "year")
    return _words_point(value)


def _iso(year: int, month: int | None, day: int | None) -> str:
    text = f"{year:04d}" if year >= 0 else f"-{-year:04d}"
    if month is not None:
        text += f"-{month:02d}"
        if day is not None:
            text += f"-{day:02d}"
    return text


def _span(value: str) -> tuple[str, str, str] | None:
    """Decades and centuries as (start year, end year, precision)."""
    if match := _DECADE.match(value):
        base = int(match.group(1)) * 10
        return (f"{base:04d}", f"{base + 9:04d}", "decade")
    if match := _HALF.match(value):
        number = _century_number(match.group(2))
        if 1 <= number <= 30:
            base = (number - 1) * 100 + (0 if match.group(1) in ("1", "first") else 50)
            return (f"{base:04d}", f"{base + 49:04d}", "century")
    if match := _TWENTIES.match(value):
        number = _century_number(match.group(2))
        decade = int(match.group(1))
        if 1 <= number <= 30 and decade % 10 == 0:
            base = (number - 1) * 100 + decade
            return (f"{base:04d}", f"{base + 9:04d}", "decade")
    if match := _CENTURY.match(value):
        number = _century_number(match.group(1))
        if 1 <= number <= 30:
            base = (number - 1) * 100
            return (f"{base:04d}", f"{base + 99:04d}", "century")
    return None


def _single(value: str) -> tuple[str, str, str] | None:
    span = _span(value)
    if span:
        return span
    point = parse_point(value)
    if point is None or point[0] == 0 or not _valid(point[0], point[1], point[2]):
        return None
    iso = _iso(point[0], point[1], point[2])
    return (iso, iso, point[3])


def _coarser(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def _pair(left: str, right: str) -> tuple[str, str, str] | None:
    """A range of two points; the left may borrow its year (and month) from the right."""
    end = _single(right)
    if end is None:
        return None
    start = _single(left)
    if start is None:
        point = parse_point(left)
        end_point = parse_point(right)
        if point is None or end_point is None or point[0] != 0:
            return None
        month = point[1] if point[1] is not None else end_point[1]
        if not _valid(end_point[0], month, point[2]):
            return None
        iso = _iso(end_point[0], month, point[2])
        start = (iso, iso, point[3])
    if end[1] < start[0]:
        return None
    return (start[0], end[1], _coarser(start[2], end[2]))


def _range(value: str) -> tuple[str, str, str] | None:
    parts = _RANGE_SEPARATORS.split(value)
    if len(parts) == 2:
        return _pair(parts[0], parts[1])
    # '1828-1945', '2012-06-01-2016-06-01': try each hyphen as the separator.
    for index, char in enumerate(value):
        if char == "-" and 0 < index < len(value) - 1:
            found = _pair(value[:index], value[index + 1 :])
            if found:
                return found
    return None


def _flags(text: str) -> tuple[str, bool, bool]:
    """Strip the brackets of a supplied date and the marks of an approximate one."""
    value = _fold(text).strip()
    inferred = "[" in value and "]" in value
    value = value.replace("[", "").replace("]", "").strip()
    approximate = False
    if _APPROX.match(value):
        approximate, value = True, _APPROX.sub("", value, count=1)
    if value.endswith("?"):
        approximate, value = True, value.rstrip("?").strip()
    return value, approximate, inferred


def parse_date(text: str | None) -> dict[str, Any] | None:
    """The model's date object for a date as written, or None if it is not understood."""
    if not text or not text.strip():
        return None
    value, approximate, inferred = _flags(text)
    found = _single(value) or _range(value)
    if found is None and _ASIDE.search(value):
        # '1734-1949 (1958)': the bracketed outlier is not part of the main range.
        trimmed = _ASIDE.sub("", value).strip()
        found = _single(trimmed) or _range(trimmed)
    if found is None:
        return None
    result: dict[str, Any] = {
        "text": " ".join(text.split()),
        "start": found[0],
        "end": found[1],
        "precision": found[2],
    }
    if approximate:
        result["approximate"] = True
    if inferred:
        result["inferred"] = True
    return result


def date_range(
    start: str | None, end: str | None, text: str | None = None
) -> dict[str, Any] | None:
    """A date object from separate start and end values (EAD3 fromdate/todate, ELZA)."""
    first = _single(_flags(start)[0]) if start else None
    last = _single(_flags(end)[0]) if end else None
    first = first or last
    last = last or first
    if first is None or last is None or last[1] < first[0]:
        return None
    label = text or (start if start == end or not end else f"{start}-{end}")
    return {
        "text": " ".join((label or "").split()),
        "start": first[0],
        "end": last[1],
        "precision": _coarser(first[2], last[2]),
    }


def w3cdtf(value: Any) -> str | None:
    """The W3CDTF form of a date object: the date at its precision, or 'start/end'."""
    if not isinstance(value, dict) or not value.get("start"):
        return None
    start = str(value["start"])
    end = str(value.get("end") or start)
    return start if end == start else f"{start}/{end}"


_ELZA_PRECISION = {"C": ("century", 4), "Y": ("year", 4), "YM": ("month", 7), "D": ("day", 10)}
_ELZA_PRECISION["DT"] = ("day", 10)


def elza_interval(start: str | None, end: str | None, fmt: str | None) -> dict[str, Any] | None:
    """An ELZA/ARON unit date (`f`, `to` date-times and `fmt` such as "Y-Y") as a date object."""
    if not start:
        return None
    parts = (fmt or "D").split("-")
    precision, width = _ELZA_PRECISION.get(parts[0], ("day", 10))
    last = _ELZA_PRECISION.get(parts[-1], (precision, width))
    first_value, last_value = start[:width], (end or start)[: last[1]]
    text = first_value if first_value == last_value else f"{first_value}-{last_value}"
    found = date_range(first_value, last_value, text)
    if found:
        found["precision"] = _coarser(precision, last[0])
    return found
