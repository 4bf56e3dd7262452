"""The outbox: every e-mail is a row written in the transaction of the event that causes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """One e-mail to one recipient, waiting for the worker, retrying, sent or dead.

    A request never talks to a mail server: it adds a row and commits it with its cause, so a
    rolled-back event sends nothing and a mail outage loses nothing. The worker claims due rows
    (a lease in `claimed_until`, so a worker killed mid-pass leaves them to the next one) and
    records each attempt. The Message-ID is fixed when the row is written, so a message sent
    twice after a crash carries the same id and mail programs show it once.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The worker's query: unsent, not dead, due.
        sa.Index("ix_outbox_messages_due", "sent_at", "dead_at", "next_attempt_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    # What the message is about ("urgent_flag", "invitation", ...): for the admin's page and
    # tests; never health data.
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # Cleared once sent: bodies can hold names and one-time links.
    body: Mapped[str] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # For a message to someone whose account is erased: the address goes once it is sent.
    forget_recipient: Mapped[bool] = mapped_column(default=False)
    # One text attachment (a calendar invitation); cleared with the body once sent.
    attachment_name: Mapped[str | None] = mapped_column(sa.String(100))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(100))
    attachment_body: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def to(self) -> tuple[str, ...]:
        """Return the recipients as a tuple, the shape the log backend always had."""
        return (self.recipient,)

    @property
    def state(self) -> str:
        """Return queued, retrying, sent or dead."""
        if self.sent_at is not None:
            return "sent"
        if self.dead_at is not None:
            return "dead"
        return "retrying" if self.attempts else "queued"


class ScheduledJob(db.Model):
    """When each of the worker's scheduled jobs last started, shared by every worker.

    Workers claim a job's next run with one conditional UPDATE, so two workers (or a restart)
    never run the daily flag evaluation twice in one period.
    """

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
