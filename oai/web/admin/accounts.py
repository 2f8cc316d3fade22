"""Named accounts with roles, and the API tokens that belong to them.

- **Accounts**: a name, a password hash (werkzeug), a role (`viewer`, `editor`, `admin`,
  see `oai.web.admin.roles`). `oai users add NAME --role ROLE` makes one; the
  configuration's `admin.password_hash` stays the first admin, named `admin`, outside
  the table (so a fresh hub is never locked out).
- **API tokens**: each of an account, with a role no higher than the account's (and never
  higher than the account's role at the time of use: lowering an account lowers its
  tokens), an optional expiry, revocable. Only a SHA-256 digest is stored; the token is
  shown once, when made. The configuration's `admin.api_tokens` are read-only (viewer)
  tokens of `admin`, kept for existing scripts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
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
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from werkzeug.security import check_password_hash, generate_password_hash

from oai.web.admin.roles import ROLES, at_least

__all__ = [
    "CONFIG_ADMIN",
    "Account",
    "AccountError",
    "AccountStore",
    "ApiToken",
    "metadata",
    "token_digest",
]

CONFIG_ADMIN = "admin"  # the account of `admin.password_hash`
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
TOKEN_PREFIX = "oaih_"  # noqa: S105 - a marker, not a secret

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    }
)
admin_accounts = Table(
    "admin_accounts",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
admin_api_tokens = Table(
    "admin_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(100), nullable=False),
    Column("label", String(100), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("role", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("digest"),
)
Index("ix_admin_api_tokens_account", admin_api_tokens.c.account)


class AccountError(ValueError):
    """A change of accounts or tokens that cannot be made, in words."""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    account: str
    label: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite gives naive times back
        return value.replace(tzinfo=UTC)
    return value


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


class AccountStore:
    """Accounts and API tokens of one database (the configured admin is not stored)."""

    def __init__(self, engine: Engine, config_admin_hash: str = "") -> None:
        self.engine = engine
        self.config_admin_hash = config_admin_hash

    def get(self, name: str) -> Account | None:
        """An account by name; the configured admin when `name` is `admin` and it is set."""
        if name == CONFIG_ADMIN:
            if not self.config_admin_hash:
                return None
            return Account(CONFIG_ADMIN, "admin", self.config_admin_hash)
        query = select(admin_accounts).where(admin_accounts.c.name == name)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Account(row.name, row.role, row.password_hash)

    def check(self, name: str, password: str) -> Account | None:
        """The account when `password` is its password, else None."""
        account = self.get(name) if name and password else None
        if account is None:
            return None
        try:
            return account if check_password_hash(account.password_hash, password) else None
        except ValueError:  # a malformed hash in the configuration
            return None

    def all(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(admin_accounts).order_by(admin_accounts.c.name)).all()
        found = [Account(r.name, r.role, r.password_hash) for r in rows]
        configured = self.get(CONFIG_ADMIN)
        return ([configured] if configured else []) + found

    def add(self, name: str, password: str, role: str, now: datetime | None = None) -> None:
        _check_role(role)
        if not NAME.match(name):
            raise AccountError("a name is letters, digits, '.', '_', '@', '-', at most 100")
        if name == CONFIG_ADMIN:
            raise AccountError("'admin' is the configuration's account (admin.password_hash)")
        _check_password(password)
        if self.get(name) is not None:
            raise AccountError(f"there is an account {name!r} already")
        values = {
            "name": name,
            "password_hash": generate_password_hash(password),
            "role": role,
            "created_at": now or datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(admin_accounts).values(values))

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        self._update(name, password_hash=generate_password_hash(password))

    def set_role(self, name: str, role: str) -> None:
        _check_role(role)
        self._update(name, role=role)

    def _update(self, name: str, **values: str) -> None:
        if name == CONFIG_ADMIN:
            raise AccountError("'admin' is set in the configuration (admin.password_hash)")
        with self.engine.begin() as conn:
            done = conn.execute(
                update(admin_accounts).where(admin_accounts.c.name == name).values(**values)
            )
        if done.rowcount == 0:
            raise AccountError(f"no account {name!r}")

    def remove(self, name: str) -> None:
        """Remove an account and its tokens (its sessions end at their next request)."""
        if name == CONFIG_ADMIN:
            raise AccountError("'admin' is set in the configuration (admin.password_hash)")
        with self.engine.begin() as conn:
            done = conn.execute(delete(admin_accounts).where(admin_accounts.c.name == name))
            conn.execute(delete(admin_api_tokens).where(admin_api_tokens.c.account == name))
        if done.rowcount == 0:
            raise AccountError(f"no account {name!r}")

    def make_token(
        self,
        account: str,
        role: str | None = None,
        *,
        label: str = "",
        days: float | None = None,
        now: datetime | None = None,
    ) -> tuple[int, str]:
        """A new token of `account` (its role, or a lower one): (id, the token, shown once)."""
        owner = self.get(account)
        if owner is None:
            raise AccountError(f"no account {account!r}")
        role = role or owner.role
        _check_role(role)
        if not at_least(owner.role, role):
            raise AccountError(f"{account} is {owner.role}: its tokens cannot be {role}")
        now = now or datetime.now(UTC)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        values = {
            "account": account,
            "label": label[:100],
            "digest": token_digest(token),
            "role": role,
            "created_at": now,
            "expires_at": None if days is None else now + timedelta(days=days),
        }
        with self.engine.begin() as conn:
            key = conn.execute(insert(admin_api_tokens).values(values)).inserted_primary_key
        assert key is not None
        return int(key[0]), token

    def tokens(self, account: str | None = None) -> list[ApiToken]:
        query = select(admin_api_tokens).order_by(admin_api_tokens.c.id)
        if account is not None:
            query = query.where(admin_api_tokens.c.account == account)
        with self.engine.connect() as conn:
            return [_token(row) for row in conn.execute(query)]

    def revoke(self, token_id: int, now: datetime | None = None) -> None:
        t = admin_api_tokens.c
        with self.engine.begin() as conn:
            done = conn.execute(
                update(admin_api_tokens)
                .where(t.id == token_id, t.revoked_at.is_(None))
                .values(revoked_at=now or datetime.now(UTC))
            )
        if done.rowcount == 0:
            raise AccountError(f"no token {token_id} that is not revoked already")

    def by_token(self, token: str, now: datetime | None = None) -> tuple[Account, ApiToken] | None:
        """The account and token a presented token is, when usable: not revoked, not
        expired, its account still there. The role used is the lower of the two."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        query = select(admin_api_tokens).where(admin_api_tokens.c.digest == token_digest(token))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        found = _token(row)
        owner = self.get(found.account)
        if owner is None or not found.usable(now or datetime.now(UTC)):
            return None
        role = found.role if at_least(owner.role, found.role) else owner.role
        return Account(owner.name, role, owner.password_hash), found


def _token(row: object) -> ApiToken:
    return ApiToken(
        id=row.id,  # type: ignore[attr-defined]
        account=row.account,  # type: ignore[attr-defined]
        label=row.label,  # type: ignore[attr-defined]
        role=row.role,  # type: ignore[attr-defined]
        created_at=_aware(row.created_at),  # type: ignore[attr-defined,arg-type]
        expires_at=_aware(row.expires_at),  # type: ignore[attr-defined]
        revoked_at=_aware(row.revoked_at),  # type: ignore[attr-defined]
    )


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise AccountError("a password has at least 8 characters")
