"""Language codes and names to ISO 639-3, and ISO 639-3 to ISO 639-2/B for MARC and MODS.

The record model stores ISO 639-3 codes ("ces", "deu", "heb"). Partners write ISO
639-1 ("cs"), 639-2/B ("cze", "ger"), 639-2/T, locale tags ("cs-CZ") or names in
English or Czech ("Czech", "čeština", "němčina"); `to_iso639_3` folds all of them.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

__all__ = ["english_name", "to_iso639_1", "to_iso639_2b", "to_iso639_3"]

# ISO 639-3, ISO 639-2/B, ISO 639-1, names: a tested data file, one language a line.
_TABLE_FILE = "languages.txt"


_TO_3: dict[str, str] = {}
_TO_2B: dict[str, str] = {}
_TO_1: dict[str, str] = {}
_NAMES: dict[str, str] = {}
_LOCALE = re.compile(r"^([a-z]{2,3})[-_][a-z0-9]{2,8}$")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _load() -> None:
    text = (resources.files("crosswalks") / "data" / _TABLE_FILE).read_text(encoding="utf-8")
    for row in text.splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        code3, code2b, code1, names = row.split(" ", 3)
        _NAMES[code3] = names.split("|")[0]
        _TO_2B[code3] = code3 if code2b == "-" else code2b
        if code1 != "-":
            _TO_1[code3] = code1
        for key in (code3, code2b, code1, *names.split("|")):
            if key != "-":
                _TO_3.setdefault(_fold(key), code3)


_load()


def to_iso639_3(value: str | None) -> str | None:
    """ISO 639-3 for a code (639-1, 639-2/B or /T, 639-3, locale tag) or a language name."""
    if not value:
        return None
    key = _fold(value)
    key = key.removeprefix("lng_").removeprefix("iso639-2:").strip(" .")
    if key in _TO_3:
        return _TO_3[key]
    if match := _LOCALE.match(key):
        return _TO_3.get(match.group(1))
    if re.fullmatch(r"[a-z]{3}", key):
        return key  # a well-formed code we have no row for: keep it, do not guess
    return None


def to_iso639_2b(code: str) -> str:
    """ISO 639-2/B (MARC 008/041, MODS authority iso639-2b) for an ISO 639-3 code."""
    code3 = to_iso639_3(code) or code
    return _TO_2B.get(code3, code3)


def to_iso639_1(code: str) -> str:
    """ISO 639-1 where the language has one, else ISO 639-3 (what EDM's dc:language wants)."""
    code3 = to_iso639_3(code) or code
    return _TO_1.get(code3, code3)


def english_name(code: str) -> str | None:
    """The English name of a language code, if known."""
    code3 = to_iso639_3(code)
    return _NAMES.get(code3) if code3 else None
