"""Checks of the values the aggregators' formats take from settings (EDM rights, languages)."""

from __future__ import annotations

from crosswalks import CrosswalkError
from crosswalks.ape_ead import ApeOptions
from crosswalks.languages import to_iso639_3
from crosswalks.rights import is_europeana_rights, suggest_rights
from oai.errors import ConfigError

__all__ = ["check_agency", "check_language", "check_rights"]


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


def check_agency(country_code: str, agency_code: str) -> None:
    """`[ape]` must give a country code and an agency code apeEAD accepts."""
    if not (len(country_code) == 2 and country_code.isascii() and country_code.isupper()):
        raise ConfigError(f"ape.country_code: {country_code!r} is not an ISO 3166-1 code (CZ)")
    try:
        ApeOptions(country_code, agency_code).main_agency()
    except CrosswalkError:
        raise ConfigError(
            f"ape.agency_code: {agency_code!r} is not an ISIL-like code apeEAD accepts"
            " (a country code, '-', then 1 to 11 letters, digits, ':', '/' or '-')"
        ) from None
