"""Booking, moving and cancelling appointments; opening hours; reminders; the calendar feed.

Services flush and never commit: the view commits once. Booking and moving write the new time
inside a savepoint, so when the partial unique index refuses it (another request took the time
between our check and our write) only that write is undone and the caller gets SlotTaken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal import push
from portal.appointments import ics
from portal.appointments.slots import (
    PRACTICE_TIMEZONE,
    Availability,
    Block,
    Rules,
    Slot,
    day_slots,
    free_slots,
)
from portal.extensions import db
from portal.i18n import date_locale
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import (
    APPOINTMENT_KINDS,
    Appointment,
    AvailabilityException,
    CalendarSettings,
    Flag,
    Role,
    User,
    WeeklyHours,
)
from portal.tokens import hash_token, new_token

KIND_LABELS = {
    "practice": _l("At the practice"),
    "video": _l("Video call"),
    "phone": _l("Phone call"),
    "home": _l("Home visit"),
}
# For titles in the practitioner's feed: short, and never more than the kind.
KIND_SHORT = {"practice": "praktijk", "video": "video", "phone": "telefoon", "home": "huisbezoek"}
DEFAULTS = {"buffer_minutes": 0, "notice_hours": 12, "horizon_days": 42, "change_limit_hours": 24}
FEED_PAST_DAYS = 30
# The reminder goes this long before; an appointment booked or moved closer than this gets
# none, and its confirmation says that it is the reminder.
REMINDER_HOURS = 24


class BookingError(ValueError):
    """The time cannot be booked (not offered, past, inside the notice, no practitioner)."""


class SlotTaken(BookingError):
    """Someone else booked the time a moment ago.

    `by_constraint` tells that the database's unique index refused the write (the other
    booking came between our check and our write), not our own check.
    """

    def __init__(self, message: str = "taken", *, by_constraint: bool = False):
        super().__init__(message)
        self.by_constraint = by_constraint


class TooLate(BookingError):
    """Inside the practice's limit for changes: she is asked to call."""


def settings_for(practitioner_id: int) -> CalendarSettings:
    """Return a practitioner's booking rules (the defaults when never set; not added)."""
    settings = db.session.get(CalendarSettings, practitioner_id)
    return settings or CalendarSettings(practitioner_id=practitioner_id, **DEFAULTS)


def stored_settings(practitioner_id: int) -> CalendarSettings:
    """Return the practitioner's settings row, adding it with the defaults when missing."""
    settings = db.session.get(CalendarSettings, practitioner_id)
    if settings is None:
        settings = CalendarSettings(practitioner_id=practitioner_id, **DEFAULTS)
        db.session.add(settings)
    return settings


def weekly_hours(practitioner_id: int) -> list[WeeklyHours]:
    """Return a practitioner's weekly blocks, by weekday and time."""
    return list(db.session.scalars(
        sa.select(WeeklyHours).where(WeeklyHours.practitioner_id == practitioner_id)
        .order_by(WeeklyHours.weekday, WeeklyHours.starts_at)
    ))


def exceptions(practitioner_id: int, from_day: date) -> list[AvailabilityException]:
    """Return a practitioner's exceptions from a day on."""
    return list(db.session.scalars(
        sa.select(AvailabilityException)
        .where(AvailabilityException.practitioner_id == practitioner_id,
               AvailabilityException.day >= from_day)
        .order_by(AvailabilityException.day, AvailabilityException.starts_at)
    ))


def availability(practitioner_id: int, from_day: date) -> Availability:
    """Build the pure availability of a practitioner from the stored hours and exceptions."""
    weekly: dict[int, list[Block]] = {}
    for row in weekly_hours(practitioner_id):
        weekly.setdefault(row.weekday, []).append(
            Block(row.starts_at, row.ends_at, row.length_minutes, row.kind))
    days_off, hours_off, extra = set(), [], {}
    for row in exceptions(practitioner_id, from_day):
        if row.exception == "extra":
            extra.setdefault(row.day, []).append(
                Block(row.starts_at, row.ends_at, row.length_minutes, row.kind))
        elif row.starts_at is None:
            days_off.add(row.day)
        else:
            hours_off.append((row.day, row.starts_at, row.ends_at))
    return Availability(weekly, frozenset(days_off), tuple(hours_off), extra)


