"""Appointments: a practitioner's opening hours, their exceptions, and what is booked in them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow
from portal.models.users import User

APPOINTMENT_KINDS = ("practice", "video", "phone", "home")
EXCEPTION_KINDS = ("off", "extra")


def _kind_check(column: str = "kind") -> sa.CheckConstraint:
    allowed = ", ".join(f"'{kind}'" for kind in APPOINTMENT_KINDS)
    return sa.CheckConstraint(f"{column} in ({allowed})", name=f"{column}_known")


def new_uid() -> str:
    """Return an iCalendar UID that names one appointment for its whole life."""
    return f"{uuid.uuid4()}@herstel-portal"


class CalendarSettings(db.Model):
    """One practitioner's booking rules and the hash of their calendar feed's secret."""

    __tablename__ = "calendar_settings"

    practitioner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    notice_hours: Mapped[int] = mapped_column(default=12)
    horizon_days: Mapped[int] = mapped_column(default=42)
    change_limit_hours: Mapped[int] = mapped_column(default=24)
    # Only a SHA-256 of the feed's secret; None when no feed is on.
    feed_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    feed_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WeeklyHours(db.Model):
    """A block of a weekday in which a practitioner sees clients of one kind, in local time."""

    __tablename__ = "weekly_hours"
    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 and weekday <= 6", name="weekday_range"),
        sa.CheckConstraint("length_minutes >= 10 and length_minutes <= 240", name="length_range"),
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        _kind_check(),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]  # Monday 0 ... Sunday 6
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    length_minutes: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))

    practitioner: Mapped[User] = relationship()


class AvailabilityException(db.Model):
    """A day off (whole day, or a stretch of it) or one-off extra hours, in local time."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        sa.CheckConstraint("exception in ('off', 'extra')", name="exception_known"),
        sa.CheckConstraint(
            "kind is null or kind in (" + ", ".join(f"'{k}'" for k in APPOINTMENT_KINDS) + ")",
            name="kind_known",
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    exception: Mapped[str] = mapped_column(sa.String(10))  # off | extra
    # Off: both None means the whole day. Extra: the block's hours, length and kind.
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    length_minutes: Mapped[int | None]
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(120))


class Appointment(db.Model):
    """One booked time of a client with her practitioner.

    The database makes double booking impossible: two live appointments of one practitioner
    can neither share a start (the partial unique index) nor overlap (an exclusion constraint
    on PostgreSQL, triggers on SQLite; both in migration 0015, which explains the choice),
    whatever the requests racing to book checked before. A cancelled appointment is outside
    both, so its time is free again.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        sa.Index(
            "uq_appointments_practitioner_start_live",
            "practitioner_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.text("cancelled_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL"),
        ),
        sa.Index("ix_appointments_client_start", "client_id", "starts_at"),
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        _kind_check(),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(100), unique=True, default=new_uid)
    # iCalendar SEQUENCE: raised at every move and at the cancellation.
    sequence: Mapped[int] = mapped_column(default=0)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
