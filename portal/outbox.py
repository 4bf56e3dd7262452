"""Deliver the outbox: claim due messages, hand them to the transport, retry with backoff.

Claims are leases: a claimed row carries `claimed_until`, and a worker killed in the middle of
a pass simply leaves its rows to be claimed again once the lease runs out. That can send a
message twice (the server accepted it, the worker died before recording it); the copy carries
the same Message-ID, so mail programs show it once. Two live workers never claim the same row:
PostgreSQL skips rows another claim has locked (FOR UPDATE SKIP LOCKED), and on SQLite the
claim is one UPDATE, which holds the database's only write lock while it runs.
"""

import logging
import random
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal import database
from portal.extensions import db
from portal.mail import build_email, transport
from portal.models import OutboxMessage
from portal.models.base import UTCDateTime

log = logging.getLogger(__name__)

BATCH_SIZE = 50
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 60 * 60
# Failures of the connection itself: every message of the pass would meet the same wall.
CONNECTION_ERRORS = (OSError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)
CONNECTION_PREFIX = "mail server unreachable: "


@dataclass
class PassReport:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return self.sent + self.failed + self.dead


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Return the wait before the next attempt: doubling from 30 s, capped at 1 h, with jitter.

    The jitter (between half and the whole delay) keeps a queue that failed together from
    hammering the mail server together when it comes back.
    """
    base = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return timedelta(seconds=base * (rng or random).uniform(0.5, 1.0))


def _due_filter(table, now: datetime, include_waiting: bool):
    conditions = [
        table.c.sent_at.is_(None),
        table.c.dead_at.is_(None),
        sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
    ]
    if not include_waiting:
        conditions.append(table.c.next_attempt_at <= now)
    return sa.and_(*conditions)


def claim(limit: int = BATCH_SIZE, *, include_waiting: bool = False) -> tuple[str, list[int]]:
    """Claim up to `limit` due messages for this pass and commit the claim; return its token."""
    now = datetime.now(UTC)
    table = OutboxMessage.__table__
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    candidates = (
        sa.select(table.c.id)
        .where(_due_filter(table, now, include_waiting))
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(candidates.scalar_subquery()))
        .where(_due_filter(table, now, include_waiting))
        .values(claim_token=token, claimed_until=lease)
        .returning(table.c.id)
    ).scalars()
    ids = sorted(claimed)
    db.session.commit()
    return token, ids


def deliver_pass(*, include_waiting: bool = False, limit: int = BATCH_SIZE) -> PassReport:
    """Claim due messages and try each once; `include_waiting` also takes those in backoff."""
    token, ids = claim(limit, include_waiting=include_waiting)
    report = PassReport()
    if not ids:
        return report
    table = OutboxMessage.__table__
    # Plain rows, not ORM objects: each commit below would expire objects and reload them.
    messages = db.session.execute(
        sa.select(table).where(table.c.id.in_(ids), table.c.claim_token == token)
    ).all()
    db.session.commit()
    sender = transport()
    unreachable: str | None = None
    forgotten = False
    try:
        for message in sorted(messages, key=lambda row: row.id):
            if unreachable:
                outcome = _failure(message, unreachable, report)
            else:
                outcome = _try_once(sender, message, report)
                if outcome.get("last_error") and _is_connection_error(outcome["last_error"]):
                    unreachable = outcome["last_error"]
            # One commit per message: once recorded as sent, it is never sent again. The
            # claim token guards against a worker whose lease ran out and was taken over.
            _relax_durability()
            db.session.execute(
                sa.update(table)
                .where(table.c.id == message.id, table.c.claim_token == token)
                .values(claim_token=None, claimed_until=None, **outcome)
            )
            db.session.commit()
            forgotten |= bool(message.forget_recipient and outcome.get("sent_at"))
    finally:
        sender.close()
    if forgotten:
        # The last copy of an erased person's address was in this row: take the old versions
        # of its page out of SQLite's WAL too, as the erasure itself does.
        database.checkpoint_wal(current_app)
    if report.errors:
        log.warning("outbox: %d sent, %d failed: %s", report.sent, report.failed, report.errors[0])
    return report


def _try_once(sender, message, report: PassReport) -> dict:
    """Hand one message to the transport; return the columns that record the outcome."""
    try:
        sender.send(build_email(message))
    except smtplib.SMTPResponseException as error:
        permanent = 500 <= error.smtp_code < 600
        return _failure(message, _describe(error), report, permanent=permanent)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        return _failure(message, _describe(error), report, permanent=permanent)
    except CONNECTION_ERRORS as error:
        return _failure(message, CONNECTION_PREFIX + _describe(error), report)
    report.sent += 1
    now = datetime.now(UTC)
    sent = {
        "sent_at": now,
        "last_attempt_at": now,
        "attempts": message.attempts + 1,
        "last_error": None,
        "body": "",  # it can hold names and one-time links; the mail server has it now
        "attachment_body": None,
    }
    if message.forget_recipient:
        sent["recipient"] = "(erased)"
    return sent


def _is_connection_error(error: str) -> bool:
    return error.startswith(CONNECTION_PREFIX)


def _relax_durability() -> None:
    # Recording an attempt need not wait for PostgreSQL's disk flush: if the server crashed
    # and lost the record, the message would be sent again under the same Message-ID, which
    # mail programs show once. This is what makes one commit per message affordable.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))


def deliver_until_empty(*, include_waiting: bool = False) -> PassReport:
    """Run passes until nothing due is left or a pass fails; return the totals."""
    total = PassReport()
    while True:
        report = deliver_pass(include_waiting=include_waiting)
        total.sent += report.sent
        total.failed += report.failed
        total.dead += report.dead
        total.errors += report.errors
        if report.claimed < BATCH_SIZE or report.failed or report.dead:
            return total


def _failure(message, error: str, report: PassReport, *, permanent: bool = False) -> dict:
    """Return the columns for a failed attempt: a later retry, or dead after a day."""
    now = datetime.now(UTC)
    attempts = message.attempts + 1
    give_up_at = message.created_at + timedelta(hours=current_app.config["OUTBOX_GIVE_UP_HOURS"])
    next_attempt_at = now + retry_delay(attempts)
    outcome = {
        "attempts": attempts,
        "last_error": error[:500],
        "last_attempt_at": now,
        "next_attempt_at": next_attempt_at,
    }
    if permanent or next_attempt_at > give_up_at:
        outcome["dead_at"] = now
        report.dead += 1
        log.error("outbox: message %s (%s) is dead: %s", message.id, message.kind, error)
    else:
        report.failed += 1
    report.errors.append(error)
    return outcome


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".strip()


def retry_dead() -> int:
    """Give dead messages a fresh day of attempts (the admin's button); return how many."""
    now = datetime.now(UTC)
    return db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.dead_at.is_not(None), OutboxMessage.sent_at.is_(None))
        .values(dead_at=None, created_at=now, next_attempt_at=now, claimed_until=None)
    ).rowcount


