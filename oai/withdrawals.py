"""Withdrawing a record from publication and reinstating it, for the CLI, API and pages.

The store does the work (`records.withdrawals`); this layer renders a reinstated record
in every outbound format (a withdrawn record has no stored XML) and returns what the
caller reports: the write, the withdrawal, the formats that failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from oai.hub import Hub
from oai.rendering import RenderFailure, StoreRenderer
from records.store import WriteResult
from records.withdrawals import Withdrawal, Withdrawals

__all__ = ["Reinstated", "reinstate", "withdraw", "withdrawal_of"]


@dataclass(frozen=True, slots=True)
class Reinstated:
    """A reinstated record: its write, and the formats that could not render it."""

    result: WriteResult
    failures: tuple[RenderFailure, ...]

    @property
    def published(self) -> bool:
        """False when the partner deleted the record meanwhile: it stays deleted."""
        return self.result.status != "unchanged"


def withdraw(hub: Hub, local_id: str, reason: str, actor: str) -> Withdrawal:
    """Withdraw a live record (`WithdrawalError`, `RecordNotFound` otherwise)."""
    withdrawals = Withdrawals(hub.store)
    withdrawals.withdraw(local_id, reason, actor=actor)
    found = withdrawals.get(local_id)
    assert found is not None
    return found


def reinstate(hub: Hub, local_id: str, actor: str) -> Reinstated:
    """Publish a withdrawn record again, rendered anew."""
    renderer = StoreRenderer(hub.render_context)
    result = Withdrawals(hub.store).reinstate(local_id, actor=actor, renderer=renderer)
    return Reinstated(result, tuple(renderer.failures))


def withdrawal_of(hub: Hub, local_id: str) -> Withdrawal | None:
    """Why a record is withdrawn, or None."""
    return Withdrawals(hub.store).get(local_id)
