"""Partner kinds: how a source is harvested, one module each, behind one small interface.

A kind turns a run (`RunState`: the source, the hub, the run log, the HTTP client, the
page writer connection) into records through the shared parts every kind uses: the
`Reconciler` (records by id, local edits merged, versions), a checkpoint committed with
each batch (a killed run resumes), the seen-set and the guarded sweep
(`harvest.sweep_max_share`) for deletions, and run events. It returns the run's status
and message; the harvester opens and closes the run, keeps the heartbeat and notifies.

- `oai-pmh` (`kinds.oai_pmh`): incremental windows of ListRecords per set;
- `aron` (`kinds.aron`): sweeps of the Czech National Archives' ARON REST API;
- `files` (`kinds.files`): exports as files (a file, directory, glob or one URL).

A new kind (ResourceSync, another archive's API) is one more module and one more row of
`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oai.errors import ConfigError
from oai.harvest.kinds.aron import harvest_aron
from oai.harvest.kinds.files import harvest_files
from oai.harvest.kinds.oai_pmh import harvest_oai_pmh
from oai.harvest.state import RunState
from oai.settings import SourceSettings

__all__ = ["KINDS", "Kind", "kind_of"]


@dataclass(frozen=True, slots=True)
class Kind:
    """One partner kind: its name, what it is, and how a run harvests it."""

    name: str
    label: str
    # (run, `from` asked for or None) -> (status, message)
    harvest: Callable[[RunState, str | None], tuple[str, str]]
    incremental: bool  # False: every run reads everything (and may sweep)


KINDS: dict[str, Kind] = {
    "oai-pmh": Kind("oai-pmh", "OAI-PMH data provider", harvest_oai_pmh, True),
    "aron": Kind("aron", "ARON REST API (Czech archives)", lambda r, _f: harvest_aron(r), False),
    "files": Kind("files", "exported files", lambda r, _f: harvest_files(r), False),
}


def kind_of(source: SourceSettings) -> Kind:
    """The kind of a source; ConfigError for a kind this hub does not know."""
    try:
        return KINDS[source.kind]
    except KeyError:
        known = ", ".join(KINDS)
        raise ConfigError(f"source {source.id!r}: unknown kind {source.kind!r} ({known})") from None
