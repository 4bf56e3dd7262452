"""Messages: sending, reading, withdrawing, handling, notices, unread counts and waiting lists.

One thread per client and practitioner. Services add to the session and flush; the view
commits once. Every change writes its access-log entry here, beside the change. Notices are
outbox e-mails that say only that there is a message, never what it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.dates import local_today
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import (
    ClientProfile,
    Message,
    MessageSettings,
    MessageThread,
    Role,
    User,
)

MAX_CHARS = 5000
WAITING_LIST_ROWS = 20


# Settings.


def settings_for(user: User) -> MessageSettings:
    """Return a person's message settings (the defaults, unsaved, when she never chose)."""
    settings = db.session.get(MessageSettings, user.id)
    if settings is None:
        settings = MessageSettings(user_id=user.id, notices=True, digest="daily")
    return settings


def save_settings(
    user: User, *, notices: bool, digest: str | None = None, away_until: date | None = None
) -> MessageSettings:
    """Store a person's choices: notices for everyone, digest and absence for staff."""
    settings = db.session.get(MessageSettings, user.id)
    if settings is None:
        settings = MessageSettings(user_id=user.id, digest="daily")
        db.session.add(settings)
    settings.notices = notices
    if not user.is_client and digest is not None:
        settings.digest = digest
    if user.is_practitioner:
        settings.away_until = away_until
    db.session.flush()
    return settings


def ensure_settings_rows(user_ids: list[int]) -> None:
    """Give these people a settings row with the defaults, leaving existing rows alone."""
    if not user_ids:
        return
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(MessageSettings.__table__)
        .values([{"user_id": user_id, "notices": True, "digest": "daily"} for user_id in user_ids])
        .on_conflict_do_nothing()
    )


def is_away(practitioner: User, today: date, settings: MessageSettings | None = None) -> bool:
    """Tell whether a practitioner is away (inactive, or away until today or later)."""
    if not practitioner.active:
        return True
    settings = settings or db.session.get(MessageSettings, practitioner.id)
    return bool(settings and settings.away_until and settings.away_until >= today)


# Threads.


def practitioner_of(client: User) -> User | None:
    """Return the client's current practitioner, if she has one."""
    return client.profile.practitioner if client.profile else None


def thread_between(client: User, practitioner: User, *, create: bool = False):
    """Return the pair's thread, made on the first message when `create` is set."""
    thread = db.session.scalar(
        sa.select(MessageThread).where(
            MessageThread.client_id == client.id,
            MessageThread.practitioner_id == practitioner.id,
        )
    )
    if thread is None and create:
        thread = MessageThread(client_id=client.id, practitioner_id=practitioner.id)
        db.session.add(thread)
        db.session.flush()
    return thread


def threads_of_client(client: User) -> list[MessageThread]:
    """Return all her threads with their messages, the current practitioner's first."""
    current = client.profile.practitioner_id if client.profile else None
    threads = db.session.scalars(
        sa.select(MessageThread)
        .options(
            selectinload(MessageThread.messages).joinedload(Message.sender),
            selectinload(MessageThread.practitioner),
        )
        .where(MessageThread.client_id == client.id)
        .order_by(MessageThread.created_at.desc(), MessageThread.id.desc())
    ).all()
    return sorted(threads, key=lambda thread: thread.practitioner_id != current)


def thread_with_messages(client_id: int, practitioner_id: int) -> MessageThread | None:
    """Return the pair's thread with its messages and their senders, in one query."""
    return (
        db.session.scalars(
            sa.select(MessageThread)
            .options(joinedload(MessageThread.messages).joinedload(Message.sender))
            .where(
                MessageThread.client_id == client_id,
                MessageThread.practitioner_id == practitioner_id,
            )
        )
        .unique()
        .first()
    )


def may_cover(admin: User, thread: MessageThread, today: date) -> bool:
    """Tell whether an admin may read a thread: only while its practitioner is away."""
    return admin.is_admin and is_away(thread.practitioner, today)


