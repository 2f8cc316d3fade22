"""Re-harvest one record: fetch it from its partner again, through its source's kind.

What an admin's "re-harvest this record" button (and the API's) runs: a small run of its
own (trigger "record") in the run log, with the record's events, counts and raw bytes
like any run, so the page that follows shows what changed and why. Every kind can:
OAI-PMH asks GetRecord (a finding aid's component is fetched as the finding aid it came
in: `<identifier>#<component>` -> `<identifier>`), ARON fetches the entity by its uuid,
a files source reads the file that holds it again.
"""

from __future__ import annotations

from oai.harvest.harvester import RunResult, run_harvest
from oai.hub import Hub
from oai.settings import SourceSettings

__all__ = ["reharvest_record"]


def reharvest_record(
    hub: Hub, source: SourceSettings, remote_identifier: str, *, by: str = "admin"
) -> RunResult:
    """Fetch one partner record again and reconcile it, logged as a run of `source`."""
    return run_harvest(
        hub,
        source.id,
        trigger="record",
        refetch=[remote_identifier],
        why=f"re-harvest of {remote_identifier} asked by {by}",
    )
