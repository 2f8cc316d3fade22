"""harvest_seen: records seen by a full harvest, kept across the runs that resume it

A full harvest sweeps the records of its source that it did not see. When a full run is
interrupted and resumed by later runs, what the earlier runs saw must survive them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_seen",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["harvest_runs.id"], name=op.f("fk_harvest_seen_run_id_harvest_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "local_id", name=op.f("pk_harvest_seen")),
    )


def downgrade() -> None:
    op.drop_table("harvest_seen")
