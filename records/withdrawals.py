"""Withdrawing a record from publication (a takedown), reinstating it, and the audit trail.

A withdrawn record is a tombstone as OAI-PMH serves it (header status "deleted", a new
datestamp, no metadata) whose content is kept; a row of `withdrawals` holds why, and
holds it: every later write of the record (a harvest of the partner's record, an
import) is "withheld" by the writer until the record is reinstated. Reinstating writes
the kept content again (rendered anew, a new datestamp). Both steps are versions of
the record (reasons "withdraw" and "reinstate") and rows of `withdrawal_log`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from records import tables as t
from records.errors import RecordNotFound, WithdrawalError
from records.model import Record
from records.store import Renderer, Store, WriteResult
from records.times import utcnow
from records.writer import BatchWriter

__all__ = [
    "DELETED_MEANWHILE",
    "MAX_REASON",
    "Withdrawal",
    "WithdrawalEvent",
    "Withdrawals",
    "clean_reason",
    "note_deleted_meanwhile",
]

MAX_REASON = 2000  # characters of a reason (it is shown on the public page)
DELETED_MEANWHILE = "the partner deleted the record while it was withdrawn: it stays deleted"


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """Why a record is withdrawn, by whom, since when."""

    local_id: str
    reason: str
    actor: str | None
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.local_id,
            "reason": self.reason,
            "actor": self.actor,
            "withdrawn_at": _stamp(self.at),
        }


@dataclass(frozen=True, slots=True)
class WithdrawalEvent:
    """One line of the audit trail: a withdrawal or a reinstatement."""

    local_id: str
    action: str
    reason: str | None
    actor: str | None
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.local_id,
            "action": self.action,
            "reason": self.reason,
            "actor": self.actor,
            "at": _stamp(self.at),
        }


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_reason(reason: str, local_id: str) -> str:
    """The reason as stored: trimmed, required, at most `MAX_REASON` characters."""
    text = reason.strip()
    if not text:
        raise WithdrawalError(f"record {local_id}: a withdrawal needs a reason")
    if len(text) > MAX_REASON:
        raise WithdrawalError(
            f"record {local_id}: the reason has {len(text)} characters, at most {MAX_REASON}"
        )
    return text


class Withdrawals:
    """Withdraw, reinstate and look up withdrawn records of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def withdraw(
        self, local_id: str, reason: str, *, actor: str | None, now: datetime | None = None
    ) -> WriteResult:
        """Serve a live record as deleted, keeping its content and the reason."""
        text = clean_reason(reason, local_id)
        now = now or utcnow()
        with self.store.transaction() as conn:
            row = _locked(conn, local_id)
            if row.withdrawn is not None:
                raise WithdrawalError(f"record {local_id} is withdrawn already")
            if row.deleted:
                raise WithdrawalError(
                    f"record {local_id} is deleted: nothing is published to withdraw"
                )
            result = BatchWriter(conn, now, "withdraw", actor).delete(local_id)
            conn.execute(
                insert(t.withdrawals).values(
                    record_pk=row.pk,
                    reason=text,
                    actor=actor,
                    withdrawn_at=now,
                    deleted_meanwhile=False,
                )
            )
            _log(conn, row.pk, "withdraw", text, actor, now)
        return result

    def reinstate(
        self,
        local_id: str,
        *,
        actor: str | None,
        renderer: Renderer | None,
        now: datetime | None = None,
    ) -> WriteResult:
        """Publish a withdrawn record again: its kept content, rendered, a new datestamp.

        A record its partner deleted while it was withdrawn stays a tombstone: the
        withdrawal ends, nothing is published (the result is "unchanged")."""
        now = now or utcnow()
        with self.store.transaction() as conn:
            row = _locked(conn, local_id)
            if row.withdrawn is None:
                raise WithdrawalError(f"record {local_id} is not withdrawn")
            conn.execute(delete(t.withdrawals).where(t.withdrawals.c.record_pk == row.pk))
            if row.deleted_meanwhile:
                _log(conn, row.pk, "reinstate", DELETED_MEANWHILE, actor, now)
                return WriteResult("unchanged", local_id, row.pk, row.datestamp, row.version)
            _log(conn, row.pk, "reinstate", None, actor, now)
            record = _kept_record(conn, row.pk)
            writer = BatchWriter(conn, now, "reinstate", actor)
            return writer.put([record], renderer)[0]

    def get(self, local_id: str) -> Withdrawal | None:
        """The withdrawal of a record, or None when it is not withdrawn."""
        w, r = t.withdrawals.c, t.records.c
        query = (
            select(w.reason, w.actor, w.withdrawn_at)
            .join(t.records, r.pk == w.record_pk)
            .where(r.local_id == local_id)
        )
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Withdrawal(local_id, row.reason, row.actor, row.withdrawn_at)

    def all(self, *, limit: int = 1000) -> list[Withdrawal]:
        """Withdrawn records, the latest first."""
        w, r = t.withdrawals.c, t.records.c
        query = (
            select(r.local_id, w.reason, w.actor, w.withdrawn_at)
            .join(t.records, r.pk == w.record_pk)
            .order_by(w.withdrawn_at.desc(), r.local_id)
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            return [Withdrawal(*row) for row in conn.execute(query)]

    def history(self, local_id: str) -> list[WithdrawalEvent]:
        """The audit trail of one record, oldest first."""
        log, r = t.withdrawal_log.c, t.records.c
        query = (
            select(log.action, log.reason, log.actor, log.at)
            .join(t.records, r.pk == log.record_pk)
            .where(r.local_id == local_id)
            .order_by(log.id)
        )
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [WithdrawalEvent(local_id, *row) for row in rows]


def note_deleted_meanwhile(conn: Connection, local_ids: Sequence[str]) -> None:
    """The partner deleted these records (tombstones here already): those withdrawn
    are not published again by a reinstatement."""
    if not local_ids:
        return
    pks = select(t.records.c.pk).where(t.records.c.local_id.in_(local_ids))
    conn.execute(
        update(t.withdrawals)
        .where(t.withdrawals.c.record_pk.in_(pks))
        .values(deleted_meanwhile=True)
    )


def _locked(conn: Connection, local_id: str) -> Any:
    """The record's row (locked for the transaction) with its withdrawal, if any."""
    r, w = t.records.c, t.withdrawals.c
    query = (
        select(
            r.pk,
            r.deleted,
            r.datestamp,
            r.version,
            w.record_pk.label("withdrawn"),
            w.deleted_meanwhile,
        )
        .outerjoin(t.withdrawals, w.record_pk == r.pk)
        .where(r.local_id == local_id)
        .with_for_update(of=t.records)
    )
    row = conn.execute(query).first()
    if row is None:
        raise RecordNotFound(local_id)
    return row


def _kept_record(conn: Connection, pk: int) -> Record:
    row = conn.execute(
        select(t.records.c.content, t.records.c.origin).where(t.records.c.pk == pk)
    ).one()
    data = json.loads(row.content)
    if row.origin:
        data["origin"] = json.loads(row.origin)
    return Record.from_dict(data)


def _log(
    conn: Connection, pk: int, action: str, reason: str | None, actor: str | None, at: datetime
) -> None:
    conn.execute(
        insert(t.withdrawal_log).values(
            record_pk=pk, action=action, reason=reason, actor=actor, at=at
        )
    )
