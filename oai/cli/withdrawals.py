"""`oai records withdraw|reinstate|withdrawn`: take a record down from publication and back."""

from __future__ import annotations

import getpass
import json

import click

from oai.cli.context import Context, pass_context
from oai.withdrawals import reinstate, withdraw
from records.errors import RecordNotFound, WithdrawalError
from records.withdrawals import DELETED_MEANWHILE, Withdrawals

__all__ = ["reinstate_command", "withdraw_command", "withdrawn_command"]


def _actor() -> str:
    """Who withdrew: the operating-system user running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@click.command("withdraw")
@click.argument("record_id")
@click.option("--reason", required=True, help="Why (kept, shown on the public page).")
@pass_context
def withdraw_command(ctx: Context, record_id: str, reason: str) -> None:
    """Withdraw a record from publication: OAI-PMH serves it as deleted until reinstated."""
    try:
        found = withdraw(ctx.hub(), record_id, reason, _actor())
    except RecordNotFound:
        raise click.ClickException(f"no record with id {record_id!r}") from None
    except WithdrawalError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{record_id} withdrawn at {found.to_dict()['withdrawn_at']}: {found.reason}")


@click.command("reinstate")
@click.argument("record_id")
@pass_context
def reinstate_command(ctx: Context, record_id: str) -> None:
    """Publish a withdrawn record again (with a new datestamp)."""
    try:
        done = reinstate(ctx.hub(), record_id, _actor())
    except RecordNotFound:
        raise click.ClickException(f"no record with id {record_id!r}") from None
    except WithdrawalError as exc:
        raise click.ClickException(str(exc)) from None
    for failure in done.failures:
        click.echo(f"warning: {failure}", err=True)
    if not done.published:
        click.echo(f"{record_id}: withdrawal ended; {DELETED_MEANWHILE}")
        return
    stamp = done.result.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    click.echo(f"{record_id} reinstated at {stamp} (version {done.result.version})")


@click.command("withdrawn")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@pass_context
def withdrawn_command(ctx: Context, as_json: bool) -> None:
    """List the withdrawn records with who withdrew them, when and why."""
    for found in Withdrawals(ctx.hub().store).all():
        data = found.to_dict()
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(
                f"{data['id']}\t{data['withdrawn_at']}\t{data['actor'] or ''}\t{found.reason}"
            )
