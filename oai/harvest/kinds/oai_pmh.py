"""The `oai-pmh` kind: a partner's OAI-PMH data provider, harvested incrementally.

Identify gives the partner's clock and granularity. The window: `from` is the previous
complete run's `until` minus `harvest.overlap_seconds`; `until` is the partner's own
responseDate (for day-granularity partners: yesterday), never our clock and never the
highest datestamp seen. Each set is its own stream of pages (`oai_pmh_pages`), whose
batches the run's ingest commits page by page with the checkpoint; a failed run's
checkpoint is resumed. Records that failed in earlier runs are asked for again first
(GetRecord). The high-water mark moves to `until` only when every stream of the run
completed; a full harvest then sweeps the records none of its runs saw into tombstones,
under `harvest.sweep_max_share`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from oai.harvest.errors import (
    HarvestError,
    HTTPStatusError,
    RemoteConfigError,
    ResponseTooLarge,
    TransportError,
)
from oai.harvest.kinds.oai_pmh_pages import fetch_again, stream_batches
from oai.harvest.parse import IdentifyInfo
from oai.harvest.runlog import Checkpoint, utcnow
from oai.harvest.state import RunState, StreamState, raw_of
from oai.harvest.stream import Stream, identify
from oai.ingest import MATCH_KEYS, Limits
from records.times import format_datestamp

__all__ = ["DAY", "harvest_oai_pmh", "refetch_oai_pmh", "window_for"]

DAY = "YYYY-MM-DD"


def _parse_stamp(value: str | None) -> datetime | None:
    """A partner's date or datetime (tolerant of fractions and offsets), in UTC."""
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _format(value: datetime, granularity: str) -> str:
    return value.strftime("%Y-%m-%d") if granularity == DAY else format_datestamp(value)


def window_for(
    info: IdentifyInfo, high_water: str | None, overlap: int, from_: str | None, full: bool
) -> tuple[str | None, str]:
    """(from, until) of a new run, in the partner's granularity, from the partner's clock
    (see `_checked_clock` for a clock far off)."""
    # the partner's clock; ours only when it sent no readable responseDate
    now = _parse_stamp(info.response_date) or utcnow()
    if info.day_granularity:
        until = _format(now - timedelta(days=1), DAY)  # today is not over on their side
    else:
        until = _format(now, info.granularity)
    if from_:
        return from_, until
    last = None if full else _parse_stamp(high_water)
    if last is None or last > now:
        # none, or one from a clock that ran ahead (9999-12-31): from the start, not never
        return None, until
    return _format(last - timedelta(seconds=overlap), info.granularity), until


def harvest_oai_pmh(run: RunState, from_: str | None) -> tuple[str, str]:
    """Harvest an OAI-PMH partner: Identify, plan the window and streams (or resume a
    checkpoint), harvest each set stream, and sweep after a full harvest."""
    settings, source = run.hub.settings, run.source
    max_bytes = settings.harvest.max_response_bytes
    try:
        info = identify(run.client, source.base_url, max_bytes=max_bytes)
    except (HTTPStatusError, ResponseTooLarge) as exc:
        info = _without_identify(run, exc)
    except TransportError as exc:
        # not reached at all (refused, timed out, after the retries): it is down, and
        # the lists would only spend the same retries again
        run.log.runs.add_counts(run.run_id, run.transport())
        run.event("error", "identify", f"the partner could not be reached: {exc}")
        return "failed", f"Identify failed: {exc}"
    except HarvestError as exc:
        info = _without_identify(run, exc)
    run.log.runs.add_counts(run.run_id, run.transport())
    info = _checked_clock(run, info)
    _plan(run, info, from_)
    for key in sorted(set(source.match) - set(MATCH_KEYS)):
        run.event(
            "warning",
            "config",
            f"unknown match key {key!r} ignored (known: {', '.join(MATCH_KEYS)})",
        )
    _refetch_failing(run)
    failures: list[str] = []
    for state in run.streams:
        if not state.done:
            failure = _harvest_stream(run, state, max_bytes)
            if failure:
                failures.append(failure)
    if failures:
        return "failed", "; ".join(failures)
    run.log.sources.set_high_water(source.id, run.window[1] or info.response_date, info.granularity)
    return _finish_full(run)


