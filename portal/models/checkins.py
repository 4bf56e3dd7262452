"""The daily check-in: one row per client per local calendar day."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow
from portal.models.users import User

# Keys are stored; labels live in the check-in form so they can be translated.
ACTIVITIES = (
    "hug",
    "safe_company",
    "laughing_singing",
    "breathing",
    "meditation",
    "fibre_meal",
    "fermented_food",
    "pet",
    "walk_outside",
)

SCALE_FIELDS = ("mood", "tension", "energy", "bonding", "sleep_quality")


def _scale_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} between 1 and 5", name=f"{column}_1_5")


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "day", name="uq_checkins_client_day"),
        *(_scale_check(field) for field in SCALE_FIELDS),
        sa.CheckConstraint("sleep_hours between 0 and 16", name="sleep_hours_0_16"),
        sa.CheckConstraint("night_wakings between 0 and 20", name="night_wakings_0_20"),
        sa.CheckConstraint("skin_to_skin_minutes between 0 and 600", name="skin_to_skin_0_600"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    mood: Mapped[int]
    tension: Mapped[int | None]
    energy: Mapped[int | None]
    bonding: Mapped[int | None]
    sleep_hours: Mapped[float | None] = mapped_column(sa.Numeric(4, 2, asdecimal=False))
    night_wakings: Mapped[int | None]
    sleep_quality: Mapped[int | None]
    skin_to_skin_minutes: Mapped[int | None]
    activities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Set when a practitioner recorded it during a phone consult.
    entered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The one-time id of the form whose answers the row holds: the same submission arriving
    # again (a phone sending what it kept offline) is hers, never a conflict with itself.
    submission_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    revisions: Mapped[list[CheckInRevision]] = relationship(
        back_populates="checkin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CheckInRevision.replaced_at",
    )


class CheckInRevision(db.Model):
    """A day's values as they were before a practitioner's phone-consult entry replaced them.

    Her own words stay in the record: the consult entry may change them, never erase them.
    """

    __tablename__ = "checkin_revisions"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    mood: Mapped[int]
    tension: Mapped[int | None]
    energy: Mapped[int | None]
    bonding: Mapped[int | None]
    sleep_hours: Mapped[float | None] = mapped_column(sa.Numeric(4, 2, asdecimal=False))
    night_wakings: Mapped[int | None]
    sleep_quality: Mapped[int | None]
    skin_to_skin_minutes: Mapped[int | None]
    activities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Who had entered the replaced values: None when they were her own.
    entered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    replaced_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="revisions")
    replaced_by: Mapped[User | None] = relationship(foreign_keys=[replaced_by_id])
