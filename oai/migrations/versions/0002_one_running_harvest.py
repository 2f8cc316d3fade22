"""one running harvest per source

A partial unique index on harvest_runs(source_id) WHERE status = 'running': the
database itself refuses a second running run of a source, whichever process asks.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_WHERE = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_index(
        "uq_harvest_runs_one_running",
        "harvest_runs",
        ["source_id"],
        unique=True,
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_harvest_runs_one_running", table_name="harvest_runs")
