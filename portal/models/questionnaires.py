"""Questionnaire responses and a practice's installed licensed wording."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow
from portal.models.users import User


class QuestionnaireResponse(db.Model):
    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        sa.Index("ix_responses_client_instrument", "client_id", "instrument", "submitted_at"),
        sa.CheckConstraint("total >= 0", name="total_positive"),
        # The same submission arriving twice (reload, double tap, retry) is stored once: the
        # index, not a look-up first, decides, so two copies arriving together cannot both pass.
        sa.Index("uq_responses_submission_id", "submission_id", unique=True),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(sa.String(20))
    # Chosen option index per item id, as answered; scores are derived and stored beside.
    answers: Mapped[dict] = mapped_column(sa.JSON)
    item_scores: Mapped[list[int]] = mapped_column(sa.JSON)
    total: Mapped[int]
    subscales: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    band: Mapped[str] = mapped_column(sa.String(40))
    safety: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(5))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The one-time id drawn with the form it was sent from; None for older rows and seeds.
    submission_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    # The wording she answered on: "placeholder" (the portal's neutral topics) or "licensed"
    # text, in which language, whether that text is validated, and a fingerprint of the exact
    # text (a practice may install a new version). None on responses from before it was kept.
    wording: Mapped[str | None] = mapped_column(sa.String(20))
    wording_locale: Mapped[str | None] = mapped_column(sa.String(5))
    wording_validated: Mapped[bool | None]
    wording_version: Mapped[str | None] = mapped_column(sa.String(64))

    client: Mapped[User] = relationship(foreign_keys=[client_id])


class InstrumentText(db.Model):
    """Licensed wording a practice installed for one instrument and language."""

    __tablename__ = "instrument_texts"
    __table_args__ = (
        sa.UniqueConstraint("instrument", "locale", name="uq_instrument_locale"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(5))
    definition: Mapped[dict] = mapped_column(sa.JSON)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    installed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
