"""The DCMI type of a unit's material from its genre ("Fotografie" is an image, not Text).

The table is a data file, `data/genres.tsv`. Only a unit described as Text takes the
type of its genre: a fonds or series stays a Collection whatever its genres.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

__all__ = ["material_type"]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _table() -> dict[str, str]:
    text = (resources.files("crosswalks") / "data" / "genres.tsv").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for row in text.splitlines():
        if row.strip() and not row.startswith("#"):
            genre, dcmi = row.split("\t")
            table[_fold(genre)] = dcmi.strip()
    return table


def material_type(genres: Iterable[str], dcmi_type: str) -> str:
    """The DCMI type the genres give a Text unit; any other type is kept."""
    if dcmi_type != "Text":
        return dcmi_type
    for genre in genres:
        found = _table().get(_fold(genre))
        if found:
            return found
    return dcmi_type
