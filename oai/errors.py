"""The exceptions of the `oai` package.

OAIHubError
 ├── ConfigError                 a bad or missing setting
 ├── DatabaseUnreachable         the configured database does not answer (see oai.schema)
 ├── OAIError                    an OAI-PMH error condition (spec section 3.6);
 │    ├── BadArgument            each subclass names its spec code explicitly
 │    ├── BadResumptionToken
 │    ├── BadVerb
 │    ├── CannotDisseminateFormat
 │    ├── IdDoesNotExist
 │    ├── NoRecordsMatch
 │    ├── NoMetadataFormats
 │    └── NoSetHierarchy
 ├── HarvestError                harvesting a partner failed (see oai.harvest)
 ├── RenderError                 a format could not render a record (see oai.rendering)
 └── ExportError                 an export that cannot be made as asked (see oai.exports)
      └── UnknownExportSource    no such source, and no records harvested from it
"""

from __future__ import annotations

from typing import ClassVar


class OAIHubError(Exception):
    """Base of every error raised by `oai`."""


class ConfigError(OAIHubError):
    """The configuration is invalid or incomplete."""


class DatabaseUnreachable(OAIHubError):
    """The configured database could not be connected to."""


class OAIError(OAIHubError):
    """An OAI-PMH error; rendered as `<error code="...">message</error>` with HTTP 200."""

    code: ClassVar[str] = ""

    def __init__(self, message: str = "") -> None:
        self.message = message
        super().__init__(f"{self.code}: {message}" if message else self.code)


class BadArgument(OAIError):
    code = "badArgument"


class BadResumptionToken(OAIError):
    code = "badResumptionToken"


class BadVerb(OAIError):
    code = "badVerb"


class CannotDisseminateFormat(OAIError):
    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    code = "noSetHierarchy"


class HarvestError(OAIHubError):
    """Harvesting a partner archive failed."""


class RenderError(OAIHubError):
    """A record could not be rendered in every outbound format."""


class ExportError(OAIHubError):
    """An export that cannot be made as asked (an unknown source, format or prefix)."""


class UnknownExportSource(ExportError):
    """An export of a source the hub does not know and holds no records of."""