def _refetch_failing(run: RunState) -> None:
    """Ask again for the records that failed in earlier runs (an incremental window
    would never bring them back while the partner does not touch them)."""
    wanted = run.log.failing.to_fetch(run.source.id, limit=run.hub.settings.harvest.refetch_max)
    if not wanted:
        return
    run.event("info", "refetch", f"asking again for {len(wanted)} record(s) that failed before")
    failure = run.drive(fetch_again(run, wanted, label="GetRecord"), "refetch")
    if failure is not None:
        run.event("warning", "refetch", f"records that failed before not fetched: {failure}")


def refetch_oai_pmh(run: RunState, identifiers: list[str]) -> tuple[str, str]:
    """Fetch records again (GetRecord), as a run of their own: re-harvest one record."""
    documents = sorted({i.split("#", 1)[0] for i in identifiers})  # a finding aid's part
    failure = run.drive(fetch_again(run, documents, label="GetRecord"), "GetRecord")
    if failure is not None:
        return "failed", f"GetRecord failed: {failure}"
    return "ok", f"GetRecord {', '.join(documents)}: {_summary(run)}"


def _harvest_stream(run: RunState, state: StreamState, max_bytes: int) -> str | None:
    """Harvest one set stream to its end; the failure message, or None when complete."""
    name = state.set_spec or "(all)"
    remembered = _remembered_date_args(run)
    stream = Stream(
        run.client,
        run.source.base_url,
        run.source.metadata_prefix,
        set_spec=state.set_spec,
        from_=run.window[0],
        until=run.window[1],
        token=state.token,
        max_empty_pages=run.hub.settings.harvest.max_empty_pages,
        max_bytes=max_bytes,
        notify=lambda level, kind, message: run.event(level, kind, f"{name}: {message}"),
        limits=Limits.from_settings(run.hub.settings.harvest),
        date_args=remembered,
        on_date_args=lambda date_args: _remember_date_args(run, remembered, date_args),
    )
    pages_before = state.pages
    failure = run.drive(stream_batches(run, state, stream), name)
    if failure is None:
        return None
    if isinstance(failure, RemoteConfigError):  # resuming would ask the same question again
        run.unresumable = f"{failure}"
    kind = "config" if isinstance(failure, RemoteConfigError) else "stream"
    page = _committed_pages(run, state, pages_before) + 1
    message = f"stream {name} failed at page {page}: {failure}"
    run.event("error", kind, message, page=page, **raw_of(failure))
    return message


def _committed_pages(run: RunState, state: StreamState, before: int) -> int:
    """The pages of a stream committed so far (its state may run ahead of the commits)."""
    saved = run.log.runs.get(run.run_id)
    streams = (saved.checkpoint or {}).get("streams") if saved else None
    for found in streams if isinstance(streams, list) else ():
        if isinstance(found, dict) and found.get("set") == state.set_spec:
            return int(found.get("pages") or 0)
    return before


def _remembered_date_args(run: RunState) -> str | None:
    found = run.log.sources.get(run.source.id)
    return found.date_args if found else None


def _remember_date_args(run: RunState, remembered: str | None, date_args: str | None) -> None:
    """Keep the date arguments the partner took for the source's next runs."""
    if date_args != remembered:
        run.log.sources.set_date_args(run.source.id, date_args)
        run.event(
            "warning" if date_args else "info",
            "fallback",
            f"from now on {run.source.id} is asked with date arguments"
            f" {date_args or 'as its Identify advertises'}",
            detail={"date_args": date_args},
        )


SECONDS = "YYYY-MM-DDThh:mm:ssZ"


def _without_identify(run: RunState, exc: HarvestError) -> IdentifyInfo:
    """Some providers break Identify (an HTTP error, a malformed answer) and serve their
    lists well: go on with defaults, and say so."""
    run.event(
        "warning",
        "identify",
        f"Identify failed ({exc}); harvesting with defaults: second granularity, no"
        " deletion support, our clock",
        **raw_of(exc),
    )
    return _defaults(run.source.base_url)