def _rules(settings: CalendarSettings, *, by_practice: bool = False) -> Rules:
    # The practice books for her by phone: no notice, but never in the past.
    return Rules(buffer_minutes=settings.buffer_minutes,
                 notice_hours=0 if by_practice else settings.notice_hours,
                 horizon_days=settings.horizon_days)


def _busy(practitioner_id: int, start: datetime, end: datetime,
          except_id: int | None = None) -> list[tuple[datetime, datetime]]:
    query = sa.select(Appointment.starts_at, Appointment.ends_at).where(
        Appointment.practitioner_id == practitioner_id,
        Appointment.cancelled_at.is_(None),
        Appointment.ends_at > start,
        Appointment.starts_at < end,
    )
    if except_id is not None:
        query = query.where(Appointment.id != except_id)
    return [tuple(row) for row in db.session.execute(query)]


def open_slots(practitioner_id: int, *, kind: str | None = None, now: datetime | None = None,
               by_practice: bool = False, moving: Appointment | None = None) -> list[Slot]:
    """Return the times a practitioner can still be booked for (of one kind, if given)."""
    now = now or datetime.now(UTC)
    settings = settings_for(practitioner_id)
    rules = _rules(settings, by_practice=by_practice)
    today = now.astimezone(ZoneInfo(PRACTICE_TIMEZONE)).date()
    busy = _busy(practitioner_id, now - timedelta(days=1),
                 now + timedelta(days=rules.horizon_days + 2),
                 except_id=moving.id if moving else None)
    return free_slots(availability(practitioner_id, today), rules, busy, now, kind=kind)


def offered_kinds(practitioner_id: int) -> list[str]:
    """Return the kinds of appointment a practitioner offers, in the fixed order."""
    kinds = set(db.session.scalars(
        sa.select(WeeklyHours.kind).where(WeeklyHours.practitioner_id == practitioner_id)))
    kinds |= set(db.session.scalars(
        sa.select(AvailabilityException.kind).where(
            AvailabilityException.practitioner_id == practitioner_id,
            AvailabilityException.exception == "extra")))
    return [kind for kind in APPOINTMENT_KINDS if kind in kinds]


def practitioner_of(client: User) -> User | None:
    """Return the client's active practitioner, the one she books with."""
    profile = client.profile
    if profile is None or profile.practitioner_id is None:
        return None
    practitioner = db.session.get(User, profile.practitioner_id)
    return practitioner if practitioner is not None and practitioner.active else None


def _find_slot(practitioner_id: int, kind: str, starts_at: datetime, **options) -> Slot:
    for slot in open_slots(practitioner_id, kind=kind, **options):
        if slot.starts_at == starts_at:
            return slot
    raise BookingError("not offered")


def book(client: User, kind: str, starts_at: datetime, *, booked_by: User,
         now: datetime | None = None) -> Appointment:
    """Book a time for her with her practitioner; raise SlotTaken when another booking won."""
    practitioner = practitioner_of(client)
    if practitioner is None or kind not in APPOINTMENT_KINDS:
        raise BookingError("no practitioner")
    by_practice = booked_by.id != client.id
    try:
        slot = _find_slot(practitioner.id, kind, starts_at, now=now, by_practice=by_practice)
    except BookingError:
        if _taken(practitioner.id, starts_at, kind):
            raise SlotTaken("taken") from None
        raise
    appointment = Appointment(client_id=client.id, practitioner_id=practitioner.id, kind=kind,
                              starts_at=slot.starts_at, ends_at=slot.ends_at,
                              booked_by_id=booked_by.id)
    appointment.client = client
    appointment.practitioner = practitioner
    _write(appointment)
    _send_invitation(appointment, "booked")
    return appointment


def slot_state(practitioner_id: int, kind: str, starts_at: datetime, *,
               moving: Appointment | None = None) -> str:
    """Tell whether a time is "free" to book, just "taken" by someone, or "not offered"."""
    if any(slot.starts_at == starts_at
           for slot in open_slots(practitioner_id, kind=kind, moving=moving)):
        return "free"
    return "taken" if _taken(practitioner_id, starts_at, kind) else "not offered"


