"""The `files` kind: partners that deliver exports as files instead of an API.

`base_url` names where the files are: a file, a directory (every file in it), a glob
(`/exports/*.xml`), or one http(s) URL. Every inbound format of the crosswalk registry is
read, detected from each file: EAD 2002/apeEAD, the Czech EAD3 profile, ELZA exports,
APUX, MARCXML and MODS collections, oai_dc, OAI-PMH responses. Containers are read as
streams, record by record (`crosswalks.iter_document`), so a file of any size is read in
the memory of one record.

Every run reads the whole set of files: a file whose content hash equals the one the
previous run stored is skipped, and its records count as unchanged; the others are
crosswalked and reconciled by record id in batches, each committed with the run's
counters and a checkpoint. A record missing from a complete set of files becomes a
tombstone through the guarded sweep (`harvest.sweep_max_share`); when any file could not
be read the set is not complete and nothing is deleted.
"""

from __future__ import annotations

import glob
import hashlib
import io
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from crosswalks import CrosswalkError, iter_document
from oai.harvest.errors import HarvestError, SweepRefused
from oai.harvest.parse import Header
from oai.harvest.pool import Prepared
from oai.harvest.prepare import Failure, Incoming, local_id_for, match_values
from oai.harvest.reconcile import Reconciler
from oai.harvest.runlog import utcnow
from oai.harvest.state import Progress, RunState
from oai.harvest.tombstones import guard_sweep, write_tombstones
from records.errors import InvalidRecord
from records.model import Record, canonical_json

__all__ = ["FormReader", "harvest_files", "locate"]

BATCH = 200  # records reconciled and committed together
_NOT_CONTENT = frozenset({"header", "origin"})


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


