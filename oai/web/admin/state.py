"""What the admin login keeps in the database, where every web worker and host sees it.

- **The session epoch.** A session cookie names the epoch it was issued in; logging out
  moves the epoch on, so every session issued before (a copy of a cookie captured
  earlier included) is refused from then on. Changing the password does the same: a
  session also names a fingerprint of the password hash it logged in with.
- **Failed logins**, one row each with the client address and the account, pruned as
  the window moves on. Per address they lock the address out for the window; per
  account they only slow every attempt down (a stranger must not be able to lock the
  admin out of their own service).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

__all__ = ["AdminStore", "metadata", "password_fingerprint"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

admin_state = Table(
    "admin_state",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", Integer, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(100), nullable=False),
    Column("account", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_login_failures_client_at", login_failures.c.client, login_failures.c.at)
Index("ix_login_failures_account_at", login_failures.c.account, login_failures.c.at)

EPOCH = "session_epoch"


def epoch_key(account: str) -> str:
    """The `admin_state` key of an account's epoch: the configured admin keeps the key it
    always had; others a digest of their name (the key column holds 50 characters)."""
    if account == "admin":
        return EPOCH
    return f"{EPOCH}:{hashlib.sha256(account.encode()).hexdigest()[:32]}"


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the configured hash: a session names the one it logged in with."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class AdminStore:
    """The session epoch and the failed logins of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def epoch(self, account: str = "admin") -> int:
        """The session epoch of an account (each account has its own)."""
        key = epoch_key(account)
        with self.engine.connect() as conn:
            value = conn.execute(select(admin_state.c.value).where(admin_state.c.key == key))
            return int(value.scalar() or 0)

    def end_all_sessions(self, account: str = "admin") -> int:
        """Move the account's epoch on: every session of it issued so far is refused."""
        key = epoch_key(account)
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(admin_state)
                .where(admin_state.c.key == key)
                .values(value=admin_state.c.value + 1)
            )
            if moved.rowcount == 0:
                conn.execute(insert(admin_state).values(key=key, value=1))
            value = conn.execute(select(admin_state.c.value).where(admin_state.c.key == key))
            return int(value.scalar_one())

    def failed(self, client: str, account: str, now: datetime, window: timedelta) -> None:
        """Record a failed login, and forget those older than the window."""
        with self.engine.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.at < now - window))
            conn.execute(
                insert(login_failures).values(client=client[:100], account=account, at=now)
            )

    def failures(
        self,
        now: datetime,
        window: timedelta,
        *,
        client: str | None = None,
        account: str | None = None,
    ) -> tuple[int, datetime | None, datetime | None]:
        """(how many, the oldest, the newest) failed logins within the window, of a client
        or an account."""
        c = login_failures.c
        query = select(func.count(), func.min(c.at), func.max(c.at)).where(c.at >= now - window)
        if client is not None:
            query = query.where(c.client == client)
        if account is not None:
            query = query.where(c.account == account)
        with self.engine.connect() as conn:
            count, oldest, newest = conn.execute(query).one()
        return int(count), _aware(oldest), _aware(newest)

    def succeeded(self, client: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.client == client))


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite gives naive times back
        return value.replace(tzinfo=UTC)
    return value
