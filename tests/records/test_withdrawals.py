"""Withdrawing a record from publication: a tombstone with its reason, held, reversible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from records.errors import RecordNotFound, WithdrawalError
from records.store import Store
from records.withdrawals import MAX_REASON, Withdrawals
from tests.records.conftest import T0, dc_renderer, rec


@pytest.fixture
def withdrawals(store: Store) -> Withdrawals:
    store.put(rec("a", "Alpha"), renderer=dc_renderer, now=T0)
    return Withdrawals(store)


def test_a_withdrawn_record_is_a_tombstone_with_its_content_and_reason(
    store: Store, withdrawals: Withdrawals
) -> None:
    later = T0 + timedelta(hours=1)
    result = withdrawals.withdraw("a", "  rights holder asked  ", actor="cli:eva", now=later)
    assert (result.status, result.datestamp, result.version) == ("deleted", later, 2)
    record = store.get("a")
    assert record.header is not None and record.header.deleted
    assert record.header.datestamp == later
    assert record.title == "Alpha"  # the content is kept for a reinstatement
    assert store.prefixes_of("a") == set()  # no metadata served
    found = withdrawals.get("a")
    assert found is not None
    assert (found.reason, found.actor, found.at) == ("rights holder asked", "cli:eva", later)
    assert [v.reason for v in store.versions("a")] == ["import", "withdraw"]


def test_a_later_write_is_withheld_until_reinstated(store: Store, withdrawals: Withdrawals) -> None:
    withdrawals.withdraw("a", "takedown", actor="admin", now=T0 + timedelta(hours=1))
    again = store.put(rec("a", "Alpha, sent again"), renderer=dc_renderer, reason="harvest")
    assert again.status == "withheld"
    record = store.get("a")
    assert record.header is not None and record.header.deleted
    assert record.title == "Alpha"
    assert len(store.versions("a")) == 2


def test_reinstating_publishes_the_kept_content_with_a_new_datestamp(
    store: Store, withdrawals: Withdrawals
) -> None:
    withdrawals.withdraw("a", "takedown", actor="admin", now=T0 + timedelta(hours=1))
    back = T0 + timedelta(hours=2)
    result = withdrawals.reinstate("a", actor="api-token", renderer=dc_renderer, now=back)
    assert (result.status, result.datestamp, result.version) == ("undeleted", back, 3)
    record = store.get("a")
    assert record.header is not None and not record.header.deleted
    assert record.header.datestamp == back
    assert store.prefixes_of("a") == {"oai_dc"}
    assert withdrawals.get("a") is None
    trail = [(e.action, e.reason, e.actor) for e in withdrawals.history("a")]
    assert trail == [("withdraw", "takedown", "admin"), ("reinstate", None, "api-token")]
    # published again, it is written as any record is
    assert store.put(rec("a", "Alpha 2"), renderer=dc_renderer).status == "updated"


def test_what_cannot_be_withdrawn_or_reinstated_is_refused_by_name(
    store: Store, withdrawals: Withdrawals
) -> None:
    with pytest.raises(RecordNotFound):
        withdrawals.withdraw("nope", "why", actor=None)
    with pytest.raises(WithdrawalError, match="record a: a withdrawal needs a reason"):
        withdrawals.withdraw("a", "   ", actor=None)
    with pytest.raises(WithdrawalError, match="at most 2000"):
        withdrawals.withdraw("a", "x" * (MAX_REASON + 1), actor=None)
    with pytest.raises(WithdrawalError, match="record a is not withdrawn"):
        withdrawals.reinstate("a", actor=None, renderer=dc_renderer)
    withdrawals.withdraw("a", "why", actor=None)
    with pytest.raises(WithdrawalError, match="record a is withdrawn already"):
        withdrawals.withdraw("a", "again", actor=None)
    store.put(rec("b"), renderer=dc_renderer)
    store.delete("b")
    with pytest.raises(WithdrawalError, match="record b is deleted"):
        withdrawals.withdraw("b", "why", actor=None)
    assert [w.local_id for w in withdrawals.all()] == ["a"]
