"""The accounts page (admins only): the accounts and their API tokens; make a token
(shown once) and revoke one. Accounts themselves are made with `oai users`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from oai.web.admin.accounts import AccountError
from oai.web.admin.auth import admin_state, who
from oai.web.admin.roles import ROLES

__all__ = ["register_people"]

MAX_DAYS = 3650


def accounts_page() -> str:
    accounts = admin_state().accounts
    return render_template(
        "admin/accounts.html", accounts=accounts.all(), tokens=accounts.tokens(), roles=ROLES
    )


def token_new() -> Any:
    """POST account, role, days, label: a new token, shown once in the flash."""
    days_text = (request.form.get("days") or "").strip()
    if days_text and not (days_text.isascii() and days_text.isdigit()):
        abort(400, description="days must be a whole number")
    days = int(days_text) if days_text else None
    if days is not None and not 1 <= days <= MAX_DAYS:
        abort(400, description=f"days must be between 1 and {MAX_DAYS}")
    try:
        token_id, token = admin_state().accounts.make_token(
            request.form.get("account", ""),
            request.form.get("role") or None,
            label=f"{request.form.get('label', '')} (made by {who()})",
            days=days,
        )
    except AccountError as exc:
        abort(400, description=str(exc))
    flash(f"Token {token_id} made; copy it now, it is not shown again: {token}")
    return redirect(url_for("admin.accounts_page"))


def token_revoke(token_id: int) -> Any:
    try:
        admin_state().accounts.revoke(token_id)
    except AccountError as exc:
        abort(404, description=str(exc))
    flash(f"Token {token_id} revoked.")
    return redirect(url_for("admin.accounts_page"))


def register_people(bp: Blueprint) -> None:
    bp.add_url_rule("/accounts", "accounts_page", accounts_page)
    bp.add_url_rule("/accounts/tokens", "token_new", token_new, methods=["POST"])
    bp.add_url_rule(
        "/accounts/tokens/<id:token_id>/revoke", "token_revoke", token_revoke, methods=["POST"]
    )
