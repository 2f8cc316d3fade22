"""list_counts: list sizes kept by triggers (issue 16)

The provider's completeListSize was a count over the whole list on every first
request; `records.counts` keeps every list's size in `list_counts`, by triggers on the
three tables a list is made of. The upgrade counts the existing records once.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from records import counts

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_counts",
        sa.Column("set_spec", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=50), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "set_spec", "prefix", "slot", name=op.f("uq_list_counts_set_spec_prefix_slot")
        ),
    )
    conn = op.get_bind()
    counts.install(conn)
    counts.recount(conn)


def downgrade() -> None:
    counts.uninstall(op.get_bind())
    op.drop_table("list_counts")
