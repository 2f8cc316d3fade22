"""A light Czech stemmer: Dolamic and Savoy's, on words already folded to plain letters.

Ljiljana Dolamic and Jacques Savoy, "Indexing and stemming approaches for the Czech
language", Information Processing & Management 45 (2009): the "light" stemmer removes
one case ending, then a possessive suffix, then undoes the commonest palatalisations
(the stem of "Praze" and "Prahy" is the stem of "Praha"). Lucene ships the same
algorithm as its CzechStemmer.

Here the stemmer reads a word whose diacritics are already removed (see
`records.search_text.fold`), with the published endings folded the same way, so that a
query typed without diacritics ("prazske") stems exactly as the word with them
("pražské"). A few endings become one (ů -> u, ě -> e); the index and the query are
stemmed alike, so that only makes a few more words meet.
"""

from __future__ import annotations

import functools

__all__ = ["stem"]

# (the word is longer than, endings): the first ending found is removed; longest first
_THREE_LETTER_ENDINGS = (
    "ech ich eho emi emu ete eti iho imi imu ach ata aty ych ama ami ove ovi ymi"
)
# (the word is longer than, endings all of one length): the first group whose ending the
# word has loses it; longest endings first
_CASE_ENDINGS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (7, ("atech",)),
    (6, ("etem", "atum")),
    (5, tuple(_THREE_LETTER_ENDINGS.split(" "))),
    (4, ("em", "es", "im", "um", "at", "am", "os", "us", "ym", "mi", "ou")),
    (3, ("a", "e", "i", "o", "u", "y")),
)
_POSSESSIVES = ("ov", "in", "uv")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The light stem of one folded, lower-case word (digits and short words kept)."""
    if not word.isalpha():
        return word  # identifiers, years, call numbers: as they are
    word = _without_case(word)
    word = _without_possessive(word)
    return _normalised(word) if word else word


def _without_case(word: str) -> str:
    for longer_than, endings in _CASE_ENDINGS:
        # one test per group: the endings of a group are all of one length
        if len(word) > longer_than and word.endswith(endings):
            return word[: -len(endings[0])]
    return word


def _without_possessive(word: str) -> str:
    if len(word) > 5 and word.endswith(_POSSESSIVES):
        return word[:-2]
    return word


def _normalised(word: str) -> str:
    # palatalised consonants back to their stems: čt -> ck, št -> sk, c/č -> k, z/ž -> h
    if word.endswith("ct"):
        return word[:-2] + "ck"
    if word.endswith("st"):
        return word[:-2] + "sk"
    if word[-1] == "c":
        return word[:-1] + "k"
    if word[-1] == "z":
        return word[:-1] + "h"
    # a mobile e before the last letter (pes, psa) and ů -> o (dům, domu) go
    if len(word) > 1 and word[-2] == "e":
        return word[:-2] + word[-1]
    if len(word) > 2 and word[-2] == "u":
        return word[:-2] + "o" + word[-1]
    return word