def _taken(practitioner_id: int, starts_at: datetime, kind: str | None = None) -> bool:
    """Tell whether a live appointment holds this start, or overlaps the slot offered there."""
    end = None
    if kind is not None:
        # The slot as the hours lay it out, bookings left aside: its end tells the overlap.
        day = local_date(starts_at)
        buffer = settings_for(practitioner_id).buffer_minutes
        for block in availability(practitioner_id, day).blocks_on(day):
            if block.kind == kind:
                for slot in day_slots(day, block, buffer):
                    if slot.starts_at == starts_at:
                        end = max(end or slot.ends_at, slot.ends_at)
    clash = (Appointment.starts_at == starts_at if end is None else
             sa.and_(Appointment.starts_at < end, Appointment.ends_at > starts_at))
    return db.session.scalar(sa.select(sa.func.count()).where(
        Appointment.practitioner_id == practitioner_id, Appointment.cancelled_at.is_(None),
        clash)) > 0


def _write(appointment: Appointment) -> None:
    """Flush the appointment in a savepoint: the unique index has the last word."""
    try:
        with db.session.begin_nested():
            db.session.add(appointment)
    except IntegrityError:
        raise SlotTaken(by_constraint=True) from None


def may_change(appointment: Appointment, now: datetime | None = None) -> bool:
    """Tell whether she may still move or cancel it herself (before the practice's limit)."""
    now = now or datetime.now(UTC)
    limit = timedelta(hours=settings_for(appointment.practitioner_id).change_limit_hours)
    return appointment.cancelled_at is None and now <= appointment.starts_at - limit


def move(appointment: Appointment, starts_at: datetime, *, by: User,
         now: datetime | None = None) -> Appointment:
    """Move it to another free time of the same kind; same UID, a higher SEQUENCE."""
    by_practice = by.id != appointment.client_id
    if appointment.cancelled_at is not None:
        raise BookingError("cancelled")
    if not by_practice and not may_change(appointment, now):
        raise TooLate("too late")
    slot = _find_slot(appointment.practitioner_id, appointment.kind, starts_at, now=now,
                      by_practice=by_practice, moving=appointment)
    db.session.flush()  # begin_nested would flush pending changes outside the savepoint
    try:
        with db.session.begin_nested():
            appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
            appointment.sequence += 1
            appointment.updated_at = now or datetime.now(UTC)
            appointment.reminded_at = None
    except IntegrityError:
        db.session.refresh(appointment)
        raise SlotTaken(by_constraint=True) from None
    _send_invitation(appointment, "moved")
    return appointment


def cancel(appointment: Appointment, *, by: User, now: datetime | None = None) -> None:
    """Cancel it: its time is free again, and her calendar gets METHOD:CANCEL."""
    if appointment.cancelled_at is not None:
        return
    if by.id == appointment.client_id and not may_change(appointment, now):
        raise TooLate("too late")
    appointment.cancelled_at = now or datetime.now(UTC)
    appointment.updated_at = appointment.cancelled_at
    appointment.sequence += 1
    db.session.flush()
    _send_invitation(appointment, "cancelled")


def cancel_before_erasure(client: User, now: datetime | None = None) -> int:
    """Cancel her coming appointments before her account is erased; tell each practitioner.

    The notice goes through the outbox in the practitioner's language and names her by
    initials only, with the time and kind: no health data, nothing that outlives the erasure
    as a trace of her. Her own calendar gets nothing: the erasure confirmation is the one
    message she still receives. Returns how many were cancelled.
    """
    now = now or datetime.now(UTC)
    coming = list(db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.client_id == client.id, Appointment.cancelled_at.is_(None),
               Appointment.starts_at > now)
        .order_by(Appointment.starts_at)
    ))
    for appointment in coming:
        appointment.cancelled_at = now
        appointment.updated_at = now
        appointment.sequence += 1
        practitioner = appointment.practitioner
        with force_locale(practitioner.locale):
            when = when_text(appointment.starts_at, practitioner.locale)
            subject = _("Appointment cancelled: %(initials)s, %(when)s",
                        initials=client.initials, when=when)
            body = render_template(
                "emails/appointment_cancelled_erasure.txt", practitioner=practitioner,
                initials=client.initials, when=when, kind=kind_label(appointment.kind),
                link=absolute_url("appointments.calendar"))
        send_mail(practitioner.email, subject, body, kind="appointment_cancelled_erasure")
    db.session.flush()
    return len(coming)


def upcoming_for_client(client_id: int, now: datetime | None = None) -> list[Appointment]:
    """Return her live appointments that have not ended, soonest first."""
    now = now or datetime.now(UTC)
    return list(db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.client_id == client_id, Appointment.cancelled_at.is_(None),
               Appointment.ends_at > now)
        .order_by(Appointment.starts_at)
    ))


