"""The record model's JSON form as people write it: normalised as the XML readers do.

A JSON Lines import may give a date as its text alone (`{"date": {"text": "1961"}}`, or
`"date": "March 1961"`) and languages by name (`"Czech"`, `"cs-CZ"`); the XML readers
read the same text in `dc:date` and `dc:language`. Both go through the crosswalks' own
normalisers (`crosswalks.dates.parse_date`, `crosswalks.languages.to_iso639_3`), so a
record reads the same whichever way it came. What is already in the model's form is
left exactly as it is; what no normaliser understands is left for the record model to
refuse, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crosswalks.dates import parse_date
from crosswalks.languages import to_iso639_3

__all__ = ["normalised"]

_CODE = re.compile(r"^[a-z]{2,3}$")  # the model's own form (records.checks.LANGUAGE)


def normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a record's JSON form with date texts and language names normalised."""
    record = dict(data)
    if "date" in record:
        record["date"] = _date(record["date"])
    languages = record.get("languages")
    if isinstance(languages, list):
        record["languages"] = _languages(languages)
    related = record.get("related")
    if isinstance(related, list):
        record["related"] = [
            {**item, "date": _date(item["date"])}
            if isinstance(item, Mapping) and "date" in item
            else item
            for item in related
        ]
    return record


def _date(value: Any) -> Any:
    """A date given by its text alone, parsed; anything else as it is."""
    if isinstance(value, str):
        return parse_date(value) or value
    if isinstance(value, Mapping) and isinstance(value.get("text"), str) and "start" not in value:
        parsed = parse_date(value["text"])
        if parsed is None:
            return value
        # flags given explicitly win over the ones read from the text ("ca.", "[?]")
        flags = {k: value[k] for k in ("approximate", "inferred") if k in value}
        return {**parsed, **flags}
    return value


def _languages(values: list[Any]) -> list[Any]:
    """Each language as an ISO 639 code; a code already is one; unknown names kept (the
    record model then refuses them, naming the field). Repeats go."""
    codes: list[Any] = []
    for value in values:
        code = value
        if isinstance(value, str) and not _CODE.match(value):
            code = to_iso639_3(value) or value
        if code not in codes:
            codes.append(code)
    return codes
