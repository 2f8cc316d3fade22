"""The `files` kind: partners that deliver exports as files instead of an API.

`base_url` names where the files are: a file, a directory (every file in it), a glob
(`/exports/*.xml`), or one http(s) URL. Every inbound format of the crosswalk registry is
read, detected from each file: EAD 2002/apeEAD, the Czech EAD3 profile, ELZA exports,
APUX, MARCXML and MODS collections, oai_dc, OAI-PMH responses, and JSON Lines of the
record model. Containers are cut at their records (`oai.ingest.FileItems`), so a file of
any size is read in the memory of one batch, and a broken record costs that record.

Every run reads the whole set of files: a file whose content hash equals the one the
previous run stored (and which holds no failing record) is skipped, and its records
count as unchanged; the others are cut into items that the run's ingest commits in
batches, each with the run's counters and a checkpoint. A record missing from a complete
set of files becomes a tombstone through the guarded sweep (`harvest.sweep_max_share`);
when any file could not be read whole (missing, cut short, not a document) the set is not
complete: nothing is deleted, and the run ends `partial`.
"""

from __future__ import annotations

import glob
import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from oai.harvest.errors import HarvestError
from oai.harvest.state import RunState
from oai.ingest import DEFAULT_BATCH, Batch, FileItems, Item, Note

__all__ = ["harvest_files", "locate", "outside_roots", "refetch_files"]


def locate(where: str) -> list[str]:
    """The files a source names, in a stable order: one URL, or local paths."""
    if urlsplit(where).scheme in ("http", "https"):
        return [where]
    path = where.removeprefix("file://")
    if any(c in path for c in "*?["):
        return sorted(p for p in glob.glob(path) if Path(p).is_file())
    if Path(path).is_dir():
        return sorted(str(p) for p in Path(path).iterdir() if p.is_file())
    return [path]


def outside_roots(where: str, roots: Sequence[str]) -> str | None:
    """Why a files source added in the browser or the API may not read `where` (a local
    path outside every directory of `harvest.file_roots`), or None when it may."""
    if urlsplit(where).scheme in ("http", "https"):
        return None
    listed = [Path(r).resolve() for r in roots]
    if not listed:
        return (
            "local paths are allowed only under the directories the configuration lists in"
            " harvest.file_roots (none are listed); give an http(s) URL"
        )
    path = where.removeprefix("file://")
    fixed = re.split(r"[*?\[]", path, maxsplit=1)[0]  # a glob's fixed part
    resolved = Path(fixed or "/").resolve()
    inside = any(resolved == root or root in resolved.parents for root in listed)
    if ".." in Path(path).parts or not inside:
        shown = ", ".join(str(r) for r in listed)
        return f"{path} is not under a directory listed in harvest.file_roots ({shown})"
    return None


def _previous(run: RunState) -> dict[str, dict[str, Any]]:
    """File -> {"hash", "ids"} as the source's last run with file state left it."""
    saved = run.log.runs.last_checkpoint(run.source.id)
    last = run.log.runs.last(run.source.id)
    state = None
    for found in (saved.state if saved is not None else None, last.checkpoint if last else None):
        if isinstance(found, dict) and isinstance(found.get("files"), dict):
            state = found["files"]
            break
    return {str(k): v for k, v in (state or {}).items() if isinstance(v, dict)}


def _open(
    run: RunState, name: str, known: Mapping[str, Any] | None
) -> tuple[IO[bytes] | None, dict[str, str]]:
    """The bytes of one file: a local file, or the body of one GET (size-capped,
    conditional on the ETag and Last-Modified of the last run: None when unchanged);
    and the validators to keep for the next run."""
    if urlsplit(name).scheme not in ("http", "https"):
        return open(name, "rb"), {}
    ask = {}
    if known and known.get("etag"):
        ask["If-None-Match"] = str(known["etag"])
    if known and known.get("last_modified"):
        ask["If-Modified-Since"] = str(known["last_modified"])
    response = run.client.get(name, {}, ask or None)
    if response.status == 304:
        return None, {}
    headers = {k.lower(): v for k, v in response.headers.items()}
    kept = {"etag": headers.get("etag", ""), "last_modified": headers.get("last-modified", "")}
    return io.BytesIO(response.body), {k: v for k, v in kept.items() if v}


def _digest(
    run: RunState, name: str, known: Mapping[str, Any] | None
) -> tuple[str | None, IO[bytes] | None, dict[str, str]]:
    """(SHA-256, the open file, validators); (None, None, {}) for a 304."""
    stream, validators = _open(run, name, known)
    if stream is None:
        return None, None, {}
    sha = hashlib.sha256()
    while block := stream.read(1 << 20):
        sha.update(block)
    stream.seek(0)
    return sha.hexdigest(), stream, validators


@dataclass
class _Reading:
    """What a run of a files source has read so far (the producer's state)."""

    run: RunState
    names: list[str]
    previous: dict[str, dict[str, Any]]
    failing: set[str]  # files holding records that failed: read again, whatever their hash
    only: set[str] | None = None  # read just these files (records fetched again)
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        return {"files": dict(self.done), "chain": self.run.chain}

    def finish(self, name: str, entry: dict[str, Any]) -> dict[str, Any]:
        """The checkpoint after a file read to its end, made at its last commit (when
        the partner identities of its records are known)."""
        assert self.run.ingest is not None
        entry["ids"] = list(dict.fromkeys(self.run.ingest.identities.pop(name, [])))
        self.done[name] = entry
        return self.state()


