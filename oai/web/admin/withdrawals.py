"""Withdrawing a record from publication, from the admin record page and the JSON API.

Pages: `POST /admin/records/<id>/withdraw` (a reason field) and `.../reinstate`, both
with the session's CSRF token (the guard checks it). API: `POST /api/records/<id>/withdraw`
(`{"reason": "..."}`) and `.../reinstate`, with an `X-API-Token` or a session and CSRF.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, request, url_for

from oai.web.admin.auth import who
from oai.web.context import current_hub
from oai.withdrawals import reinstate, withdraw, withdrawal_of
from records.errors import RecordNotFound, WithdrawalError
from records.withdrawals import DELETED_MEANWHILE, Withdrawal, clean_reason

__all__ = ["register_withdrawals", "register_withdrawals_api"]


def _reason() -> str:
    """The reason sent as a form field or in a JSON body (400 when it is missing)."""
    body = request.get_json(silent=True) if request.is_json else None
    sent = body.get("reason") if isinstance(body, dict) else request.form.get("reason")
    if not isinstance(sent, str):
        abort(400, description="a withdrawal needs a reason (a 'reason' string)")
    return sent


def _withdraw(record_id: str) -> Withdrawal:
    try:
        reason = clean_reason(_reason(), record_id)
    except WithdrawalError as exc:
        abort(400, description=str(exc))
    try:
        return withdraw(current_hub(), record_id, reason, who())
    except RecordNotFound:
        abort(404, description=f"no record {record_id}")
    except WithdrawalError as exc:  # withdrawn already, or a tombstone
        abort(409, description=str(exc))


def _reinstate(record_id: str) -> dict[str, Any]:
    try:
        done = reinstate(current_hub(), record_id, who())
    except RecordNotFound:
        abort(404, description=f"no record {record_id}")
    except WithdrawalError as exc:
        abort(409, description=str(exc))
    return {
        "id": record_id,
        "datestamp": done.result.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "version": done.result.version,
        "published": done.published,
        "render_failures": [str(f) for f in done.failures],
    }


def api_withdraw(record_id: str) -> Response:
    return jsonify(withdrawn=_withdraw(record_id).to_dict())


def api_reinstate(record_id: str) -> Response:
    return jsonify(reinstated=_reinstate(record_id))


def page_withdraw(record_id: str) -> Any:
    found = _withdraw(record_id)
    flash(f"{record_id} is withdrawn: OAI-PMH serves it as deleted. Reason: {found.reason}")
    return redirect(url_for("admin.record_page", record_id=record_id))


def page_reinstate(record_id: str) -> Any:
    done = _reinstate(record_id)
    if done["published"]:
        flash(f"{record_id} is published again (datestamp {done['datestamp']}).")
    else:
        flash(f"{record_id}: withdrawal ended; {DELETED_MEANWHILE}.")
    return redirect(url_for("admin.record_page", record_id=record_id))


def _withdrawal_of(record_id: str) -> Withdrawal | None:
    return withdrawal_of(current_hub(), record_id)


def register_withdrawals(bp: Blueprint) -> None:
    post = ["POST"]
    bp.add_url_rule("/records/<path:record_id>/withdraw", "withdraw", page_withdraw, methods=post)
    rule = "/records/<path:record_id>/reinstate"
    bp.add_url_rule(rule, "reinstate", page_reinstate, methods=post)
    bp.add_app_template_global(_withdrawal_of, "withdrawal_of")


def register_withdrawals_api(bp: Blueprint) -> None:
    post = ["POST"]
    bp.add_url_rule("/records/<path:record_id>/withdraw", "withdraw", api_withdraw, methods=post)
    rule = "/records/<path:record_id>/reinstate"
    bp.add_url_rule(rule, "reinstate", api_reinstate, methods=post)
