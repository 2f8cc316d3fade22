"""The batches of the `oai-pmh` kind: ListRecords pages of a set stream, and records
fetched again one by one (GetRecord).

A page becomes batches of at most `BATCH` records, so a page of 100,000 tiny records is
read in the memory of one batch; only the last batch of a page carries the checkpoint
(the token after the page), so a run killed in the middle of a page does that page
again (its committed records are then unchanged).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from oai.harvest.errors import HarvestError, RemoteConfigError
from oai.harvest.parse import Page, parse_get_record
from oai.harvest.state import RunState, StreamState
from oai.harvest.stream import Stream
from oai.ingest import DEFAULT_BATCH, Batch, Item, Limits, Note

__all__ = ["fetch_again", "stream_batches"]


def stream_batches(run: RunState, state: StreamState, stream: Stream) -> Iterator[Batch]:
    """The batches of one set stream, from its saved position to its end."""
    name = state.set_spec or "(all)"
    for fetched in stream.pages():
        number = state.pages + 1
        label = f"{name} page {number}"
        notes = [Note("warning", "repair", f"page {number}: {r}") for r in fetched.page.repairs]
        yield from _page_batches(run, state, fetched.page, fetched.next_token, label, notes)
    if not state.done:  # noRecordsMatch, or a list that ended without a page
        state.done, state.token = True, None
        yield Batch([], f"{name}: done", checkpoint=run.state(), pages=0)


def _page_batches(
    run: RunState,
    state: StreamState,
    page: Page,
    next_token: str | None,
    label: str,
    notes: list[Note],
) -> Iterator[Batch]:
    count = page.count
    starts = range(0, count, DEFAULT_BATCH) if count else [0]
    number = state.pages + 1
    for start in starts:
        items = page.items(label, start, start + DEFAULT_BATCH)
        broken = sum(1 for item in items if item.error and "does not parse" in item.error)
        said = list(notes) if start == 0 else []
        if broken:
            said.append(
                Note(
                    "warning",
                    "repair",
                    f"page {number} does not parse as a whole; split at its records:"
                    f" {broken} record(s) rejected, the others kept",
                )
            )
        last = start + DEFAULT_BATCH >= count
        checkpoint = None
        if last:  # the page is done once its last batch is committed
            state.pages = number
            state.token, state.done = next_token, next_token is None
            checkpoint = run.state()
        yield Batch(
            items,
            label,
            checkpoint=checkpoint,
            pages=1 if last else 0,
            notes=said,
            page=number,
        )


def fetch_again(run: RunState, identifiers: Sequence[str], *, label: str) -> Iterator[Batch]:
    """Records asked for one by one (GetRecord): the failing records of a source, or
    one record an admin re-harvests. One not found (idDoesNotExist) is gone; one that
    cannot be fetched now stays failing (a warning says why)."""
    settings = run.hub.settings.harvest
    limits = Limits.from_settings(settings)
    items: list[Item] = []
    gone: list[str] = []
    for identifier in identifiers:
        params = {
            "verb": "GetRecord",
            "identifier": identifier,
            "metadataPrefix": run.source.metadata_prefix,
        }
        try:
            response = run.client.get(run.source.base_url, params)
            page = parse_get_record(
                response.body, max_bytes=settings.max_response_bytes, limits=limits
            )
        except RemoteConfigError as exc:
            if exc.code == "idDoesNotExist":
                gone.append(identifier)
                run.event("info", "refetch", f"{identifier}: no longer at the partner ({exc})")
            else:
                run.event("warning", "refetch", f"{identifier}: GetRecord failed: {exc}")
            continue
        except HarvestError as exc:
            run.event("warning", "refetch", f"{identifier}: GetRecord failed: {exc}")
            continue
        items += page.items(f"{label} {identifier}")
        if len(items) >= DEFAULT_BATCH:
            yield Batch(items, label, pages=len(items), gone=gone)
            items, gone = [], []
    if items or gone:
        yield Batch(items, label, pages=len(items), gone=gone)
