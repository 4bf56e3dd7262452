"""The access log (NEN 7513 style): who did what to which client record, when, from where."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow


class AuditEvent(db.Model):
    """An append-only entry; never holds health data.

    User ids are plain integers, not foreign keys, so the log outlives erased accounts; the
    labels keep a readable name at the time of the event.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_client_at", "client_id", "at"),
        sa.Index("ix_audit_actor_at", "actor_id", "at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(sa.String(20))
    actor_label: Mapped[str | None] = mapped_column(sa.String(254))
    on_behalf_of_id: Mapped[int | None]
    client_id: Mapped[int | None]
    client_label: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(60))
    # Long enough for the client ids of a dashboard page (portal.audit caps it).
    detail: Mapped[str | None] = mapped_column(sa.Text)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