def _defaults(base_url: str) -> IdentifyInfo:
    """What a partner whose Identify fails is taken to be."""
    now = format_datestamp(utcnow())
    return IdentifyInfo("", base_url, SECONDS, "", "no", now)


def _checked_clock(run: RunState, info: IdentifyInfo) -> IdentifyInfo:
    """The partner's clock, unless it is further from ours than `harvest.max_clock_skew`
    (a responseDate of 9999-12-31 would make every later window start in the future and
    miss every update): then ours, and a warning."""
    limit = run.hub.settings.harvest.max_clock_skew
    theirs, ours = _parse_stamp(info.response_date), utcnow()
    if theirs is None or abs(theirs - ours) <= timedelta(seconds=limit):
        return info
    mine = format_datestamp(ours)
    if theirs < ours:
        # a clock behind ours also dates its records behind: its own clock stays right
        run.event(
            "warning",
            "clock",
            f"the partner's responseDate {info.response_date} is more than"
            f" harvest.max_clock_skew ({limit}s) behind our clock ({mine}); its datestamps"
            " are read on its own clock",
        )
        return info
    run.event(
        "warning",
        "clock",
        f"the partner's responseDate {info.response_date} is more than"
        f" harvest.max_clock_skew ({limit}s) ahead of our clock ({mine}): the window uses ours",
    )
    return replace(info, response_date=mine)


def _plan(run: RunState, info: IdentifyInfo, from_: str | None) -> None:
    """Choose the window and the streams: resume a failed run's checkpoint, or start new."""
    source, settings = run.source, run.hub.settings
    saved = None if from_ else run.log.runs.last_checkpoint(source.id)
    if saved is not None and (saved.full or not run.full) and _resumable(saved):
        run.window = (saved.window_from, saved.window_until)
        run.streams = [
            StreamState(s["set"], s["token"], s["done"], s.get("pages", 0))
            for s in saved.state["streams"]
        ]
        run.full = saved.full
        if run.full:
            run.chain = [*saved.state.get("chain", [saved.run_id]), run.run_id]
        run.event("info", "resume", f"resuming run {saved.run_id} from its checkpoint")
    else:
        high_water = None if run.full else _high_water(run)
        overlap = settings.harvest.overlap_seconds
        run.window = window_for(info, high_water, overlap, from_, run.full)
        run.streams = [StreamState(s) for s in (source.sets or (None,))]
        run.chain = [run.run_id] if run.full else []
    run.log.runs.set_window(run.run_id, *run.window)
    run.log.runs.checkpoint(run.run_id, run.state())
    run.event(
        "info",
        "identify",
        f"{info.repository_name or source.base_url}: granularity "
        f"{info.granularity}, deletedRecord {info.deleted_record}, window "
        f"{run.window[0] or 'start'} .. {run.window[1]}",
    )


def _resumable(saved: Checkpoint) -> bool:
    streams = saved.state.get("streams")
    return isinstance(streams, list) and all(isinstance(s, dict) for s in streams)


def _high_water(run: RunState) -> str | None:
    found = run.log.sources.get(run.source.id)
    return found.high_water if found else None


def _finish_full(run: RunState) -> tuple[str, str]:
    """After a complete run: a full harvest sweeps what none of its runs saw."""
    if not run.full:
        return "ok", f"complete: {_summary(run)}"
    try:
        live = run.hub.store.local_ids_of_source(run.source.id)
        gone = sorted(live - run.log.seen.by(run.chain))
        outcome = run.sweep(gone, len(live), "records not seen in the full harvest")
    finally:
        run.log.seen.forget(run.chain)
    if outcome.refused:
        return "partial", outcome.refused
    # the counts after the sweep: its tombstones are among the deleted
    return "ok", f"complete: {_summary(run)}; sweep: {outcome.deleted} tombstones"


def _summary(run: RunState) -> str:
    return ", ".join(f"{v} {k}" for k, v in run.counts.items())
