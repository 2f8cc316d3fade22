"""`oai admin hash-password`: make the value of `admin.password_hash`."""

from __future__ import annotations

import click
from werkzeug.security import generate_password_hash

__all__ = ["admin_command"]


@click.group("admin")
def admin_command() -> None:
    """The admin pages."""


@admin_command.command("hash-password")
@click.password_option(help="The admin password (asked for when not given).")
def hash_password(password: str) -> None:
    """Print a werkzeug hash of a password for admin.password_hash (or OAI_ADMIN_PASSWORD_HASH)."""
    if len(password) < 8:
        raise click.ClickException("use at least 8 characters")
    click.echo(generate_password_hash(password))
