"""Rights statements to the canonical URIs Europeana accepts in `edm:rights`.

Partners write rights as text ("volné dílo", "CC BY 4.0", "Public Domain") or as URLs
in their many spellings (https, `/page/` instead of `/vocab/`, a deed page, no trailing
slash). `canonical_rights` folds both to the one URI Europeana's schematron accepts,
from two data files: `data/rights.tsv` (text variants) and `data/europeana_rights.txt`
(the accepted URI patterns, as the schematron lists them).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

__all__ = ["canonical_rights", "is_europeana_rights", "suggest_rights"]

_DASHES = re.compile(r"[\s\-_–—/,:;()]+")
# creativecommons.org deed and legalcode pages of a licence ("/by/4.0/deed.cs")
_CC_PAGE = re.compile(r"/(deed(\.[a-z\-]+)?|legalcode(\.[a-z\-]+)?)$", re.IGNORECASE)


def _data(name: str) -> str:
    return (resources.files("crosswalks") / "data" / name).read_text(encoding="utf-8")


def _rows(text: str) -> list[str]:
    return [row for row in text.splitlines() if row.strip() and not row.startswith("#")]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _DASHES.sub(" ", plain).strip(" .")


@cache
def _variants() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in _rows(_data("rights.tsv")):
        variant, uri = row.split("\t")
        table[_fold(variant)] = uri.strip()
    return table


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(row.strip()) for row in _rows(_data("europeana_rights.txt")))


def is_europeana_rights(uri: str) -> bool:
    """True if `uri` is exactly one of the rights URIs Europeana accepts."""
    return any(pattern.match(uri) for pattern in _patterns())


def _normalise_url(value: str) -> str | None:
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # "http://[::1": not a URL at all
        return None
    host = parts.netloc.lower().removeprefix("www.")
    if parts.scheme.lower() not in ("http", "https") or host not in (
        "creativecommons.org",
        "rightsstatements.org",
    ):
        return None
    path = _CC_PAGE.sub("", parts.path)
    if host == "rightsstatements.org":
        path = path.replace("/page/", "/vocab/")
    if not path.endswith("/"):
        path += "/"
    return f"http://{host}{path}"


def canonical_rights(value: str | None) -> str | None:
    """The Europeana rights URI a statement or URL stands for, or None if it maps to none."""
    if not value or not value.strip():
        return None
    uri = _normalise_url(value) if "://" in value else _variants().get(_fold(value))
    return uri if uri is not None and is_europeana_rights(uri) else None


def suggest_rights(value: str) -> str:
    """Words for a settings error: the canonical form of a near miss, if there is one."""
    canonical = canonical_rights(value)
    if canonical and canonical != value:
        return f" (did you mean {canonical}?)"
    return ""
