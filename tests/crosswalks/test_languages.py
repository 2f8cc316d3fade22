"""Language codes and names -> ISO 639-3, and back to ISO 639-2/B for MARC and MODS."""

from __future__ import annotations

import pytest

from crosswalks.languages import english_name, to_iso639_2b, to_iso639_3


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("cs", "ces"),
        ("cze", "ces"),
        ("ces", "ces"),
        ("CZE", "ces"),
        ("Czech", "ces"),
        ("čeština", "ces"),
        ("cestina", "ces"),
        ("česky", "ces"),
        ("cs-CZ", "ces"),
        ("de", "deu"),
        ("ger", "deu"),
        ("German", "deu"),
        ("němčina", "deu"),
        ("he", "heb"),
        ("Hebrew", "heb"),
        ("latina", "lat"),
        ("English", "eng"),
        ("sk", "slk"),
        ("slo", "slk"),
        ("Russian", "rus"),
        ("fre", "fra"),
        ("LNG_cze", "ces"),
        ("Yiddish", "yid"),
        ("und", "und"),
    ],
)
def test_to_iso639_3(value: str, code: str) -> None:
    assert to_iso639_3(value) == code


@pytest.mark.parametrize("value", ["", None, "Latn", "Language note", "ZP2015_LANGUAGE_43"])
def test_not_a_language(value: str | None) -> None:
    assert to_iso639_3(value) is None


def test_to_marc_codes() -> None:
    assert [to_iso639_2b(c) for c in ("ces", "deu", "heb", "slk", "fra", "eng")] == [
        "cze",
        "ger",
        "heb",
        "slo",
        "fre",
        "eng",
    ]


def test_english_name() -> None:
    assert english_name("cze") == "Czech"