def covering_threads(today: date) -> list[tuple[MessageThread, str, str]]:
    """Return threads of inactive or away practitioners, waiting ones first, with names."""
    client, practitioner = sa.orm.aliased(User), sa.orm.aliased(User)
    away = sa.or_(
        practitioner.active.is_(False),
        MessageSettings.away_until >= today,
    )
    rows = db.session.execute(
        sa.select(MessageThread, client.full_name, practitioner.full_name)
        .join(client, client.id == MessageThread.client_id)
        .join(practitioner, practitioner.id == MessageThread.practitioner_id)
        .outerjoin(MessageSettings, MessageSettings.user_id == practitioner.id)
        .where(away)
        .order_by(
            MessageThread.waiting_since.is_(None),
            MessageThread.waiting_since,
            MessageThread.last_message_at.desc(),
        )
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


# Sending, reading, withdrawing, handling.


def send_message(
    thread: MessageThread, sender: User, body: str, now: datetime | None = None
) -> Message:
    """Add a message to a thread, update what waits, and queue the other side's notice."""
    now = now or datetime.now(UTC)
    from_client = sender.id == thread.client_id
    message = Message(
        thread_id=thread.id,
        sender_id=sender.id,
        from_client=from_client,
        body=body,
        created_at=now,
    )
    db.session.add(message)
    thread.messages.append(message)
    thread.last_message_at = now
    _refresh_waiting(thread)
    db.session.flush()
    _notify(thread, message, now)
    audit.record(
        "message_sent", client=thread.client, actor=sender, detail=f"thread {thread.id}"
    )
    return message


def mark_read(thread: MessageThread, reader_is_client: bool, now: datetime | None = None) -> int:
    """Mark the other side's messages read now that this side opened the thread.

    Reads the thread's loaded messages first: most views have nothing new to mark, and then
    no UPDATE (and, on SQLite, no write lock) is needed.
    """
    unread = [
        message
        for message in thread.messages
        if message.from_client is not reader_is_client
        and message.read_at is None
        and message.withdrawn_at is None
    ]
    if not unread:
        return 0
    now = now or datetime.now(UTC)
    return db.session.execute(
        sa.update(Message)
        .where(
            Message.thread_id == thread.id,
            Message.from_client.is_(not reader_is_client),
            Message.read_at.is_(None),
            Message.withdrawn_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def withdraw_window() -> timedelta:
    """Return how long after sending a message its sender may withdraw it."""
    return timedelta(minutes=current_app.config["MESSAGE_WITHDRAW_MINUTES"])


def may_withdraw(message: Message, user: User, now: datetime | None = None) -> bool:
    """Tell whether this person may still withdraw this message."""
    now = now or datetime.now(UTC)
    return (
        message.sender_id == user.id
        and message.withdrawn_at is None
        and now - message.created_at <= withdraw_window()
    )


def withdraw_message(message: Message, by: User, now: datetime | None = None) -> bool:
    """Withdraw one's own message within the window; False when too late or already done."""
    now = now or datetime.now(UTC)
    if not may_withdraw(message, by, now):
        return False
    message.withdrawn_at = now
    # Withdrawn means gone: the text is not kept where nobody may read it any more.
    message.body = ""
    thread = message.thread
    _refresh_waiting(thread)
    db.session.flush()
    audit.record(
        "message_withdrawn", client=thread.client, actor=by, detail=f"thread {thread.id}"
    )
    return True


def mark_handled(thread: MessageThread, by: User, now: datetime | None = None) -> bool:
    """Take a thread off the waiting list without a reply; False when nothing was waiting."""
    if thread.waiting_since is None:
        return False
    thread.handled_at = now or datetime.now(UTC)
    thread.handled_by_id = by.id
    _refresh_waiting(thread)
    db.session.flush()
    audit.record(
        "message_thread_handled", client=thread.client, actor=by, detail=f"thread {thread.id}"
    )
    return True


def _refresh_waiting(thread: MessageThread) -> None:
    """Set waiting_since to her oldest message after the practice's last answer (or None)."""
    answers = [
        message.created_at
        for message in thread.messages
        if not message.from_client and message.withdrawn_at is None
    ]
    if thread.handled_at is not None:
        answers.append(thread.handled_at)
    last_answer = max(answers, default=None)
    unanswered = [
        message.created_at
        for message in thread.messages
        if message.from_client
        and message.withdrawn_at is None
        and (last_answer is None or message.created_at > last_answer)
    ]
    thread.waiting_since = min(unanswered, default=None)


# Notices.


def _practice_recipients(thread: MessageThread, today: date) -> list[User]:
    """Return who hears of her message: her practitioner, or the admins while he is away."""
    practitioner = thread.practitioner
    if not is_away(practitioner, today):
        return [practitioner]
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
        )
    )


def _notify(thread: MessageThread, message: Message, now: datetime) -> None:
    """Queue an e-mail notice for the other side: no text, at most one per thread per hour."""
    quiet = timedelta(minutes=current_app.config["MESSAGE_NOTICE_MINUTES"])
    if message.from_client:
        last = thread.practice_notified_at
        recipients = _practice_recipients(thread, local_today(now=now))
    else:
        last = thread.client_notified_at
        recipients = [thread.client] if thread.client.active else []
    if last is not None and now - last < quiet:
        return
    declined = set(
        db.session.scalars(
            sa.select(MessageSettings.user_id).where(
                MessageSettings.user_id.in_([person.id for person in recipients]),
                MessageSettings.notices.is_(False),
            )
        )
    )
    recipients = [person for person in recipients if person.id not in declined]
    if not recipients:
        return
    for recipient in recipients:
        if message.from_client:
            link = absolute_url("practice.client_page", client_id=thread.client_id,
                                _anchor="messages")
            if recipient.is_admin:
                link = absolute_url("messages.covering_thread", thread_id=thread.id)
        else:
            link = absolute_url("messages.inbox")
        with force_locale(recipient.locale):
            send_mail(
                recipient.email,
                _("A new message in the portal"),
                render_template(
                    "emails/message_notice.txt",
                    recipient=recipient,
                    client=thread.client,
                    to_client=not message.from_client,
                    link=link,
                ),
                kind="message_notice",
            )
    if message.from_client:
        thread.practice_notified_at = now
    else:
        thread.client_notified_at = now


# Counts for the navigation and the dashboard.


def unread_for_client(client_id) -> sa.ScalarSelect:
    """Count the practice's unread messages to a client (a subquery for one page query)."""
    return (
        sa.select(sa.func.count(Message.id))
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.client_id == client_id,
            Message.from_client.is_(False),
            Message.read_at.is_(None),
            Message.withdrawn_at.is_(None),
        )
        .scalar_subquery()
    )


