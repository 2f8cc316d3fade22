"""records.remote_fingerprint and harvest_failing: the one ingest path (issue 21)

`remote_fingerprint` keeps what a partner last sent for a record, stably (a hash of its
raw bytes, or the kind's own content hash): a record sent again unchanged is not read or
rendered again. `harvest_failing` remembers the partner records a run could not take,
to be asked for again on the next runs until they are stored or gone.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from records.sqltypes import UTCSeconds

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("records", sa.Column("remote_fingerprint", sa.String(length=64), nullable=True))
    op.create_table(
        "harvest_failing",
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("identifier", sa.String(length=1000), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("first_failed_at", UTCSeconds(), nullable=False),
        sa.Column("last_failed_at", UTCSeconds(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_failing_source_id_harvest_sources"),
        ),
        sa.PrimaryKeyConstraint("source_id", "identifier", name=op.f("pk_harvest_failing")),
    )


def downgrade() -> None:
    op.drop_table("harvest_failing")
    # a plain DROP COLUMN (SQLite 3.35+), as in 0011
    op.drop_column("records", "remote_fingerprint")
