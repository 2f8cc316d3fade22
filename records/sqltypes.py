"""Column types and the constraint naming convention shared by every table of the hub.

Times are stored as integer seconds since the epoch (UTC) through `UTCSeconds`: the
OAI datestamp granularity is one second, integers compare and index the same way on
SQLite and PostgreSQL, and there is no time-zone conversion for a driver to get wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["NAMING", "UTCSeconds"]


class UTCSeconds(TypeDecorator[datetime]):
    """An aware UTC `datetime` stored as whole seconds since the epoch."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return int(value.timestamp())

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(int(value), UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
