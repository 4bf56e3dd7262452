"""Messages between a client and her practitioner, and each person's message settings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow
from portal.models.users import User

DIGEST_CHOICES = ("daily", "weekly", "off")


class MessageThread(db.Model):
    """The one conversation between a client and one practitioner.

    `waiting_since` is when the oldest of her messages that nobody at the practice has answered
    (or marked handled) was sent; None when nothing waits. It is kept on the thread so the
    dashboard's waiting list is one indexed query. The notice columns hold when each side was
    last e-mailed about this thread, for the one-notice-per-hour limit.
    """

    __tablename__ = "message_threads"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "practitioner_id", name="uq_message_threads_pair"),
        sa.Index("ix_message_threads_practitioner_waiting", "practitioner_id", "waiting_since"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    client_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    practice_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread",
        order_by="(Message.created_at, Message.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Message(db.Model):
    """One message: plain text, never edited; the sender may withdraw it for a few minutes."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_thread_created", "thread_id", "created_at"),
        sa.CheckConstraint("length(body) <= 5000", name="body_length"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message_threads.id", ondelete="CASCADE")
    )
    sender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Which side wrote it: the client, or the practice (her practitioner or a covering admin).
    from_client: Mapped[bool]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the other side first opened the thread after it arrived.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    sender: Mapped[User] = relationship(foreign_keys=[sender_id])


class MessageSettings(db.Model):
    """A person's choices about message notices and the morning digest; no row means defaults."""

    __tablename__ = "message_settings"
    __table_args__ = (
        sa.CheckConstraint("digest in ('daily', 'weekly', 'off')", name="digest_known"),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    notices: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[str] = mapped_column(sa.String(10), default="daily")
    # The local date the last digest was due on (sent, or found empty): at most one a day.
    last_digest_on: Mapped[date | None]
    # A practitioner away until this date (inclusive): the admin may cover her messages.
    away_until: Mapped[date | None]
