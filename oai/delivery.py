"""What the aggregators' formats take from the settings: EDM's and apeEAD's options."""

from __future__ import annotations

from crosswalks import EdmOptions, EdmSource
from crosswalks.ape_ead import ApeOptions
from oai.settings import Settings

__all__ = ["ape_options", "edm_options"]


def edm_options(settings: Settings) -> EdmOptions:
    """The `[edm]` settings, and each source's data provider and defaults, for the writer.

    A record's data provider is its source's `data_provider` when set, else the holding
    archive the record names, else the source's name (or id); `repository.name` for
    local records."""
    sources = tuple(
        (
            source.id,
            EdmSource(
                data_provider=source.data_provider,
                name=source.name or source.id,
                default_rights=source.default_rights,
                default_language=source.default_language,
            ),
        )
        for source in settings.sources
    )
    return EdmOptions(
        provider=settings.edm.provider,
        default_rights=settings.edm.default_rights,
        default_language=settings.edm.default_language,
        public_url=settings.public_url,
        uri_prefix=f"oai:{settings.repository.identifier}:",
        local=EdmSource(name=settings.repository.name),
        sources=sources,
    )


def ape_options(settings: Settings) -> ApeOptions:
    """The `[ape]` settings for the apeEAD writer."""
    return ApeOptions(settings.ape.country_code, settings.ape.agency_code)
