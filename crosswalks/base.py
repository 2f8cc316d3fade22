"""`MetadataFormat`: one metadata format, with its writer and reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = [
    "DONOR_PREFIX",
    "JsonReader",
    "MetadataFormat",
    "Reader",
    "Writer",
    "normalise_namespace",
]

# The donor credit as the archive prints it ("... with support from Blavatnik Family
# Foundation"): every writer puts it before each donor, every reader takes it off again.
DONOR_PREFIX = "This document was made possible with support from "

Writer = Callable[[Mapping[str, Any]], bytes]
Reader = Callable[[etree._Element], list[dict[str, Any]]]
# A reader of a JSON partner format (parsed JSON, or its bytes) into record JSON forms.
JsonReader = Callable[..., list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class MetadataFormat:
    """A metadata format: what ListMetadataFormats shows, plus its crosswalk functions.

    `write` turns a record's JSON form into the metadata element (UTF-8 bytes, no XML
    declaration, carrying its own namespace declarations and xsi:schemaLocation);
    `read` turns a metadata root element into record JSON forms. Either may be None.
    `version` changes whenever the writer's output may change (stored renderings of
    this format are then stale). `read_json` reads a format that is JSON, not XML
    (ARON's API): such a format has no `root`. `aliases` are further root elements (Clark notation,
    "ead" for no namespace) that `Registry.detect` maps to this format. `xsd` names the
    schema shipped in `crosswalks/schemas/` for formats this project defines.
    """

    prefix: str
    namespace: str
    schema: str
    version: str
    root: str
    write: Writer | None = None
    read: Reader | None = None
    read_json: JsonReader | None = None
    label: str = ""
    aliases: tuple[str, ...] = ()
    xsd: str = ""

    def schema_file(self) -> Path | None:
        """The packaged XSD of a format defined here (oaihub, oai_dcterms), else None."""
        if not self.xsd:
            return None
        return Path(str(resources.files("crosswalks") / "schemas" / self.xsd))

    @property
    def outbound(self) -> bool:
        return self.write is not None

    @property
    def inbound(self) -> bool:
        return self.read is not None or self.read_json is not None


def normalise_namespace(namespace: str) -> str:
    """Fold the usual misspellings of a namespace URI: scheme, case, trailing '/' or '#'."""
    value = namespace.strip().lower()
    for scheme in ("https://", "http://"):
        if value.startswith(scheme):
            value = value[len(scheme) :]
            break
    return value.rstrip("/#")
