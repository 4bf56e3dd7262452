"""Results kept for a day: her "what seems to help you" section, per period and language."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS


class InsightCache(db.Model):
    """The insight section (and its strip charts) as computed on one of her local days.

    Kept in the database, not in a process, so every worker shares it and an erasure takes it
    with her (ON DELETE CASCADE). Her saves delete her rows; rows of an earlier day are never
    read and go when the next one is written.
    """

    __tablename__ = "insight_cache"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "made_on", "key", name="uq_insight_cache_client_day_key"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    made_on: Mapped[date] = mapped_column(sa.Date)
    # The period, the language and what is kept ("section" or "charts-400"), in one string.
    key: Mapped[str] = mapped_column(sa.String(80))
    payload: Mapped[str] = mapped_column(sa.Text)
