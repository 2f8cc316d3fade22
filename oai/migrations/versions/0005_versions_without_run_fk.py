"""record_versions.run_id without its foreign key to harvest_runs

The record store knows nothing of harvests: a record version names the run that wrote
it by its id only, and the run log (oai.harvest.runlog) owns harvest_runs. The
constraint is dropped by the name the naming convention gave it in 0001.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FK = "fk_record_versions_run_id_harvest_runs"


def upgrade() -> None:
    # SQLite cannot drop a constraint: batch mode copies the table without it
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")


def downgrade() -> None:
    # without the constraint a version may name a run that is gone; the constraint
    # could not be restored over it, and such an id names no run anyway
    op.execute(
        sa.text(
            "UPDATE record_versions SET run_id = NULL WHERE run_id IS NOT NULL"
            " AND run_id NOT IN (SELECT id FROM harvest_runs)"
        )
    )
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.create_foreign_key(_FK, "harvest_runs", ["run_id"], ["id"])
