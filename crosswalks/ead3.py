"""EAD3 finding aids -> records (read only), including the Czech Interior Ministry
profile exported by ELZA: `control/recordid`, `maintenanceagency/agencycode`
(localtype "PEvA": the archive's code), `archdesc/@base` and `c/@base` pointing at the
national portal, `unitid localtype`, `unitdatestructured`, nested `c` components.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crosswalks.base import MetadataFormat
from crosswalks.draft import Draft
from crosswalks.ead import Finding, children, first, read_archdesc
from crosswalks.parsing import text_of

__all__ = ["FORMAT", "NS", "read"]

NS = "http://ead3.archivists.org/schema/"
SCHEMA = "http://www.loc.gov/ead/ead3.xsd"


def read(root: etree._Element) -> list[dict[str, Any]]:
    """Records of an EAD3 ead element."""
    control = first(root, "control")
    agency = first(control, "maintenanceagency")
    recordid = text_of(first(control, "recordid")) or None
    finding = Finding(
        format="ead3",
        title=text_of(first(control, "filedesc", "titlestmt", "titleproper")) or None,
        archive=text_of(first(agency, "agencyname")) or None,
        ids=(recordid,),
    )
    if recordid:
        finding.identifiers.append({"type": "recordid", "value": recordid})
    for code in children(agency, "agencycode") if agency is not None else ():
        value = text_of(code)
        if value:
            finding.identifiers.append(
                {"type": code.get("localtype") or "agencycode", "value": value}
            )
    archdesc = first(root, "archdesc")
    if archdesc is None:
        raise Draft("ead3", root).missing("archdesc")
    return read_archdesc(archdesc, finding)


FORMAT = MetadataFormat(
    prefix="ead3",
    namespace=NS,
    schema=SCHEMA,
    version="1",
    root=f"{{{NS}}}ead",
    write=None,
    read=read,
    label="EAD3 finding aid (incl. the Czech ELZA profile)",
)
