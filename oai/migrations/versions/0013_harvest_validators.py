"""harvest_validators: the HTTP validators of each record a partner serves conditionally

ARON 2.0 answers `GET /api/v1/apu/{uuid}` with `ETag`/`Last-Modified` and a 304 to a
request that sends them back. The hub keeps them per record, with the content hash of
the answer they came with, the unit's type and its parent ("": a root), so a no-change
sweep is mostly 304s.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_validators",
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("identifier", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("etag", sa.String(length=400), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("parent", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_validators_source_id_harvest_sources"),
        ),
        sa.PrimaryKeyConstraint("source_id", "identifier", name=op.f("pk_harvest_validators")),
    )


def downgrade() -> None:
    op.drop_table("harvest_validators")
