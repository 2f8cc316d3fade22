"""Alembic environment: runs on the engine that `oai.schema.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from oai.harvest.runlog.tables import metadata as runlog_metadata
from oai.web.admin.state import metadata as admin_metadata
from records.db import metadata as records_metadata


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave tables of other owners alone (APScheduler keeps its jobs in `apscheduler_jobs`)."""
    return not (type_ == "table" and reflected and compare_to is None)


engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=[records_metadata, runlog_metadata, admin_metadata],
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
    )
    context.run_migrations()
