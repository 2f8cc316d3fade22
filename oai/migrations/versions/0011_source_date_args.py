"""harvest_sources.date_args: how a partner takes from/until when it refuses its own
granularity (issue 13)

Some providers advertise second granularity and answer `badArgument` to such dates.
The harvester then asks without `until`, then with day dates, and remembers what worked
here: NULL (as advertised), "no-until" or "day".

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("harvest_sources", sa.Column("date_args", sa.String(length=20), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop harvest_sources,
    # which the runs' foreign keys refuse
    op.drop_column("harvest_sources", "date_args")
