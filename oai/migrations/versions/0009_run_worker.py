"""harvest_runs.worker: which process or `oai worker` ran a run (issue 16)

With harvests spread over worker machines, a run names its worker ("host:pid", or the
worker's name) so the admin shows who ran what, and a stale run is judged by its own
host's process table only on that host.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("harvest_runs", sa.Column("worker", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop harvest_runs,
    # which the run events' foreign keys refuse
    op.drop_column("harvest_runs", "worker")
