"""issue 15: sources managed in the browser and the audit of their changes

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from records.sqltypes import UTCSeconds

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_managed_sources",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("created_at", UTCSeconds(), nullable=False),
        sa.Column("updated_at", UTCSeconds(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_harvest_managed_sources"),
    )
    op.create_table(
        "harvest_source_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("at", UTCSeconds(), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_harvest_source_changes"),
    )
    op.create_index("ix_harvest_source_changes_source_id", "harvest_source_changes", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_harvest_source_changes_source_id", table_name="harvest_source_changes")
    op.drop_table("harvest_source_changes")
    op.drop_table("harvest_managed_sources")
