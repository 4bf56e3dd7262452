"""Her care team, the calls made about an urgent flag, and the practice's own settings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow
from portal.models.flags import Flag
from portal.models.users import User

CARE_ROLES = ("verloskundige", "huisarts", "kraamzorg", "gynaecoloog", "poh_ggz", "other")
CALL_OUTCOMES = ("reached", "no_answer", "voicemail", "wrong_number", "other")


class CareTeamMember(db.Model):
    """A professional involved in her care, added by her or her practitioner."""

    __tablename__ = "care_team_members"
    __table_args__ = (
        sa.CheckConstraint(
            "role in (" + ", ".join(f"'{role}'" for role in CARE_ROLES) + ")", name="role_known"
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    practice: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    agb_code: Mapped[str | None] = mapped_column(sa.String(8))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[User] = relationship(foreign_keys=[client_id])


class ContactAttempt(db.Model):
    """One call about an open flag: who called whom, when, and how it went."""

    __tablename__ = "contact_attempts"
    __table_args__ = (
        sa.CheckConstraint(
            "outcome in (" + ", ".join(f"'{o}'" for o in CALL_OUTCOMES) + ")",
            name="outcome_known",
        ),
        sa.Index("ix_contact_attempts_flag_at", "flag_id", "at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(sa.ForeignKey("flags.id", ondelete="CASCADE"))
    # Also tied to her directly, so erasing her removes the row whatever becomes of the flag.
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    caller_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Whom was called, in words kept at the time: a care-team member may be removed later.
    callee: Mapped[str] = mapped_column(sa.String(200))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    flag: Mapped[Flag] = relationship()
    caller: Mapped[User | None] = relationship(foreign_keys=[caller_id])


class PracticeSetting(db.Model):
    """A text the admin sets for the whole practice (such as the urgent-flag protocol)."""

    __tablename__ = "practice_settings"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class ShareLink(db.Model):
    """Her referral summary of a period, opened by a care-team member through a secret link.

    Only a SHA-256 of the token is kept. The recipient is copied from the member at sharing
    time, so the list and the access log still say who it was after the member is removed.
    """

    __tablename__ = "share_links"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("care_team_members.id", ondelete="SET NULL")
    )
    recipient_name: Mapped[str] = mapped_column(sa.String(120))
    recipient_role: Mapped[str] = mapped_column(sa.String(20))
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Her consent as she (or her practitioner, recording it) agreed to it.
    consent_text: Mapped[str] = mapped_column(sa.Text)
    consent_version: Mapped[str] = mapped_column(sa.String(20))
    consent_recorded_by_practitioner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was closed: "revoked" (by hand), "member_removed" or "consent_withdrawn".
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))
    # The e-mail that carried the link: an erasure deletes it with her data.
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    # Why the sender shares it, in their words; shown first in the summary.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    open_count: Mapped[int] = mapped_column(default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[User] = relationship(foreign_keys=[client_id])

    def is_open(self, now: datetime) -> bool:
        """Tell whether the link still opens: not revoked and not expired."""
        return self.revoked_at is None and now < self.expires_at
