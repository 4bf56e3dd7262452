"""The staff's morning digest: counts and links only, never health data, sent through the outbox.

Each practitioner (and admin) chooses daily (working days at DIGEST_TIME, 07:30 local), weekly
(Mondays) or off. The worker runs `send_digests` every 15 minutes; a digest is due once its
local time has passed, and the local date it was due on is claimed in `message_settings` with
one conditional UPDATE before anything is queued, so a restart or a second worker never sends
two on one day. A digest with nothing to say is not sent (the day still counts as done).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from portal.dates import local_today
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.messages.services import ensure_settings_rows
from portal.models import (
    CheckIn,
    ClientProfile,
    Flag,
    MessageSettings,
    MessageThread,
    OutboxMessage,
    QuestionnaireResponse,
    Role,
    User,
)
from portal.questionnaires.schedule import is_due, schedule

LEVELS = ("urgent", "high", "medium", "low")
# "Silent for more than 4 days": the last check-in (or the start) lies before this many days ago.
SILENT_DAYS = 4
FIRST_DIGEST_LOOKBACK = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def digest_time() -> time:
    """Return the local time digests go out (DIGEST_TIME, "07:30" by default)."""
    return time.fromisoformat(current_app.config["DIGEST_TIME"])


def digest_due(
    frequency: str, last_sent_on: date | None, local_now: datetime, at: time
) -> date | None:
    """Return the local date a digest is due for now, or None (pure).

    Daily: working days (Monday to Friday) from `at`; weekly: Mondays from `at`; at most one
    a day. A worker that was down at 07:30 still sends that day's digest when it comes back.
    """
    today = local_now.date()
    if frequency not in ("daily", "weekly") or last_sent_on == today:
        return None
    if local_now.time() < at:
        return None
    if frequency == "daily" and today.weekday() >= 5:
        return None
    if frequency == "weekly" and today.weekday() != 0:
        return None
    return today


@dataclass(frozen=True)
class DigestCounts:
    """What a digest says: numbers only."""

    new_flags: dict[str, int] = field(default_factory=dict)
    waiting: int = 0
    longest_wait: timedelta | None = None
    silent: int = 0
    questionnaires_due: int = 0
    urgent_open: int = 0
    dead_mail: int = 0

    def is_empty(self) -> bool:
        """Tell whether there is nothing to report."""
        return not (
            any(self.new_flags.values())
            or self.waiting
            or self.silent
            or self.questionnaires_due
            or self.urgent_open
            or self.dead_mail
        )


def _scope(query, practitioner_id: int | None, client_column):
    """Limit a query to a practitioner's active clients (None: every active client)."""
    query = query.join(ClientProfile, ClientProfile.user_id == client_column)
    if client_column is not User.id:
        query = query.join(User, User.id == client_column)
    query = query.where(User.role == Role.CLIENT.value, User.active.is_(True))
    if practitioner_id is not None:
        query = query.where(ClientProfile.practitioner_id == practitioner_id)
    return query


def counts_for(
    practitioner_id: int | None, since: datetime, now: datetime, *, dead_mail: bool = False
) -> DigestCounts:
    """Count what a digest reports for one practitioner's caseload, or the whole practice."""
    today = local_today(now=now)
    open_flag = sa.and_(Flag.acknowledged_at.is_(None), Flag.cleared_at.is_(None))
    new_flags = dict(
        db.session.execute(
            _scope(
                sa.select(Flag.level, sa.func.count(Flag.id)), practitioner_id, Flag.client_id
            )
            .where(Flag.raised_at >= since, Flag.raised_at <= now)
            .group_by(Flag.level)
        ).all()
    )
    urgent_open = db.session.scalar(
        _scope(sa.select(sa.func.count(Flag.id)), practitioner_id, Flag.client_id).where(
            open_flag, Flag.level == "urgent"
        )
    )
    waiting_query = sa.select(
        sa.func.count(MessageThread.id), sa.func.min(MessageThread.waiting_since)
    ).where(MessageThread.waiting_since.is_not(None))
    # Conversations with each client's current practitioner (the ones the dashboards list).
    waiting_query = waiting_query.join(
        ClientProfile,
        sa.and_(
            ClientProfile.user_id == MessageThread.client_id,
            ClientProfile.practitioner_id == MessageThread.practitioner_id,
        ),
    )
    if practitioner_id is not None:
        waiting_query = waiting_query.where(MessageThread.practitioner_id == practitioner_id)
    waiting, oldest = db.session.execute(waiting_query).one()
    last_checkin = (
        sa.select(sa.func.max(CheckIn.day))
        .where(CheckIn.client_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    silent = db.session.scalar(
        _scope(sa.select(sa.func.count(User.id)).select_from(User), practitioner_id, User.id)
        .where(ClientProfile.collection_paused.is_(False))
        .where(
            sa.func.coalesce(last_checkin, ClientProfile.started_on)
            < today - timedelta(days=SILENT_DAYS)
        )
    )
    dead = 0
    if dead_mail:
        dead = db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.dead_at.is_not(None), OutboxMessage.sent_at.is_(None)
            )
        )
    return DigestCounts(
        new_flags={level: new_flags.get(level, 0) for level in LEVELS},
        waiting=waiting or 0,
        longest_wait=(now - oldest) if oldest is not None else None,
        silent=silent or 0,
        questionnaires_due=_questionnaires_due(practitioner_id, today),
        urgent_open=urgent_open or 0,
        dead_mail=dead or 0,
    )


