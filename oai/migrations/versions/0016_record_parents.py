"""issue 26: the hierarchy of stored records, for finding aids assembled in the hub

`record_parents` holds each record's parent (by local id) and level
(`records.hierarchy`), so a fonds' finding aid finds its units and a unit its fonds
without reading every record. It is filled for the records already stored.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from records.errors import InvalidRecord
from records.hierarchy import link_parents
from records.model import Record

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 2000


def _fill() -> None:
    bind = op.get_bind()
    records = sa.table(
        "records",
        sa.column("pk", sa.Integer),
        sa.column("local_id", sa.String),
        sa.column("deleted", sa.Boolean),
        sa.column("content", sa.Text),
        sa.column("origin", sa.Text),
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(records.c.pk, records.c.content, records.c.origin)
            .where(records.c.pk > after, records.c.deleted.is_(False))
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        read = [(row.pk, _record(row.content, row.origin)) for row in rows]
        link_parents(bind, [(pk, record) for pk, record in read if record is not None])
        after = rows[-1].pk


def _record(content: str, origin: str | None) -> Record | None:
    """The stored record; None for one today's model refuses (it stays out of the
    hierarchy until it is written again)."""
    data = json.loads(content)
    if origin:
        data["origin"] = json.loads(origin)
    try:
        return Record.from_dict(data)
    except InvalidRecord:
        return None


def upgrade() -> None:
    op.create_table(
        "record_parents",
        sa.Column("record_pk", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.String(length=200), nullable=True),
        sa.Column("level", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_pk"], ["records.pk"], name=op.f("fk_record_parents_record_pk_records")
        ),
        sa.PrimaryKeyConstraint("record_pk", name=op.f("pk_record_parents")),
    )
    op.create_index("ix_record_parents_parent", "record_parents", ["parent_id"])
    _fill()


def downgrade() -> None:
    op.drop_index("ix_record_parents_parent", table_name="record_parents")
    op.drop_table("record_parents")
