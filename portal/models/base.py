"""Column helpers shared by the models."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC (a callable default, evaluated per row)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC timestamps only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        # SQLite drops the offset; every value we wrote was UTC.
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# Every table with an integer key gets SQLite's AUTOINCREMENT: without it SQLite hands the
# highest id out again after a delete, and an erased person's id would name the next account.
# (PostgreSQL's sequences never reuse a number; the option means nothing there.)
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
