"""Checks of the values the aggregators' formats take from settings (EDM rights, languages)."""

from __future__ import annotations

from crosswalks.languages import to_iso639_3
from crosswalks.rights import is_europeana_rights, suggest_rights
from oai.errors import ConfigError

__all__ = ["check_language", "check_rights"]


def check_rights(value: str, where: str) -> None:
    """A rights setting must be empty or exactly a rights URI Europeana accepts."""
    if value and not is_europeana_rights(value):
        raise ConfigError(
            f"{where}: {value!r} is not a rights statement Europeana accepts (a Creative"
            f" Commons or rightsstatements.org URI, http, with its trailing slash)"
            f"{suggest_rights(value)}"
        )


def check_language(value: str, where: str) -> None:
    """A language setting must be empty or a language code or name we know."""
    if value and to_iso639_3(value) is None:
        raise ConfigError(f"{where}: {value!r} is not an ISO 639 language code or name")