def own_appointment(client_id: int, appointment_id: int) -> Appointment | None:
    """Return one of her appointments by id, or None when it is not hers."""
    return db.session.scalar(sa.select(Appointment).where(
        Appointment.id == appointment_id, Appointment.client_id == client_id))


def when_text(moment: datetime, locale: str, style: str = "EEEE d MMMM y, HH:mm") -> str:
    """Write a moment in the practice's time and a reader's language."""
    return babel_format_datetime(moment, style, tzinfo=ZoneInfo(PRACTICE_TIMEZONE),
                                 locale=date_locale(locale))


def kind_label(kind: str) -> str:
    """Return the readable name of a kind of appointment."""
    return str(KIND_LABELS.get(kind, kind))


def _send_invitation(appointment: Appointment, event: str) -> None:
    """Write her e-mail with the .ics attachment to the outbox, in her language."""
    client, practitioner = appointment.client, appointment.practitioner
    config = current_app.config
    with force_locale(client.locale):
        when = when_text(appointment.starts_at, client.locale)
        subjects = {
            "booked": _("Your appointment on %(when)s", when=when),
            "moved": _("Your appointment has moved to %(when)s", when=when),
            "cancelled": _("Your appointment on %(when)s is cancelled", when=when),
            "reminder": _("Reminder: your appointment tomorrow, %(when)s", when=when),
        }
        summary = _("Appointment with %(name)s (%(kind)s)", name=practitioner.full_name,
                    kind=kind_label(appointment.kind))
        body = render_template(
            "emails/appointment.txt", client=client, practitioner=practitioner,
            appointment=appointment, event=event, when=when, kind=kind_label(appointment.kind),
            link=absolute_url("appointments.index"),
            change_limit_hours=settings_for(appointment.practitioner_id).change_limit_hours,
            is_the_reminder=event in ("booked", "moved") and _within_reminder(appointment),
        )
        calendar = ics.invitation(
            appointment,
            summary=summary,
            description=_("Your appointment with %(practice)s. To change it, open the portal: "
                          "%(link)s", practice=config["PRACTICE_NAME"],
                          link=absolute_url("appointments.index")),
            organizer_email=config["PRACTICE_EMAIL"],
            organizer_name=config["PRACTICE_NAME"],
            attendee_email=client.email,
            location=config["PRACTICE_NAME"] if appointment.kind == "practice" else None,
        )
    method = "CANCEL" if appointment.cancelled_at is not None else "REQUEST"
    send_mail(client.email, subjects[event], body, kind=f"appointment_{event}",
              attachment=("appointment.ics", f"text/calendar; method={method}", calendar))


def _within_reminder(appointment: Appointment) -> bool:
    """Tell whether it was booked or last moved less than a day ahead: no reminder follows."""
    return appointment.updated_at > appointment.starts_at - timedelta(hours=REMINDER_HOURS)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind her of an appointment in the next 24 hours, once, by e-mail and push; return how many.

    An appointment booked or moved less than a day ahead gets none: its confirmation just
    came and said that it is the reminder.
    """
    now = now or datetime.now(UTC)
    due = list(db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.cancelled_at.is_(None), Appointment.reminded_at.is_(None),
               Appointment.starts_at > now,
               Appointment.starts_at <= now + timedelta(hours=REMINDER_HOURS))
        .order_by(Appointment.id)
    ))
    sent = 0
    for appointment in due:
        claimed = db.session.execute(
            sa.update(Appointment)
            .where(Appointment.id == appointment.id, Appointment.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue  # another worker took it
        if _within_reminder(appointment):
            continue
        _send_invitation(appointment, "reminder")
        _push_reminder(appointment)
        sent += 1
    return sent


def _push_reminder(appointment: Appointment) -> None:
    """Remind her on the phones she turned notifications on for: when, and nothing more."""
    client = appointment.client
    with force_locale(client.locale):
        title = _("Reminder: your appointment on %(when)s",
                  when=when_text(appointment.starts_at, client.locale, "EEEE d MMMM, HH:mm"))
    link = urlsplit(absolute_url("appointments.index")).path
    push.queue_push(client, title, link, kind="appointment_reminder")


# --- the practitioner's calendar ------------------------------------------------------------

@dataclass(frozen=True)
class CalendarEntry:
    """One appointment on the practitioner's day or week, with her open flags (level, rule)."""

    appointment: Appointment
    client: User
    flags: tuple[tuple[str, str], ...]


