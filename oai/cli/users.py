"""`oai users`: the admin accounts and their API tokens, from the command line.

`add NAME --role ROLE`, `passwd NAME`, `role NAME ROLE`, `remove NAME`, `list`;
`token NAME [--role ROLE] [--days N] [--label TEXT]` prints a new token once,
`tokens [NAME]` lists them, `revoke ID` revokes one. Thin wrappers over `AccountStore`.
"""

from __future__ import annotations

import click

from oai.cli.context import Context, pass_context
from oai.web.admin.accounts import AccountError, AccountStore
from oai.web.admin.roles import ROLES

__all__ = ["users_command"]

ROLE = click.Choice(ROLES)


def _store(ctx: Context) -> AccountStore:
    hub = ctx.hub()
    return AccountStore(hub.engine, hub.settings.admin.password_hash)


def _do(action: object) -> None:
    try:
        action()  # type: ignore[operator]
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("users")
def users_command() -> None:
    """Accounts of the admin pages and the API, and their API tokens."""


@users_command.command("add")
@click.argument("name")
@click.option("--role", type=ROLE, required=True, help="viewer, editor or admin.")
@click.password_option(help="The account's password (asked for when not given).")
@pass_context
def add(ctx: Context, name: str, role: str, password: str) -> None:
    """Make an account."""
    _do(lambda: _store(ctx).add(name, password, role))
    click.echo(f"account {name} ({role}) added")


@users_command.command("passwd")
@click.argument("name")
@click.password_option(help="The new password (asked for when not given).")
@pass_context
def passwd(ctx: Context, name: str, password: str) -> None:
    """Set an account's password (its sessions end)."""
    _do(lambda: _store(ctx).set_password(name, password))
    click.echo(f"password of {name} changed")


@users_command.command("role")
@click.argument("name")
@click.argument("role", type=ROLE)
@pass_context
def set_role(ctx: Context, name: str, role: str) -> None:
    """Change an account's role (its tokens never exceed it)."""
    _do(lambda: _store(ctx).set_role(name, role))
    click.echo(f"{name} is now {role}")


@users_command.command("remove")
@click.argument("name")
@pass_context
def remove(ctx: Context, name: str) -> None:
    """Remove an account and its tokens."""
    _do(lambda: _store(ctx).remove(name))
    click.echo(f"account {name} removed")


@users_command.command("list")
@pass_context
def list_accounts(ctx: Context) -> None:
    """Every account and its role."""
    for account in _store(ctx).all():
        click.echo(f"{account.name}\t{account.role}")


@users_command.command("token")
@click.argument("name")
@click.option("--role", type=ROLE, help="At most the account's (default: its role).")
@click.option("--days", type=click.IntRange(1, 3650), help="Expires after this many days.")
@click.option("--label", default="", help="What the token is for.")
@pass_context
def make_token(ctx: Context, name: str, role: str | None, days: int | None, label: str) -> None:
    """Make an API token of an account and print it (it is not shown again)."""
    made: list[tuple[int, str]] = []
    _do(lambda: made.append(_store(ctx).make_token(name, role, label=label, days=days)))
    token_id, token = made[0]
    click.echo(f"token {token_id} of {name}: {token}")


@users_command.command("tokens")
@click.argument("name", required=False)
@pass_context
def list_tokens(ctx: Context, name: str | None) -> None:
    """The API tokens (of one account): id, account, role, expiry, state, label."""
    for t in _store(ctx).tokens(name):
        expires = t.expires_at.isoformat() if t.expires_at else "never"
        state = "revoked" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.account}\t{t.role}\t{expires}\t{state}\t{t.label}")


@users_command.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@pass_context
def revoke(ctx: Context, token_id: int) -> None:
    """Revoke an API token."""
    _do(lambda: _store(ctx).revoke(token_id))
    click.echo(f"token {token_id} revoked")