@dataclass(frozen=True, slots=True)
class FormReader:
    """Record JSON forms of a partner's files -> records ready to reconcile."""

    source_id: str
    location: str
    now: datetime
    match: tuple[str, ...] = ()

    def prepare(self, forms: list[tuple[int, dict[str, Any]]], name: str) -> Prepared:
        ready: list[Incoming] = []
        failed: list[Failure] = []
        for index, form in forms:
            try:
                ready.append(self._incoming(form, name))
            except (InvalidRecord, TypeError, ValueError, KeyError) as exc:
                raw = repr(form)[:4000].encode()
                failed.append(Failure(f"{name}#{index}", f"{type(exc).__name__}: {exc}", raw))
        return Prepared(ready, failed)

    def _incoming(self, form: dict[str, Any], name: str) -> Incoming:
        remote = str(form["id"])
        for related in form.get("related") or ():
            if isinstance(related, dict) and related.get("id"):
                related["id"] = local_id_for(self.source_id, str(related["id"]))
        form["id"] = local_id_for(self.source_id, remote)
        form["origin"] = {
            "kind": "harvested",
            "source_id": self.source_id,
            "remote_identifier": remote,
            "base_url": self.location,
            "harvested_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        record = Record.from_dict(form)
        data = record.to_dict()
        content = canonical_json({k: v for k, v in data.items() if k not in _NOT_CONTENT})
        header = Header(remote, "", False, ())
        return Incoming(header, remote, record, match_values(form, self.match), content)


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


def harvest_files(run: RunState) -> tuple[str, str]:
    """Read the source's files into the store; (status, message) of the run."""
    source = run.source
    run.full = True
    run.chain = [run.run_id]
    now = utcnow()
    run.reconciler = Reconciler(
        run.hub.store, source_id=source.id, run_id=run.run_id, now=now, match=source.match
    )
    reader = FormReader(source.id, source.base_url, now, tuple(source.match))
    previous = _previous(run)
    done: dict[str, dict[str, Any]] = {}
    unreadable: list[str] = []
    names = locate(source.base_url)
    if not names:
        unreadable.append(source.base_url)
        run.event("error", "files", f"no file found at {source.base_url}")
    for name in names:
        known = previous.get(name)
        try:
            digest, stream, validators = _digest(run, name, known)
        except (OSError, HarvestError) as exc:
            unreadable.append(name)
            run.event("error", "files", f"{name}: cannot be read: {exc}")
            continue
        if stream is None or (known is not None and known.get("hash") == digest):
            if stream is not None:
                stream.close()
            assert known is not None  # a 304 answers only a conditional request
            ids = [str(i) for i in known.get("ids") or []]
            _unchanged(run, name, ids, done, known)
            continue
        with stream:
            ids, complete = _read(run, reader, name, stream, done)
        if complete:
            done[name] = {"hash": digest, "ids": ids, **validators}
        else:
            unreadable.append(name)
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    if unreadable:
        run.log.runs.checkpoint(run.run_id, {"files": done, "chain": run.chain})
        run.log.seen.forget(run.chain)
        message = f"{len(unreadable)} of {len(names)} files not read: no deletions; {summary}"
        return ("partial" if done else "failed"), message
    try:
        deleted = _sweep(run)
    except SweepRefused as exc:
        detail = {"would_delete": exc.would_delete, "live": exc.live, "share": exc.share}
        run.event("error", "sweep", str(exc), detail=detail)
        return "partial", str(exc)
    finally:
        run.log.runs.checkpoint(run.run_id, {"files": done, "chain": run.chain})
        run.log.seen.forget(run.chain)
    return "ok", f"{len(names)} files: {summary}; sweep: {deleted} tombstones"


def _unchanged(
    run: RunState,
    name: str,
    ids: list[str],
    done: dict[str, dict[str, Any]],
    known: Mapping[str, Any],
) -> None:
    """A file as the last run read it: its records are seen and unchanged."""
    assert run.writer is not None
    done[name] = dict(known)
    with run.writer.begin():
        local = [local_id_for(run.source.id, i) for i in ids]
        run.log.seen.mark(run.run_id, local, run.writer)
        run.log.runs.add_counts(run.run_id, {"unchanged": len(ids)}, run.writer)
        run.log.runs.checkpoint(run.run_id, {"files": done, "chain": run.chain}, run.writer)
    run.counts["unchanged"] += len(ids)
    run.event("info", "files", f"{name}: unchanged since the last run ({len(ids)} records)")


def _read(
    run: RunState,
    reader: FormReader,
    name: str,
    stream: IO[bytes],
    done: dict[str, dict[str, Any]],
) -> tuple[list[str], bool]:
    """Stream one file's records into the store; (remote ids, read to the end)."""
    ids: list[str] = []
    items = _forms(run, name, stream)
    while batch := list(islice(items, BATCH)):
        run.check_stop()
        forms = [(i, form) for i, form in batch if form is not None]
        broken = [i for i, form in batch if form is None]
        prepared = reader.prepare(forms, name)
        if broken and broken[-1] == -1:  # the file stopped being XML: keep what came before
            ids += [item.remote_id for item in prepared.incoming]
            _commit(run, prepared, name, done)
            return ids, False
        ids += [item.remote_id for item in prepared.incoming]
        _commit(run, prepared, name, done)
    run.event("info", "files", f"{name}: {len(ids)} records read")
    return ids, True


def _forms(run: RunState, name: str, stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """(index, form) per record; (index, None) for a record in error (an event says
    why); (-1, None) when the document itself breaks off."""
    try:
        for item in iter_document(stream, run.hub.registry):
            if item.record is not None:
                yield item.index, item.record
                continue
            fatal = item.error is not None and "malformed XML" in str(item.error)
            run.event("error", "record", f"{name}: {item.describe()}: {item.error}")
            run.counts["failed"] += 1
            yield (-1 if fatal else item.index), None
            if fatal:
                return
    except CrosswalkError as exc:  # the whole document (empty, hostile)
        run.event("error", "files", f"{name}: {exc}")
        yield -1, None


def _commit(run: RunState, prepared: Prepared, name: str, done: dict[str, dict[str, Any]]) -> None:
    assert run.reconciler is not None and run.writer is not None
    conn = run.writer
    with conn.begin():
        renderer = prepared.renderer(run.hub.render_context)
        outcome = run.reconciler.apply(conn, prepared.incoming, renderer)
        counts = {**outcome.counts, "failed": len(prepared.failures)}
        run.log.runs.add_counts(run.run_id, {"pages": 1, **counts}, conn)
        for failure in prepared.failures:
            run.log.events.add(
                run.run_id,
                "error",
                "record",
                f"{name}: record rejected: {failure.message}",
                identifier=failure.identifier,
                raw=failure.raw,
                conn=conn,
            )
        run.log.seen.mark(run.run_id, list(outcome.seen), conn)
        state = {"files": done, "reading": name, "chain": run.chain}
        run.log.runs.checkpoint(run.run_id, state, conn)
    for key, value in counts.items():
        run.counts[key] += value
    run.pages += 1
    run.records += len(prepared.incoming) + len(prepared.failures)
    if run.progress is not None:
        elapsed = time.monotonic() - run.started
        run.progress(
            Progress(run.run_id, "files", run.pages, run.records, elapsed, dict(run.counts))
        )


def _sweep(run: RunState) -> int:
    """Tombstones for the source's records missing from the complete set of files."""
    live = run.hub.store.local_ids_of_source(run.source.id)
    missing = sorted(live - run.log.seen.by(run.chain))
    guard_sweep(run, missing, len(live))
    return write_tombstones(run, missing, "records missing from the complete set of files")