LEVEL_ORDER = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


def calendar_entries(practitioner_id: int | None, start: datetime,
                     end: datetime) -> list[CalendarEntry]:
    """Return the live appointments between two moments (a practitioner's, or all for None).

    Two queries whatever the number of appointments: the appointments with their clients, and
    the open flags of those clients.
    """
    query = (
        sa.select(Appointment, User)
        .join(User, User.id == Appointment.client_id)
        .where(Appointment.cancelled_at.is_(None), Appointment.starts_at >= start,
               Appointment.starts_at < end)
        .order_by(Appointment.starts_at)
    )
    if practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == practitioner_id)
    rows = db.session.execute(query).all()
    client_ids = {client.id for _appointment, client in rows}
    flags: dict[int, list[tuple[str, str]]] = {}
    if client_ids:
        for client_id, level, rule in db.session.execute(
            sa.select(Flag.client_id, Flag.level, Flag.rule)
            .where(Flag.client_id.in_(client_ids), Flag.acknowledged_at.is_(None),
                   Flag.cleared_at.is_(None))
        ):
            flags.setdefault(client_id, []).append((level, rule))
    return [
        CalendarEntry(appointment, client, tuple(sorted(
            flags.get(client.id, []), key=lambda flag: (LEVEL_ORDER.get(flag[0], 9), flag[1]))))
        for appointment, client in rows
    ]


def local_day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    """Return the UTC moments that begin and end local days (23 or 25 hours on DST Sundays)."""
    zone = ZoneInfo(PRACTICE_TIMEZONE)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def feed_title(appointment: Appointment) -> str:
    """Return a feed event's title: her initials and the kind, nothing more."""
    return f"{appointment.client.initials} · {KIND_SHORT.get(appointment.kind, 'afspraak')}"


def renew_feed(practitioner_id: int) -> str:
    """Give the practitioner a new feed address (the old one stops); return its secret."""
    token, token_hash = new_token()
    settings = stored_settings(practitioner_id)
    settings.feed_token_hash = token_hash
    settings.feed_created_at = datetime.now(UTC)
    db.session.flush()
    return token


def revoke_feed(practitioner_id: int) -> None:
    """Stop the practitioner's feed."""
    settings = db.session.get(CalendarSettings, practitioner_id)
    if settings is not None:
        settings.feed_token_hash = None
        settings.feed_created_at = None


def feed_for_token(token: str, now: datetime | None = None) -> str | None:
    """Return the feed a secret opens, or None (revoked, renewed, unknown, inactive)."""
    now = now or datetime.now(UTC)
    settings = db.session.scalar(
        sa.select(CalendarSettings).where(CalendarSettings.feed_token_hash == hash_token(token)))
    if settings is None:
        return None
    practitioner = db.session.get(User, settings.practitioner_id)
    if practitioner is None or not practitioner.active or practitioner.role != Role.PRACTITIONER:
        return None
    appointments = list(db.session.scalars(
        sa.select(Appointment)
        .options(sa.orm.joinedload(Appointment.client))
        .where(Appointment.practitioner_id == practitioner.id,
               Appointment.cancelled_at.is_(None),
               Appointment.starts_at >= now - timedelta(days=FEED_PAST_DAYS))
        .order_by(Appointment.starts_at)
    ))
    return ics.feed(appointments, feed_title, name=current_app.config["PRACTICE_NAME"], now=now)


def local_date(moment: datetime) -> date:
    """Return the practice's calendar date of a moment."""
    return moment.astimezone(ZoneInfo(PRACTICE_TIMEZONE)).date()


def practitioner_names() -> dict[int, str]:
    """Return every active practitioner's name by id (for the admin's choice of calendar)."""
    return dict(db.session.execute(
        sa.select(User.id, User.full_name)
        .where(User.role == Role.PRACTITIONER.value, User.active.is_(True))
        .order_by(User.full_name)
    ).all())


def _clashes(blocks: list[tuple[time, time]], starts_at: time, ends_at: time) -> bool:
    return any(starts_at < other_end and other_start < ends_at
               for other_start, other_end in blocks)