def _batches(reading: _Reading) -> Iterator[Batch]:
    run = reading.run
    for name in reading.names:
        if reading.only is not None and name not in reading.only:
            continue
        known = reading.previous.get(name)
        try:
            digest, stream, validators = _digest(run, name, known)
        except (OSError, HarvestError) as exc:
            reading.unreadable.append(name)
            run.event("error", "files", f"{name}: cannot be read: {exc}")
            continue
        skip = stream is None or (known is not None and known.get("hash") == digest)
        if skip and name not in reading.failing and known is not None:
            if stream is not None:
                stream.close()
            yield _unchanged(reading, name, known)
            continue
        assert stream is not None
        with stream:
            yield from _file_batches(reading, name, stream, {"hash": digest, **validators})


def _unchanged(reading: _Reading, name: str, known: Mapping[str, Any]) -> Batch:
    """A file as the last run read it: its records are seen and unchanged."""
    ids = [str(i) for i in known.get("ids") or []]
    reading.done[name] = dict(known)
    note = Note("info", "files", f"{name}: unchanged since the last run ({len(ids)} records)")
    return Batch([], name, checkpoint=reading.state(), unchanged=ids, notes=[note])


def _file_batches(
    reading: _Reading, name: str, stream: IO[bytes], entry: dict[str, Any]
) -> Iterator[Batch]:
    """One file's records in batches; the last one finishes the file (or says why the
    file is not complete: cut short, not a document)."""
    settings = reading.run.hub.settings.harvest
    items = FileItems(
        stream,
        name,
        max_record_bytes=settings.max_record_bytes,
        max_document_bytes=settings.max_response_bytes,
    )
    batch: list[Item] = []
    count = 0
    for item in items:
        batch.append(item)
        if len(batch) >= DEFAULT_BATCH:
            count += len(batch)
            yield Batch(batch, name, checkpoint=reading.state)
            batch = []
    count += len(batch)
    if not items.complete:
        reading.unreadable.append(name)
        note = Note("error", "files", f"{name}: {items.problem or 'not read to its end'}")
        yield Batch(batch, name, checkpoint=reading.state, notes=[note])
        return
    note = Note("info", "files", f"{name}: {count} records read")
    yield Batch(
        batch,
        name,
        checkpoint=lambda: reading.finish(name, entry),
        notes=[note],
        finished=[name],
    )


def harvest_files(run: RunState, from_: str | None) -> tuple[str, str]:
    """Read the source's files into the store; (status, message) of the run."""
    source = run.source
    refused = _refused(run)
    if refused:
        run.event("error", "config", refused)
        return "failed", refused
    run.full = True
    run.chain = [run.run_id]
    names = locate(source.base_url)
    reading = _Reading(run, names, _previous(run), run.log.failing.documents(source.id))
    if not names:
        reading.unreadable.append(source.base_url)
        run.event("error", "files", f"no file found at {source.base_url}")
    failure = run.drive(_batches(reading), "files")
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    if failure is not None:
        run.event("error", "files", f"reading the files failed: {failure}")
        reading.unreadable.append(str(failure))
    if reading.unreadable:
        run.log.seen.forget(run.chain)
        message = f"{len(reading.unreadable)} of {len(names)} files not read whole: no deletions"
        counts = run.counts
        got = reading.done or counts["added"] + counts["updated"] + counts["unchanged"] > 0
        return ("partial" if got else "failed"), f"{message}; {summary}"
    try:
        live = run.hub.store.local_ids_of_source(source.id)
        missing = sorted(live - run.log.seen.by(run.chain))
        outcome = run.sweep(missing, len(live), "records missing from the complete set of files")
    finally:
        run.log.seen.forget(run.chain)
    if outcome.refused:
        return "partial", outcome.refused
    return "ok", f"{len(names)} files: {summary}; sweep: {outcome.deleted} tombstones"


def _refused(run: RunState) -> str | None:
    """A source added in the browser or the API reads local files only under
    `harvest.file_roots`; the configuration's own sources may read any path."""
    if any(s.id == run.source.id for s in run.hub.config_file.sources()):
        return None
    refused = outside_roots(run.source.base_url, run.hub.settings.harvest.file_roots)
    return f"source {run.source.id!r}: {refused}" if refused else None


def refetch_files(run: RunState, identifiers: list[str]) -> tuple[str, str]:
    """Read again the files that hold these records (their failing ones, or the file a
    record came from); nothing is deleted by such a partial reading."""
    refused = _refused(run)
    if refused:
        return "failed", refused
    documents = {i.rpartition("#")[0] for i in identifiers if "#" in i}
    documents |= run.log.failing.documents(run.source.id)
    names = locate(run.source.base_url)
    wanted = {n for n in names if n in documents} or set(names)
    reading = _Reading(run, names, {}, set(wanted), only=wanted)
    failure = run.drive(_batches(reading), "files")
    if failure is not None:
        return "failed", f"reading the files failed: {failure}"
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    return ("partial" if reading.unreadable else "ok"), f"{len(wanted)} file(s) read: {summary}"