def unread_for_practitioner(practitioner_id) -> sa.ScalarSelect:
    """Count clients' unread messages still waiting for an answer from this practitioner.

    Only threads on the waiting list count: an answered or handled message is not news, so the
    badge never says "1" beside "no message waits for an answer".
    """
    return (
        sa.select(sa.func.count(Message.id))
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .join(
            ClientProfile,
            sa.and_(
                ClientProfile.user_id == MessageThread.client_id,
                ClientProfile.practitioner_id == MessageThread.practitioner_id,
            ),
        )
        .where(
            MessageThread.practitioner_id == practitioner_id,
            MessageThread.waiting_since.is_not(None),
            Message.from_client.is_(True),
            Message.read_at.is_(None),
            Message.withdrawn_at.is_(None),
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class WaitingThread:
    """A client whose message waits for an answer, and since when."""

    client_id: int
    client_name: str
    waiting_since: datetime


@dataclass(frozen=True)
class WaitingList:
    threads: list[WaitingThread]
    total: int


def waiting_list(practitioner_id: int, limit: int = WAITING_LIST_ROWS) -> WaitingList:
    """Return his current clients' unanswered threads, oldest first, in one query."""
    rows = db.session.execute(
        sa.select(
            MessageThread.client_id,
            User.full_name,
            MessageThread.waiting_since,
            sa.func.count().over().label("total"),
        )
        .join(User, User.id == MessageThread.client_id)
        .join(
            ClientProfile,
            sa.and_(
                ClientProfile.user_id == MessageThread.client_id,
                ClientProfile.practitioner_id == MessageThread.practitioner_id,
            ),
        )
        .where(
            MessageThread.practitioner_id == practitioner_id,
            MessageThread.waiting_since.is_not(None),
        )
        .order_by(MessageThread.waiting_since, MessageThread.id)
        .limit(limit)
    ).all()
    return WaitingList(
        threads=[WaitingThread(row.client_id, row.full_name, row.waiting_since) for row in rows],
        total=rows[0].total if rows else 0,
    )
