"""Check-in work: the upsert of a day, the streak, history and reminders."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import audit, flag_service, push
from portal.dates import local_today
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import CheckIn, CheckInRevision, ClientProfile, Role, User
from portal.models.base import UTCDateTime
from portal.reports import insight_cache

CHECKIN_FIELDS = (
    "mood",
    "tension",
    "energy",
    "bonding",
    "sleep_hours",
    "night_wakings",
    "sleep_quality",
    "skin_to_skin_minutes",
    "activities",
    "note",
)


class CollectionPaused(Exception):
    """The client withdrew consent: no new health data is stored until she gives it again."""


def save_checkin(
    client: User,
    day: date,
    values: dict,
    entered_by: User | None = None,
    *,
    keep_unanswered: bool = False,
    submission_id: uuid.UUID | None = None,
) -> int:
    """Store a day's check-in, replacing that day's earlier answers; return the row's id.

    An INSERT ... ON CONFLICT DO UPDATE on (client_id, day): two saves of the same day at the
    same moment can never create two rows, on SQLite and PostgreSQL alike. With
    keep_unanswered (a practitioner's phone consult), fields left empty keep what she logged.
    """
    if client.profile is not None and client.profile.collection_paused:
        raise CollectionPaused
    now = datetime.now(UTC)
    row = {field: values.get(field) for field in CHECKIN_FIELDS}
    # On a conflict these columns take the new values; the others keep what the row holds.
    # Deciding it inside the one statement keeps it atomic even against a concurrent save.
    updated = tuple(
        field for field in CHECKIN_FIELDS if not keep_unanswered or row[field] not in (None, "", [])
    )
    row["activities"] = list(row["activities"] or [])
    if entered_by is not None:
        _keep_replaced_values(client.id, day, entered_by, now)
    row.update(
        client_id=client.id,
        day=day,
        entered_by_id=entered_by.id if entered_by else None,
        submission_id=submission_id,
        created_at=now,
        updated_at=now,
    )
    # Her own save is three writes: the day, forgetting her kept insight section (what seems to
    # help her may have changed) and the access-log entry. On PostgreSQL the upsert carries the
    # other two as data-modifying CTEs, one round trip instead of three on the busiest write;
    # SQLite has no such CTEs and runs them one after the other.
    together = db.engine.dialect.name == "postgresql" and entered_by is None
    if together:
        row["forget_client_id"] = client.id
        row.update(audit.entry_params("checkin_saved", client=client, detail=day.isoformat()))
    statement = _upsert_statement(db.engine.dialect.name, updated, together)
    checkin_id = db.session.execute(statement, row).scalar_one()
    # The statement went past the ORM: a copy of this day already loaded must not stay stale.
    loaded = db.session.identity_map.get(db.session.identity_key(CheckIn, checkin_id))
    if loaded is not None:
        db.session.expire(loaded)
    if not together:
        insight_cache.forget(client.id)
        if entered_by is None:
            audit.record("checkin_saved", client=client, detail=day.isoformat())
        else:
            audit.record(
                "checkin_entered_for_client",
                client=client,
                actor=entered_by,
                on_behalf_of=client,
                detail=f"day {day.isoformat()}",
            )
    flag_service.evaluate_and_notify(client, entered_by)
    return checkin_id


REVISION_FIELDS = (*CHECKIN_FIELDS, "entered_by_id")


def _keep_replaced_values(client_id: int, day: date, practitioner: User, now: datetime) -> None:
    """Copy a day's values into its revision history before a consult entry replaces them.

    One INSERT ... SELECT, so what is kept is what the row holds at that moment. On PostgreSQL
    the row is locked first, so her own save cannot slip in between the copy and the upsert;
    on SQLite the copy's write takes the single write lock, with the same effect.
    """
    table = CheckIn.__table__
    this_day = sa.and_(table.c.client_id == client_id, table.c.day == day)
    db.session.execute(sa.select(table.c.id).where(this_day).with_for_update())
    db.session.execute(
        sa.insert(CheckInRevision.__table__).from_select(
            [*REVISION_FIELDS, "checkin_id", "replaced_by_id", "replaced_at"],
            sa.select(
                *(table.c[field] for field in REVISION_FIELDS),
                table.c.id,
                sa.literal(practitioner.id, sa.Integer),
                sa.literal(now, UTCDateTime()),
            ).where(this_day),
        )
    )


@cache
def _upsert_statement(dialect: str, updated: tuple[str, ...], together: bool = False):
    """Build the day's upsert once per dialect and set of updated columns.

    Built statements are immutable and reused with new parameters: constructing one costs more
    than running it, and every check-in save runs it. It is a Core statement on the table: the
    ORM's bulk-insert path around it costs as much again.
    """
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = CheckIn.__table__
    statement = insert(table)
    if together:  # PostgreSQL: see save_checkin
        statement = statement.add_cte(insight_cache.forget_statement()).add_cte(audit.entry_cte())
    return statement.on_conflict_do_update(
        index_elements=[table.c.client_id, table.c.day],
        set_={
            field: statement.excluded[field]
            for field in (*updated, "entered_by_id", "submission_id", "updated_at")
        },
    ).returning(table.c.id)


def checkin_for_day(client: User, day: date) -> CheckIn | None:
    """Return the client's check-in for a day, if any."""
    return db.session.scalar(
        sa.select(CheckIn).where(CheckIn.client_id == client.id, CheckIn.day == day)
    )


class DayVersion(NamedTuple):
    """Just enough of a saved day to tell whether a save would replace newer answers."""

    id: int
    updated_at: datetime
    submission_id: uuid.UUID | None


_DAY_VERSION = sa.select(CheckIn.id, CheckIn.updated_at, CheckIn.submission_id).where(
    CheckIn.client_id == sa.bindparam("client_id"), CheckIn.day == sa.bindparam("day")
)


def day_version(client: User, day: date) -> DayVersion | None:
    """Return the version of a saved day, if any: three columns, not the whole row.

    Every save asks it first, so it stays a plain row: loading the day as an object, which
    only a conflict needs to show, cost as much as the save's own statement.
    """
    row = db.session.execute(_DAY_VERSION, {"client_id": client.id, "day": day}).first()
    return DayVersion(*row) if row is not None else None


def version_of(checkin: CheckIn | DayVersion | None) -> str:
    """Return the version of a day's answers a form was drawn from ("" when there were none).

    Her phone keeps it with an offline draft; when the draft is sent, a different version on
    the server means the day was answered elsewhere in between.
    """
    if checkin is None:
        return ""
    return f"{checkin.id}-{checkin.updated_at.timestamp():.6f}"


def is_conflict(
    existing: CheckIn | DayVersion | None, base: str | None, submission_id: uuid.UUID | None
) -> bool:
    """Return whether saving would silently replace newer answers than the form was drawn from.

    Pure. No base (a form that does not say) never conflicts; neither does the same submission
    arriving again (her phone resending a draft the server already has), nor a day still empty.
    """
    if base is None or existing is None:
        return False
    if submission_id is not None and existing.submission_id == submission_id:
        return False
    return version_of(existing) != base


# A mood at or below this gets a gentle word and the help link on the saved page.
HARD_DAY_MOOD = 2


def was_a_hard_day(checkin: CheckIn | None) -> bool:
    """Return whether a saved day's mood was low enough to offer a gentle word and help."""
    return checkin is not None and checkin.mood is not None and checkin.mood <= HARD_DAY_MOOD


def checkins_between(client: User, start: date, end: date) -> list[CheckIn]:
    """Return the client's check-ins from start to end inclusive, oldest first."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.client_id == client.id, CheckIn.day >= start, CheckIn.day <= end)
            .order_by(CheckIn.day)
        )
    )


def streak(days: set[date], today: date) -> int:
    """Count consecutive logged days up to today (or up to yesterday if today is still open)."""
    current = today if today in days else today - timedelta(days=1)
    count = 0
    while current in days:
        count += 1
        current -= timedelta(days=1)
    return count


def current_streak(client: User, today: date) -> int:
    """Return the client's streak of consecutive logged days."""
    days = set(
        db.session.scalars(
            sa.select(CheckIn.day).where(
                CheckIn.client_id == client.id, CheckIn.day > today - timedelta(days=400)
            )
        )
    )
    return streak(days, today)


@dataclass(frozen=True)
class ReminderCandidate:
    client_id: int
    local_date: date


def reminder_due(
    *,
    enabled: bool,
    at,
    timezone: str,
    last_sent_on: date | None,
    checked_in_today: bool,
    now: datetime,
) -> date | None:
    """Return the local date a reminder is due for, or None (pure: at most one a day)."""
    if not enabled or at is None or checked_in_today:
        return None
    local_now = now.astimezone(ZoneInfo(timezone))
    if local_now.time() < at or last_sent_on == local_now.date():
        return None
    return local_now.date()


def send_reminders(now: datetime | None = None) -> int:
    """Send the daily check-in reminders that are due; return how many were sent."""
    now = now or datetime.now(UTC)
    clients = db.session.scalars(
        sa.select(User)
        .join(ClientProfile, ClientProfile.user_id == User.id)
        .where(
            User.role == Role.CLIENT.value,
            User.active.is_(True),
            ClientProfile.reminder_enabled.is_(True),
            ClientProfile.collection_paused.is_(False),
        )
    ).all()
    sent = 0
    link = absolute_url("checkins.today")
    for client in clients:
        today = local_today(client.timezone, now)
        due_on = reminder_due(
            enabled=True,
            at=client.profile.reminder_time,
            timezone=client.timezone,
            last_sent_on=client.profile.last_reminder_on,
            checked_in_today=checkin_for_day(client, today) is not None,
            now=now,
        )
        if due_on is None:
            continue
        with force_locale(client.locale):
            if client.profile.reminder_email:
                send_mail(
                    client.email,
                    _("How are you today?"),
                    render_template("emails/reminder.txt", client=client, link=link),
                    kind="reminder",
                )
            # On the phones she turned it on for; the words hold nothing about her health.
            push.queue_push(client, _("Time for your check-in"), urlsplit(link).path)
        client.profile.last_reminder_on = due_on
        sent += 1
    return sent
