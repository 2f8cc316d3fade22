"""What a record's public page says to machines: Signposting links and schema.org JSON-LD.

Pure functions over a record and the URLs of the page: no Flask, no store. Signposting
(https://signposting.org/FAIR/): `cite-as` the record's persistent address, `describedby`
each metadata format (its GetRecord URL, typed with the format's namespace),
`license` the rights URI Europeana would take, `type` the schema.org class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from crosswalks.rights import canonical_rights
from records.model import Record

__all__ = ["PageLinks", "json_ld", "link_header", "schema_type"]

SCHEMA = "https://schema.org/"
# the record's level or DCMI type -> the schema.org class of the page's subject
_LEVEL_TYPES = {"fonds": "ArchiveComponent", "collection": "Collection", "series": "Collection"}
_DCMI_TYPES = {
    "StillImage": "Photograph",
    "Image": "VisualArtwork",
    "MovingImage": "Movie",
    "Sound": "AudioObject",
    "Collection": "Collection",
}


@dataclass(frozen=True, slots=True)
class PageLinks:
    """The URLs a record's page points at."""

    page: str  # this page's own absolute URL
    cite_as: str  # the persistent address to cite (the partner's permalink, or the page)
    formats: Mapping[str, tuple[str, str]]  # prefix -> (GetRecord URL, namespace)
    parent: str | None = None
    parts: Sequence[str] = ()


def schema_type(record: Record) -> str:
    """The schema.org class of a record (ArchiveComponent for archival units)."""
    if record.level in _LEVEL_TYPES:
        return _LEVEL_TYPES[record.level]
    return _DCMI_TYPES.get(record.dcmi_type, "ArchiveComponent")


def license_of(record: Record) -> str | None:
    """The canonical rights URI of the record's own rights, if they map to one."""
    return canonical_rights(record.rights) or canonical_rights(record.access_rights)


# what may stay as it is in a Link target: the URI reserved characters and escapes
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _link(url: str, rel: str, **params: str) -> str:
    # RFC 8288: the target in <>, parameters quoted. A partner's URL may hold anything
    # (a space, <, >, a quote, a line break): it is percent-encoded, never copied raw
    target = quote(url, safe=_URI_SAFE)
    extra = "".join(f'; {key}="{quote(value, safe=_URI_SAFE)}"' for key, value in params.items())
    return f'<{target}>; rel="{rel}"{extra}'


def link_header(record: Record, links: PageLinks) -> str:
    """The Signposting `Link` header of a record's page."""
    values = [_link(links.cite_as, "cite-as")]
    for url, namespace in links.formats.values():
        values.append(_link(url, "describedby", type="text/xml", formats=namespace))
    licence = license_of(record)
    if licence:
        values.append(_link(licence, "license"))
    values.append(_link(SCHEMA + schema_type(record), "type"))
    values.append(_link(SCHEMA + "AboutPage", "type"))
    return ", ".join(values)


def _agents(record: Record) -> list[dict[str, str]]:
    kinds = {"person": "Person", "organization": "Organization"}
    return [
        {"@type": kinds.get(agent.kind or "", "Thing"), "name": agent.name}
        for agent in record.creators
    ]


def json_ld(record: Record, links: PageLinks) -> dict[str, Any]:
    """The schema.org description of a record, as JSON-LD."""
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": schema_type(record),
        "@id": links.cite_as,
        "url": links.page,
        "name": record.title,
        "identifier": record.record_id or record.id,
    }
    if record.summary:
        data["description"] = record.summary
    if record.date:
        start, end = record.date.start, record.date.end or record.date.start
        data["temporalCoverage"] = start if start == end else f"{start}/{end}"
        data["dateCreated"] = start
    if record.creators:
        data["creator"] = _agents(record)
    if record.languages:
        data["inLanguage"] = list(record.languages)
    licence = license_of(record)
    if licence:
        data["license"] = licence
    elif record.rights:
        data["usageInfo"] = record.rights
    if record.source and record.source.archive:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "name": record.source.archive}
    if links.parent:
        data["isPartOf"] = {"@id": links.parent}
    if links.parts:
        data["hasPart"] = [{"@id": part} for part in links.parts]
    if links.cite_as != links.page:
        data["sameAs"] = links.cite_as
    return data
