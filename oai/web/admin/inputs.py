"""What the admin pages and the API accept from a request, before any query runs.

- **Row ids in paths** (`<id:run_id>`) are whole numbers from 1 to 2**31 - 1, the range
  of an INTEGER column on PostgreSQL: a larger one is no row (404), never an overflow in
  the driver or the database.
- **Integer arguments** (`after`, `before`, `limit`) are ASCII digits within their range;
  anything else is a 400 naming the argument.
- **Text the databases refuse**: a NUL (PostgreSQL cannot store or compare it in text)
  or a lone surrogate anywhere in the path, the query string or a form is a 400, on
  SQLite as on PostgreSQL, so both answer the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

__all__ = ["MAX_ROW_ID", "RowIdConverter", "int_arg", "refuse_unstorable_text"]

MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RowIdConverter(IntegerConverter):
    """A path part that is a row id: 1 to MAX_ROW_ID, otherwise the URL matches nothing."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def int_arg(
    name: str, default: int | None = None, *, low: int = 0, high: int = MAX_ROW_ID
) -> int | None:
    """The query argument `name` as a whole number in [low, high]; absent or empty: the
    default; anything else: 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    digits = raw[1:] if raw.startswith("-") else raw
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):
        abort(400, description=f"{name} must be a whole number")
    value = int(raw)
    if not low <= value <= high:
        abort(400, description=f"{name} must be between {low} and {high}")
    return value


def refuse_unstorable_text() -> None:
    """400 when the path, the query string or the form holds a character the databases
    refuse (a NUL, a lone surrogate)."""
    if _UNSTORABLE.search(request.path) or _any_unstorable(request.args.items(multi=True)):
        abort(400, description="the request holds a NUL or another character not allowed here")
    if request.method not in ("GET", "HEAD", "OPTIONS") and _any_unstorable(
        request.form.items(multi=True)
    ):
        abort(400, description="the form holds a NUL or another character not allowed here")


def _any_unstorable(pairs: Iterable[tuple[str, str]]) -> bool:
    return any(_UNSTORABLE.search(key) or _UNSTORABLE.search(value) for key, value in pairs)
