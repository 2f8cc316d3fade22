"""The light Czech stemmer and the words a record is indexed by."""

from __future__ import annotations

import pytest

from records.czech_stem import stem
from records.search_text import fold, index_text, parse_search


@pytest.mark.parametrize(
    ("forms", "common"),
    [
        (("Praha", "Prahy", "Praze", "Prahou", "Prahu"), "prah"),
        (("hrad", "hradu", "hradem", "hradech"), "hrad"),
        (("dům", "domu", "domem"), "dom"),
        (("žena", "ženy", "ženě", "ženou", "ženách", "ženami"), "zn"),
        (("Brno", "Brna", "Brně", "Brnem"), "brn"),
    ],
)
def test_inflected_forms_share_a_stem(forms: tuple[str, ...], common: str) -> None:
    assert {stem(fold(f)) for f in forms} == {common}


def test_short_words_numbers_and_identifiers_are_kept() -> None:
    assert stem("vy") == "vy"
    assert stem("1961") == "1961"
    assert stem("r50000") == "r50000"


def test_folding_and_stemming_agree_without_diacritics() -> None:
    assert fold("Národního ŽIVOTA") == "narodniho zivota"
    assert fold("Łódź, Ærø, Straße") == "lodz, aero, strasse"
    assert stem(fold("pražské")) == stem("prazske")


def test_index_text_holds_each_word_and_its_stem() -> None:
    content = {"title": "Zpráva", "places": ["Praha"], "notes": [{"text": "X-1"}]}
    assert index_text(content, "doc-1", None) == "zprava zprav praha prah x 1 doc dok 1"


def test_search_words() -> None:
    words = parse_search('Praze "hrad" deleg* x')
    assert [(w.folded, w.stem, w.prefix) for w in words] == [
        ("praze", "prah", False),
        ("hrad", "hrad", False),
        ("deleg", "delg", True),
        ("x", "x", True),
    ]
    assert len(parse_search(" ".join(["w"] * 50))) == 8


def test_one_letter_prepositions_are_left_out_of_a_search() -> None:
    assert [w.folded for w in parse_search("v Praze a Brně")] == ["praze", "brne"]
    assert [w.folded for w in parse_search("a")] == ["a"], "unless they are all there is"