def _questionnaires_due(practitioner_id: int | None, today: date) -> int:
    """Count questionnaires due and not done in the caseload (two queries, rules in Python)."""
    clients = db.session.execute(
        _scope(
            sa.select(
                User.id, User.timezone, ClientProfile.started_on, ClientProfile.delivery_date
            ).select_from(User),
            practitioner_id,
            User.id,
        ).where(ClientProfile.collection_paused.is_(False))
    ).all()
    if not clients:
        return 0
    latest: dict[tuple[int, str], datetime] = {
        (row.client_id, row.instrument): row.last
        for row in db.session.execute(
            sa.select(
                QuestionnaireResponse.client_id,
                QuestionnaireResponse.instrument,
                sa.func.max(QuestionnaireResponse.submitted_at).label("last"),
            )
            .where(QuestionnaireResponse.client_id.in_([client.id for client in clients]))
            .group_by(QuestionnaireResponse.client_id, QuestionnaireResponse.instrument)
        )
    }
    due = 0
    for client in clients:
        for key, rule in schedule().items():
            last = latest.get((client.id, key))
            due += is_due(
                rule,
                started_on=client.started_on,
                delivery_date=client.delivery_date,
                last_on=local_today(client.timezone, last) if last else None,
                today=today,
            )
    return due


def _claim(user_id: int, due_on: date) -> bool:
    """Record that this day's digest is done; False when another run already did."""
    return (
        db.session.execute(
            sa.update(MessageSettings)
            .where(
                MessageSettings.user_id == user_id,
                sa.or_(
                    MessageSettings.last_digest_on.is_(None),
                    MessageSettings.last_digest_on != due_on,
                ),
            )
            .values(last_digest_on=due_on)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def send_digests(now: datetime | None = None) -> int:
    """Queue every digest that is due now; return how many were sent (empty ones are not)."""
    now = now or datetime.now(UTC)
    at = digest_time()
    staff = db.session.scalars(
        sa.select(User).where(
            User.role.in_((Role.PRACTITIONER.value, Role.ADMIN.value)), User.active.is_(True)
        )
    ).all()
    ensure_settings_rows([person.id for person in staff])
    settings = {
        row.user_id: (row.digest, row.last_digest_on)
        for row in db.session.execute(
            sa.select(
                MessageSettings.user_id, MessageSettings.digest, MessageSettings.last_digest_on
            ).where(MessageSettings.user_id.in_([person.id for person in staff]))
        )
    }
    sent = 0
    for person in staff:
        frequency, last_on = settings.get(person.id, ("daily", None))
        zone = ZoneInfo(person.timezone)
        due_on = digest_due(frequency, last_on, now.astimezone(zone), at)
        if due_on is None or not _claim(person.id, due_on):
            continue
        if last_on is not None:
            since = datetime.combine(last_on, at, tzinfo=zone).astimezone(UTC)
        else:
            since = now - FIRST_DIGEST_LOOKBACK[frequency]
        counts = counts_for(
            None if person.is_admin else person.id, since, now, dead_mail=person.is_admin
        )
        if counts.is_empty():
            continue
        _queue(person, counts, due_on, since)
        sent += 1
    return sent


def _queue(person: User, counts: DigestCounts, day: date, since: datetime) -> None:
    links = {
        "home": absolute_url("admin.index" if person.is_admin else "practice.dashboard"),
        "waiting": absolute_url("messages.covering")
        if person.is_admin
        else absolute_url("practice.dashboard", _anchor="waiting"),
        "outbox": absolute_url("admin.outbox_page") if person.is_admin else None,
        "settings": absolute_url("privacy.account", _anchor="messages-heading"),
    }
    with force_locale(person.locale):
        send_mail(
            person.email,
            _("Your portal digest for %(day)s", day=format_date(day, "d MMMM")),
            render_template(
                "emails/digest.txt",
                recipient=person,
                counts=counts,
                since=since,
                links=links,
                whole_practice=person.is_admin,
                silent_days=SILENT_DAYS,
            ),
            kind="digest",
        )
