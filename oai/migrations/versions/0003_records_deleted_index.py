"""index on records(deleted)

Lets the provider count tombstones from an index (completeListSize of a full harvest is
then two index-only counts instead of a scan of every record).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_deleted", "records", ["deleted"])


def downgrade() -> None:
    op.drop_index("ix_records_deleted", table_name="records")
