"""withdrawals_admin_sets: records withdrawn from publication, sets defined by the admin

`withdrawals` holds the records taken down (served as deleted, held against harvests
until reinstated), `withdrawal_log` every withdrawal and reinstatement (who, when, why),
`admin_sets` the sets an admin made from a source or a search query.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from records.sqltypes import UTCSeconds

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withdrawals",
        sa.Column("record_pk", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_at", UTCSeconds(), nullable=False),
        sa.Column("deleted_meanwhile", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_pk"], ["records.pk"], name=op.f("fk_withdrawals_record_pk_records")
        ),
        sa.PrimaryKeyConstraint("record_pk", name=op.f("pk_withdrawals")),
    )
    op.create_table(
        "withdrawal_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_pk", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("at", UTCSeconds(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_pk"], ["records.pk"], name=op.f("fk_withdrawal_log_record_pk_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_log")),
    )
    op.create_index("ix_withdrawal_log_record", "withdrawal_log", ["record_pk", "id"], unique=False)
    op.create_table(
        "admin_sets",
        sa.Column("spec", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("created_at", UTCSeconds(), nullable=False),
        sa.ForeignKeyConstraint(["spec"], ["sets.spec"], name=op.f("fk_admin_sets_spec_sets")),
        sa.PrimaryKeyConstraint("spec", name=op.f("pk_admin_sets")),
    )


def downgrade() -> None:
    op.drop_table("admin_sets")
    op.drop_index("ix_withdrawal_log_record", table_name="withdrawal_log")
    op.drop_table("withdrawal_log")
    op.drop_table("withdrawals")