def purge_sent(older_than: timedelta = timedelta(days=30)) -> int:
    """Delete sent messages past their keeping time; return how many."""
    limit = datetime.now(UTC) - older_than
    return db.session.execute(
        sa.delete(OutboxMessage).where(OutboxMessage.sent_at < limit)
    ).rowcount


@dataclass(frozen=True)
class OutboxStats:
    """Counts for the admin page and /healthz; no recipient and no body."""

    queued: int
    retrying: int
    dead: int
    oldest_waiting_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    dead_urgent: int

    def oldest_waiting_seconds(self, now: datetime | None = None) -> int | None:
        """Return the age of the oldest unsent, living message in whole seconds."""
        if self.oldest_waiting_at is None:
            return None
        return max(0, int(((now or datetime.now(UTC)) - self.oldest_waiting_at).total_seconds()))


def stats() -> OutboxStats:
    """Count the outbox by state in one query, plus the newest error."""
    table = OutboxMessage.__table__.c
    waiting = sa.and_(table.sent_at.is_(None), table.dead_at.is_(None))
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(waiting, table.attempts == 0),
            sa.func.count().filter(waiting, table.attempts > 0),
            sa.func.count().filter(table.dead_at.is_not(None), table.sent_at.is_(None)),
            sa.type_coerce(sa.func.min(table.created_at).filter(waiting), UTCDateTime),
            sa.func.count().filter(
                table.dead_at.is_not(None), table.sent_at.is_(None), table.kind == "urgent_flag"
            ),
        )
    ).one()
    last = db.session.execute(
        sa.select(table.last_error, table.last_attempt_at)
        .where(table.last_error.is_not(None))
        .order_by(table.last_attempt_at.desc())
        .limit(1)
    ).first()
    return OutboxStats(
        queued=row[0],
        retrying=row[1],
        dead=row[2],
        oldest_waiting_at=row[3],
        last_error=last.last_error if last else None,
        last_error_at=last.last_attempt_at if last else None,
        dead_urgent=row[4],
    )