def add_weekly_hours(practitioner_id: int, weekday: int, starts_at: time, ends_at: time,
                     length_minutes: int, kind: str) -> str | None:
    """Add a weekly block; return a message instead when it overlaps another block that day.

    Blocks of one day never overlap, so two kinds can never offer the same minute twice.
    """
    same_day = [(row.starts_at, row.ends_at) for row in weekly_hours(practitioner_id)
                if row.weekday == weekday]
    whole_days_off = _whole_days_off(practitioner_id)
    same_day += [(row.starts_at, row.ends_at)
                 for row in exceptions(practitioner_id, local_date(datetime.now(UTC)))
                 if row.exception == "extra" and row.day.weekday() == weekday
                 and row.day not in whole_days_off]
    if _clashes(same_day, starts_at, ends_at):
        return _("These hours overlap hours you already have on that day.")
    db.session.add(WeeklyHours(practitioner_id=practitioner_id, weekday=weekday,
                               starts_at=starts_at, ends_at=ends_at,
                               length_minutes=length_minutes, kind=kind))
    db.session.flush()
    return None


def add_exception(practitioner_id: int, day: date, exception: str, starts_at: time | None,
                  ends_at: time | None, length_minutes: int | None, kind: str,
                  note: str | None) -> str | None:
    """Add a day off, part of a day off, or extra hours; return a message instead on overlap.

    Extra hours may not overlap that day's weekly hours (unless the whole day is off) nor
    other extra hours: two blocks would offer overlapping times with different starts
    (09:00 and 09:15), which the database would refuse only at the second booking.
    """
    extra = exception == "extra"
    if extra:
        same_day = [(row.starts_at, row.ends_at)
                    for row in exceptions(practitioner_id, day)
                    if row.day == day and row.exception == "extra"]
        if day not in _whole_days_off(practitioner_id):
            same_day += [(row.starts_at, row.ends_at) for row in weekly_hours(practitioner_id)
                         if row.weekday == day.weekday()]
        if _clashes(same_day, starts_at, ends_at):
            return _("These hours overlap hours you already have on that day.")
    row = AvailabilityException(
        practitioner_id=practitioner_id, day=day, exception=exception,
        starts_at=starts_at, ends_at=ends_at,
        length_minutes=length_minutes if extra else None, kind=kind if extra else None,
        note=note)
    db.session.add(row)
    db.session.flush()
    return None


def _whole_days_off(practitioner_id: int) -> set[date]:
    return set(db.session.scalars(sa.select(AvailabilityException.day).where(
        AvailabilityException.practitioner_id == practitioner_id,
        AvailabilityException.exception == "off", AvailabilityException.starts_at.is_(None))))


@dataclass(frozen=True)
class PractitionerHours:
    """One practitioner's hours, rules and coming exceptions, for the admin."""

    practitioner: User
    settings: CalendarSettings
    hours: list[WeeklyHours]
    exceptions: list[AvailabilityException]


def hours_overview(today: date) -> list[PractitionerHours]:
    """Return every active practitioner's hours in three queries (plus one for the rules)."""
    practitioners = list(db.session.scalars(
        sa.select(User).where(User.role == Role.PRACTITIONER.value, User.active.is_(True))
        .order_by(User.full_name)))
    ids = [p.id for p in practitioners]
    hours: dict[int, list[WeeklyHours]] = {}
    for row in db.session.scalars(
        sa.select(WeeklyHours).where(WeeklyHours.practitioner_id.in_(ids))
        .order_by(WeeklyHours.weekday, WeeklyHours.starts_at)
    ):
        hours.setdefault(row.practitioner_id, []).append(row)
    exceptions_by: dict[int, list[AvailabilityException]] = {}
    for row in db.session.scalars(
        sa.select(AvailabilityException)
        .where(AvailabilityException.practitioner_id.in_(ids),
               AvailabilityException.day >= today)
        .order_by(AvailabilityException.day)
    ):
        exceptions_by.setdefault(row.practitioner_id, []).append(row)
    settings = {row.practitioner_id: row for row in db.session.scalars(
        sa.select(CalendarSettings).where(CalendarSettings.practitioner_id.in_(ids)))}
    return [
        PractitionerHours(p, settings.get(p.id) or CalendarSettings(practitioner_id=p.id,
                                                                     **DEFAULTS),
                          hours.get(p.id, []), exceptions_by.get(p.id, []))
        for p in practitioners
    ]
