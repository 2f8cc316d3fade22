"""EAD 2002 and apeEAD (Archives Portal Europe) finding aids -> records (read only).

Both use the namespace urn:isbn:1-931666-22-9; the DTD form has no namespace at all
(the EHRI sample, `<!DOCTYPE ead SYSTEM "ead/ead.dtd">`: the DTD is never fetched).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crosswalks.base import MetadataFormat
from crosswalks.draft import Draft
from crosswalks.ead import Finding, first, read_archdesc
from crosswalks.parsing import text_of

__all__ = ["FORMAT", "NS", "read"]

NS = "urn:isbn:1-931666-22-9"
SCHEMA = "http://www.loc.gov/ead/ead.xsd"


def read(root: etree._Element) -> list[dict[str, Any]]:
    """Records of an EAD 2002 (or apeEAD) ead element."""
    header = first(root, "eadheader")
    eadid = first(header, "eadid")
    finding = Finding(
        format="ead",
        title=text_of(first(header, "filedesc", "titlestmt", "titleproper")) or None,
        archive=text_of(first(header, "filedesc", "publicationstmt", "publisher")) or None,
    )
    if eadid is not None:
        identifier = eadid.get("identifier") or text_of(eadid)
        finding.ids = (text_of(eadid) or None, identifier)
        finding.identifiers.append({"type": "eadid", "value": text_of(eadid) or identifier})
        if eadid.get("url", "").startswith(("http://", "https://")):
            finding.identifiers.append({"type": "url", "value": eadid.get("url", "")})
    archdesc = first(root, "archdesc")
    if archdesc is None:
        raise Draft("ead", root).missing("archdesc")
    repository = first(archdesc, "did", "repository")
    if repository is not None:
        finding.archive = text_of(repository)
    return read_archdesc(archdesc, finding)


FORMAT = MetadataFormat(
    prefix="ead",
    namespace=NS,
    schema=SCHEMA,
    version="1",
    root=f"{{{NS}}}ead",
    write=None,
    read=read,
    label="EAD 2002 / apeEAD finding aid",
    aliases=("ead",),
)
