"""admin_accounts and admin_api_tokens: named accounts with roles, tokens of accounts (issue 23)

`admin_accounts` holds the accounts made with `oai users add` (the configuration's
`admin.password_hash` stays the first admin, named "admin", outside the table);
`admin_api_tokens` the API tokens, each of an account, stored as a SHA-256 digest.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_accounts",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_admin_accounts")),
    )
    op.create_table(
        "admin_api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_admin_api_tokens_digest")),
    )
    op.create_index("ix_admin_api_tokens_account", "admin_api_tokens", ["account"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_admin_api_tokens_account", table_name="admin_api_tokens")
    op.drop_table("admin_api_tokens")
    op.drop_table("admin_accounts")
