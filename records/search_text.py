"""The words a record is found by, the words of a search, and the snippets that show why.

Both databases index the same text, made here (the store writes it into
`records.search_text` with every version): each word of the descriptive fields folded
(lower case, no diacritics), followed by its light Czech stem when that differs
(`records.czech_stem`). A search is folded and stemmed the same way, so "Praze",
"Prahy", "praha" and "Praha" all meet the stem "prah" of a record whose coverage is
"Praha". The folded word itself stays in the index for prefix searches ("Pra*").

Pure functions, no database: the migration that fills the column for older records
(0014) uses them too. A change to what `index_text` writes (folding, the stemmer, the
fields) needs a migration that fills the column again, as 0014 does.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from records.czech_stem import stem

__all__ = [
    "DESCRIPTIVE_FIELDS",
    "MAX_FIELD_CHARACTERS",
    "SearchWord",
    "Snippet",
    "descriptive_texts",
    "fold",
    "index_text",
    "matches",
    "parse_search",
    "snippets",
]

MAX_FIELD_CHARACTERS = 10_000  # of one field (a long transcript is indexed by its start)
MAX_WORDS = 8
MAX_WORD_LENGTH = 64
SNIPPET_CONTEXT = 60  # characters either side of the first match

# (key in the record's JSON form, label shown with a snippet), in the order snippets follow
DESCRIPTIVE_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "title"),
    ("summary", "description"),
    ("creators", "creator"),
    ("contributors", "contributor"),
    ("subjects", "subject"),
    ("places", "coverage"),
    ("people", "person"),
    ("organizations", "organization"),
    ("genres", "genre"),
    ("identifiers", "identifier"),
    ("record_id", "record id"),
    ("classification", "classification"),
    ("notes", "note"),
    ("transcript", "transcript"),
)
_ONE_LETTER_WORDS = frozenset("aikosuvz")  # a, i, k, o, s, u, v, z (folded)
# the text of an item of a list of objects
_ITEM_TEXT = {"creators": "name", "contributors": "name", "identifiers": "value", "notes": "text"}
_WORD = re.compile(r"[^\W_]+")
_SEARCH_WORD = re.compile(r"([^\W_]+)(\*?)")


# letters whose diacritic is no combining mark, so that NFKD keeps them whole
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l"})
_UNDECOMPOSED.update(str.maketrans({"æ": "ae", "œ": "oe", "þ": "th"}))


# the combining marks of the scripts a European archive meets (Latin, Greek, Cyrillic,
# Hebrew, Arabic and the combining blocks), removed in one `str.translate`
_MARKS = {
    code: None
    for low, high in ((0x0300, 0x0800), (0x1AB0, 0x1B00), (0x1DC0, 0x1E00), (0x20D0, 0x2100))
    for code in range(low, high)
    if unicodedata.combining(chr(code))
} | dict.fromkeys(range(0xFE20, 0xFE30))


def fold(text: str) -> str:
    """Lower case without diacritics ("Národního" -> "narodniho", "Łódź" -> "lodz")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    return decomposed.translate(_MARKS)


def descriptive_texts(content: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(label, text) of each descriptive value of a record's JSON form, in field order."""
    for key, label in DESCRIPTIVE_FIELDS:
        value = content.get(key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, Mapping):
                item = item.get(_ITEM_TEXT.get(key, ""))
            if isinstance(item, str) and item:
                yield label, item[:MAX_FIELD_CHARACTERS]


def index_text(content: Mapping[str, Any], *identifiers: str | None) -> str:
    """The words a record is found by: each folded word, then its stem when different."""
    texts = [text for _, text in descriptive_texts(content)]
    texts += [i for i in identifiers if i]
    # one fold and one split of the whole text: the costs are per call, not per word
    return " ".join(map(_indexed, _WORD.findall(fold("\n".join(texts)))))


@functools.lru_cache(maxsize=1 << 16)
def _indexed(word: str) -> str:
    """A folded word as the index holds it: itself, then its stem when different."""
    word = word[:MAX_WORD_LENGTH]
    stemmed = stem(word)
    return word if stemmed == word else f"{word} {stemmed}"


@dataclass(frozen=True, slots=True)
class SearchWord:
    """One word of a search: folded, its stem, and whether it is a prefix."""

    folded: str
    stem: str
    prefix: bool


def parse_search(query: str) -> list[SearchWord]:
    """The words of a search (at most MAX_WORDS); `word*` is a prefix, and so is the last
    word (the one being typed). Czech one-letter prepositions and conjunctions ("v Praze")
    are left out unless they are the whole search."""
    found = _SEARCH_WORD.findall(fold(query))
    meaningful = [(w, star) for w, star in found if star or w not in _ONE_LETTER_WORDS]
    found = (meaningful or found)[:MAX_WORDS]
    words = []
    for index, (word, star) in enumerate(found):
        word = word[:MAX_WORD_LENGTH]
        last = index == len(found) - 1
        words.append(SearchWord(word, stem(word), prefix=bool(star) or last))
    return words


@dataclass(frozen=True, slots=True)
class Snippet:
    """Where a record matched: the field, and its text cut around the first match as
    (before, match, after) pieces."""

    label: str
    before: str
    match: str
    after: str


def snippets(
    content: Mapping[str, Any], words: Sequence[SearchWord], limit: int = 2
) -> list[Snippet]:
    """The first `limit` fields (besides the title) in which a word of the search occurs."""
    found: list[Snippet] = []
    for label, text in descriptive_texts(content):
        if label == "title":
            continue  # the page shows the title anyway
        piece = _first_match(label, text, words)
        if piece is not None:
            found.append(piece)
            if len(found) == limit:
                break
    return found


def _first_match(label: str, text: str, words: Sequence[SearchWord]) -> Snippet | None:
    # the original text is cut, so the match is found word by word in the original
    for match in _WORD.finditer(text):
        folded = fold(match.group())
        if any(_meets(folded, w) for w in words):
            start, end = match.span()
            before = text[max(0, start - SNIPPET_CONTEXT) : start]
            after = text[end : end + SNIPPET_CONTEXT]
            return Snippet(
                label,
                ("…" if start > SNIPPET_CONTEXT else "") + before,
                match.group(),
                after + ("…" if end + SNIPPET_CONTEXT < len(text) else ""),
            )
    return None


def _meets(folded: str, word: SearchWord) -> bool:
    if stem(folded) == word.stem:
        return True
    return word.prefix and (folded.startswith(word.folded) or stem(folded).startswith(word.stem))


def matches(indexed: str | None, words: Sequence[SearchWord]) -> bool:
    """Whether a record's `index_text` holds every word of a search, as the full-text
    search finds it (a word or its stem; a prefix word as a prefix): how a set defined
    by a search decides, record by record, as records are written."""
    if not words:
        return False
    tokens = set((indexed or "").split())
    for word in words:
        if word.folded in tokens or word.stem in tokens:
            continue
        if word.prefix and any(
            token.startswith(word.folded) or token.startswith(word.stem) for token in tokens
        ):
            continue
        return False
    return True
