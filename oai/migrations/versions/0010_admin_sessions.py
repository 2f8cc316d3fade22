"""admin_state and login_failures: revocable sessions and a shared login throttle (issue 14)

`admin_state` holds the session epoch that logout moves on (every session issued
before is refused); `login_failures` the failed logins of every worker and host.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_state",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_admin_state")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_client_at", "login_failures", ["client", "at"], unique=False)
    op.create_index(
        "ix_login_failures_account_at", "login_failures", ["account", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_login_failures_account_at", table_name="login_failures")
    op.drop_index("ix_login_failures_client_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("admin_state")
