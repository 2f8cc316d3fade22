"""Partner kinds: how a source is harvested, one module each, behind one small interface.

A kind talks to its partner and cuts what it gets into items (`oai.ingest.Item`), in
batches with the checkpoint that follows each; it hands them to the run
(`RunState.drive`), and at the end of a complete reading asks for the guarded sweep
(`RunState.sweep`). It never reconciles, renders, counts or writes records itself: the
one ingest path (`oai.ingest`) does, the same for every kind. Each kind also says how to
fetch given records again (the failing ones; an admin's re-harvest of one record) and
how to test a connection.

- `oai-pmh` (`kinds.oai_pmh`): incremental windows of ListRecords per set;
- `aron` (`kinds.aron`, `kinds.aron_v1`): sweeps of the Czech National Archives' ARON
  REST API, the old one (`/api/aron`) or ARON 2.0's (`/api/v1`);
- `files` (`kinds.files`): exports as files (a file, directory, glob or one URL).

A new kind (ResourceSync, another archive's API) is one more module and one more row of
`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oai.errors import ConfigError
from oai.harvest.client import Client
from oai.harvest.kinds.aron import harvest_aron, refetch_aron
from oai.harvest.kinds.files import harvest_files, refetch_files
from oai.harvest.kinds.oai_pmh import harvest_oai_pmh, refetch_oai_pmh
from oai.harvest.kinds.probes import Probe, probe_aron, probe_files, probe_oai_pmh
from oai.harvest.state import RunState
from oai.settings import SourceSettings

__all__ = ["KINDS", "Kind", "Probe", "kind_of"]

Outcome = tuple[str, str]  # (status, message) of a run


@dataclass(frozen=True, slots=True)
class Kind:
    """One partner kind: its name, what it is, how a run harvests it, how given records
    are fetched again, how a connection is tested."""

    name: str
    label: str
    # (run, `from` asked for or None) -> (status, message)
    harvest: Callable[[RunState, str | None], Outcome]
    # (run, partner identifiers) -> (status, message)
    refetch: Callable[[RunState, list[str]], Outcome]
    # (client, source, response cap) -> what Test connection says
    probe: Callable[[Client, SourceSettings, int], Probe]
    # runs have an OAI-PMH window and metadata prefix (the admin shows them)
    windowed: bool = False


KINDS: dict[str, Kind] = {
    "oai-pmh": Kind(
        "oai-pmh",
        "OAI-PMH data provider",
        harvest_oai_pmh,
        refetch_oai_pmh,
        probe_oai_pmh,
        windowed=True,
    ),
    "aron": Kind("aron", "ARON REST API (Czech archives)", harvest_aron, refetch_aron, probe_aron),
    "files": Kind("files", "exported files", harvest_files, refetch_files, probe_files),
}


def kind_of(source: SourceSettings) -> Kind:
    """The kind of a source; ConfigError for a kind this hub does not know."""
    try:
        return KINDS[source.kind]
    except KeyError:
        known = ", ".join(KINDS)
        raise ConfigError(f"source {source.id!r}: unknown kind {source.kind!r} ({known})") from None
