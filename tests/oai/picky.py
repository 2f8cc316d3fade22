"""A test outbound format whose crosswalk refuses some records: a render that fails.

`picky` writes what oai_dc writes, but refuses every record whose title holds
`REFUSED`, and the seed record of the demo data (`REFUSED_ID`). Its writer is a
module-level function, so a registry holding it pickles by reference into the
harvest's spawned worker processes, as the real formats do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crosswalks import CrosswalkError, MetadataFormat, Registry, default_registry, oai_dc

PREFIX = "picky"
REFUSED = "refuse me"
REFUSED_ID = "301006"
REASON = "this crosswalk refuses the record"


def write(record: Mapping[str, Any]) -> bytes:
    if REFUSED in record["title"] or record["id"] == REFUSED_ID:
        raise CrosswalkError(REASON, format=PREFIX)
    return oai_dc.write(record)


FORMAT = MetadataFormat(
    prefix=PREFIX,
    namespace=oai_dc.NS,
    schema=oai_dc.SCHEMA,
    version="1",
    root="{urn:oaihub:test}picky",
    write=write,
    label="oai_dc, but refusing some records",
)


def picky_registry() -> Registry:
    """Every format of the package, and `picky`."""
    return Registry([*default_registry().all(), FORMAT])
