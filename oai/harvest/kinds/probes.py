"""Test connection, per kind: one short check of what a run of the source needs.

- `oai-pmh`: Identify answers, and ListMetadataFormats offers the source's prefix (the
  ones it does offer are listed when it does not);
- `aron`: which API the portal speaks, and one page of it;
- `files`: the files are found and readable (one GET for a URL).

Each probe sends at most a few requests with the client it is given (short timeouts, no
retries: the admin is waiting) and says what it found in words, never raising for what
the partner did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from oai.harvest.client import Client
from oai.harvest.errors import HarvestError
from oai.harvest.kinds.aron_api import AronAPI
from oai.harvest.kinds.aron_v1_api import AronV1API
from oai.harvest.kinds.aron_which import V1, resolve, which_label
from oai.harvest.kinds.files import locate
from oai.harvest.parse import parse_metadata_formats
from oai.harvest.stream import identify
from oai.settings import SourceSettings

__all__ = ["Probe", "probe_aron", "probe_files", "probe_oai_pmh"]


@dataclass(frozen=True, slots=True)
class Probe:
    """What Test connection found: whether a run can go ahead, in words."""

    ok: bool
    summary: str
    details: dict[str, str] = field(default_factory=dict)


def probe_oai_pmh(client: Client, source: SourceSettings, max_bytes: int) -> Probe:
    try:
        info = identify(client, source.base_url, max_bytes=max_bytes)
    except HarvestError as exc:
        return Probe(False, f"Identify failed: {exc}")
    details = {
        "repositoryName": info.repository_name,
        "baseURL": info.base_url,
        "granularity": info.granularity,
        "earliestDatestamp": info.earliest_datestamp,
        "deletedRecord": info.deleted_record,
        "responseDate": info.response_date,
    }
    name = info.repository_name or source.base_url
    try:
        response = client.get(source.base_url, {"verb": "ListMetadataFormats"})
        offered = parse_metadata_formats(response.body, max_bytes=max_bytes)
    except HarvestError as exc:
        return Probe(
            False, f"{name} answered Identify, but ListMetadataFormats failed: {exc}", details
        )
    details["metadata formats"] = ", ".join(offered) or "(none)"
    if source.metadata_prefix not in offered:
        return Probe(
            False,
            f"{name} answered Identify, but does not offer {source.metadata_prefix!r}:"
            f" it offers {', '.join(offered) or 'no format'}.",
            details,
        )
    return Probe(True, f"{name} answered Identify and offers {source.metadata_prefix!r}.", details)


def probe_aron(client: Client, source: SourceSettings, max_bytes: int) -> Probe:
    """The ARON kind's equivalent of Identify: which API the portal speaks (a bare
    portal URL is probed, `/api/v1/system/info` first), then one page of one unit."""
    try:
        api, base = resolve(client, source.base_url)
        if api == V1:
            info = AronV1API(client, base).info()
            page = AronV1API(client, base).search("FUND", [], 0, 1)
            first = page.hits[0].uuid if page.hits else "(none: the portal lists no fund)"
            name = f"{info.get('name')} {info.get('version') or ''}".strip()
        else:
            ids = AronAPI(client, base).listview([], None, 1).ids
            first = ids[0] if ids else "(none: the portal lists nothing)"
            name = ""
    except HarvestError as exc:
        return Probe(False, f"The ARON API failed: {exc}")
    details = {"API": which_label(api), "base URL": base, "first id": first}
    if name:
        details["portal"] = name
    return Probe(True, f"The ARON API answered: the portal speaks {which_label(api)}.", details)


def probe_files(client: Client, source: SourceSettings, max_bytes: int) -> Probe:
    """The files a `files` source names: found and readable (one GET for a URL)."""
    names = locate(source.base_url)
    if names and names[0].startswith(("http://", "https://")):
        try:
            body = client.get(names[0], {}).body
        except HarvestError as exc:
            return Probe(False, f"Fetching the file failed: {exc}")
        return Probe(True, f"{names[0]} answered: {len(body)} bytes.")
    sizes: dict[str, str] = {}
    unreadable = []
    for name in names:
        path = Path(name)
        try:
            with path.open("rb") as fh:
                fh.read(1)
            sizes[path.name] = f"{path.stat().st_size} bytes"
        except OSError as exc:
            unreadable.append(f"{path.name}: {exc.strerror}")
    if not names or unreadable:
        problem = "; ".join(unreadable) or f"no file at {source.base_url}"
        return Probe(False, f"Not readable: {problem}", dict(list(sizes.items())[:20]))
    return Probe(True, f"{len(names)} file(s) found and readable.", dict(list(sizes.items())[:20]))
