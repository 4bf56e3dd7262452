"""What she was told went together with her better days, so a finding that goes leaves a trace."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS


class InsightShown(db.Model):
    """The last day her progress page showed one finding (activity, measure) to her."""

    __tablename__ = "insights_shown"
    __table_args__ = (
        sa.UniqueConstraint(
            "client_id", "activity", "measure", name="uq_insights_shown_client_finding"
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    activity: Mapped[str] = mapped_column(sa.String(40))
    measure: Mapped[str] = mapped_column(sa.String(40))
    last_shown: Mapped[date] = mapped_column(sa.Date)
