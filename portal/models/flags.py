"""Flags raised by the rules in portal.flags, and their acknowledgement."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow
from portal.models.users import User

LEVEL_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


class Flag(db.Model):
    """One episode of a rule firing for a client.

    Open means neither acknowledged nor cleared; at most one open flag per rule per client,
    enforced by a partial unique index so concurrent evaluations cannot both raise one.
    """

    __tablename__ = "flags"
    __table_args__ = (
        sa.Index(
            "uq_flags_open_rule",
            "client_id",
            "rule",
            unique=True,
            sqlite_where=sa.text("acknowledged_at IS NULL AND cleared_at IS NULL"),
            postgresql_where=sa.text("acknowledged_at IS NULL AND cleared_at IS NULL"),
        ),
        sa.Index("ix_flags_client_raised", "client_id", "raised_at"),
        sa.Index("ix_flags_client_alert", "client_id", "alert_key"),
        sa.CheckConstraint("level in ('urgent', 'high', 'medium', 'low')", name="level_known"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(sa.String(30))
    level: Mapped[str] = mapped_column(sa.String(10))
    level_rank: Mapped[int] = mapped_column(sa.SmallInteger)
    # Plain values that fired the rule (scores, dates, counts), never free text.
    evidence: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    episode_key: Mapped[str | None] = mapped_column(sa.String(40))
    # Flags raised together by one evaluation (one EPDS, one consult entry) share a key: the
    # practitioner handles them as one alert, acknowledged once with one note, while each keeps
    # its own row (level, evidence, acknowledgement) for the summary and FHIR.
    alert_key: Mapped[str | None] = mapped_column(sa.String(36))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    acknowledgement_note: Mapped[str | None] = mapped_column(sa.Text)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def alert(self) -> str:
        """Return the key of the alert this flag belongs to (its own id when raised alone)."""
        return self.alert_key or f"flag-{self.id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.cleared_at is None
