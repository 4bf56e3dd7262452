"""Booking, moving and cancelling appointments: her pages, the e-mails with .ics, the rules."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal.appointments import services
from portal.extensions import db
from portal.models import (
    Appointment,
    AuditEvent,
    CalendarSettings,
    Flag,
    PushMessage,
    PushSubscription,
    WeeklyHours,
)
from tests.conftest import post_form

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def open_every_day(practitioner, kind="video", start=time(9), end=time(17), length=60):
    for weekday in range(7):
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                   starts_at=start, ends_at=end, length_minutes=length,
                                   kind=kind))
    db.session.commit()


@pytest.fixture
def login_as(login_as):
    """Sign in as in conftest, reading the pages in English (the tests quote English)."""

    def _login_as(role="client", user=None, **kwargs):
        browser, person = login_as(role, user=user, **kwargs)
        person.locale = "en"
        db.session.commit()
        return browser, person

    return _login_as


@pytest.fixture
def practice(make):
    practitioner = make.practitioner(name="Anna de Vries")
    open_every_day(practitioner)
    return practitioner


def ics_of(message) -> Calendar:
    assert message.attachment_name == "appointment.ics"
    return Calendar.from_ical(message.attachment_body)


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def first_slot(practitioner, kind="video", after_days=2):
    slots = services.open_slots(practitioner.id, kind=kind)
    later = datetime.now(UTC) + timedelta(days=after_days)
    return next(slot for slot in slots if slot.starts_at > later)


def test_she_books_moves_and_cancels_and_her_calendar_follows_one_uid(
        login_as, practice, outbox):
    browser, client = login_as("client", practitioner=practice, name="Sophie de Groot")
    slot = first_slot(practice)
    page = browser.get("/me/appointments/book/video/confirm",
                       query_string={"start": slot.starts_at.isoformat()})
    assert page.status_code == 200
    assert "Book this time" in page.get_data(as_text=True)
    response = post_form(browser, "/me/appointments/book/video/confirm",
                         {"start": slot.starts_at.isoformat()})
    assert response.status_code == 303
    [appointment] = db.session.scalars(sa.select(Appointment)).all()
    assert appointment.starts_at == slot.starts_at
    home = browser.get("/me/").get_data(as_text=True)
    assert "Your next appointment" in home
    booked = ics_of(outbox[-1])
    assert booked["METHOD"] == "REQUEST"
    assert event_of(booked)["SEQUENCE"] == 0

    new_slot = first_slot(practice, after_days=4)
    response = post_form(browser, f"/me/appointments/{appointment.id}/move/confirm",
                         {"start": new_slot.starts_at.isoformat()})
    assert response.status_code == 303
    moved = ics_of(outbox[-1])
    assert moved["METHOD"] == "REQUEST"
    assert event_of(moved)["SEQUENCE"] == 1
    assert event_of(moved).decoded("DTSTART") == new_slot.starts_at

    response = post_form(browser, f"/me/appointments/{appointment.id}/cancel")
    assert response.status_code == 303
    cancelled = ics_of(outbox[-1])
    assert cancelled["METHOD"] == "CANCEL"
    assert event_of(cancelled)["STATUS"] == "CANCELLED"
    assert event_of(cancelled)["SEQUENCE"] == 2
    uids = {str(event_of(c)["UID"]) for c in (booked, moved, cancelled)}
    assert uids == {appointment.uid}
    assert [m.kind for m in outbox] == ["appointment_booked", "appointment_moved",
                                        "appointment_cancelled"]
    assert all(m.recipient == client.email for m in outbox)
    # The cancelled time is free again.
    assert new_slot.starts_at in {s.starts_at for s in services.open_slots(practice.id)}


def test_the_loser_of_a_taken_slot_is_told_and_nothing_changes(login_as, make, practice):
    rival = make.client(practitioner=practice)
    browser, client = login_as("client", practitioner=practice)
    slot = first_slot(practice)
    services.book(rival, "video", slot.starts_at, booked_by=rival)
    db.session.commit()
    response = post_form(browser, "/me/appointments/book/video/confirm",
                         {"start": slot.starts_at.isoformat()})
    assert response.status_code == 409
    assert "This time was just taken" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 1


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-12-08T09:00", "9" * 60,
                                   "0001-01-01T00:00+00:00"])
def test_bad_input_gets_422_with_the_fields_message(login_as, practice, start):
    browser, _client = login_as("client", practitioner=practice)
    response = post_form(browser, "/me/appointments/book/video/confirm", {"start": start})
    assert response.status_code == 422
    assert "Choose one of the offered times." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0


def test_no_booking_in_the_past_inside_the_notice_or_outside_the_hours(login_as, practice):
    browser, _client = login_as("client", practitioner=practice)
    now = datetime.now(UTC)
    local_nine = datetime.combine(now.astimezone(AMSTERDAM).date() + timedelta(days=1),
                                  time(9), tzinfo=AMSTERDAM)
    refused = [
        now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=3),  # the past
        now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2),  # notice
        local_nine.replace(hour=20),  # after hours
        local_nine + timedelta(days=60),  # past the horizon
        local_nine + timedelta(minutes=10),  # not on the grid
    ]
    for start in refused:
        response = post_form(browser, "/me/appointments/book/video/confirm",
                             {"start": start.isoformat()})
        assert response.status_code == 422, start
        assert "can no longer be booked" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0


def test_inside_the_change_limit_she_is_asked_to_call(login_as, practice):
    browser, client = login_as("client", practitioner=practice)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=20)
    appointment = Appointment(client_id=client.id, practitioner_id=practice.id, kind="video",
                              starts_at=start, ends_at=start + timedelta(hours=1))
    db.session.add(appointment)
    db.session.commit()
    home = browser.get("/me/").get_data(as_text=True)
    assert 'href="tel:' in home and "please call us" in home
    for url in (f"/me/appointments/{appointment.id}/move",
                f"/me/appointments/{appointment.id}/cancel"):
        page = browser.get(url)
        assert page.status_code == 409
        assert 'href="tel:' in page.get_data(as_text=True)
    response = post_form(browser, f"/me/appointments/{appointment.id}/cancel")
    assert response.status_code == 409
    db.session.refresh(appointment)
    assert appointment.cancelled_at is None


def test_she_cannot_see_or_change_anothers_appointment(login_as, make, practice):
    other = make.client(practitioner=practice)
    slot = first_slot(practice)
    appointment = services.book(other, "video", slot.starts_at, booked_by=other)
    db.session.commit()
    browser, _client = login_as("client", practitioner=practice)
    assert browser.get(f"/me/appointments/{appointment.id}/move").status_code == 404
    assert post_form(browser, f"/me/appointments/{appointment.id}/cancel").status_code == 404
    db.session.refresh(appointment)
    assert appointment.cancelled_at is None


def test_the_practitioner_books_for_her_from_the_client_page(login_as, make, practice, outbox):
    client = make.client(practitioner=practice)
    browser, _me = login_as("practitioner", user=practice)
    page = browser.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    assert "Book an appointment for her" in page
    slot = services.open_slots(practice.id, by_practice=True)[0]
    response = post_form(browser, f"/practice/clients/{client.id}/appointments",
                         {"kind": "video", "start": slot.starts_at.isoformat()})
    assert response.status_code == 303
    [appointment] = db.session.scalars(sa.select(Appointment)).all()
    assert appointment.client_id == client.id and appointment.booked_by_id == practice.id
    assert outbox[-1].recipient == client.email
    page = browser.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    assert "No appointments booked." not in page
    assert db.session.scalar(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "appointments_viewed", AuditEvent.client_id == client.id,
        AuditEvent.actor_id == practice.id)) == "client page"
    # Another practitioner cannot book for her.
    stranger, _other = login_as("practitioner")
    response = post_form(stranger, f"/practice/clients/{client.id}/appointments",
                         {"kind": "video", "start": slot.starts_at.isoformat()})
    assert response.status_code == 404


def test_week_view_shows_the_clients_flags_and_logs_the_view(login_as, make, practice):
    client = make.client(practitioner=practice, name="Sophie de Groot")
    db.session.add(Flag(client_id=client.id, rule="epds_high", level="high", level_rank=1,
                        evidence={}, raised_at=datetime.now(UTC)))
    slot = first_slot(practice, after_days=1)
    services.book(client, "video", slot.starts_at, booked_by=client)
    db.session.commit()
    browser, _me = login_as("practitioner", user=practice)
    day = slot.local_start().date().isoformat()
    page = browser.get(f"/practice/calendar?day={day}").get_data(as_text=True)
    assert "Sophie de Groot" in page
    assert 'class="badge high"' in page and "EPDS ≥ 13" in page
    day_page = browser.get(f"/practice/calendar?day={day}&view=day").get_data(as_text=True)
    assert "Sophie de Groot" in day_page
    logged = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "appointments_viewed", AuditEvent.client_id == client.id)).all()
    assert logged
    # Another practitioner's calendar does not show her.
    stranger, _other = login_as("practitioner")
    assert "Sophie de Groot" not in stranger.get(
        f"/practice/calendar?day={day}").get_data(as_text=True)
    # The admin sees every practitioner's appointments and hours.
    admin, _admin = login_as("admin")
    assert "Sophie de Groot" in admin.get(f"/practice/calendar?day={day}").get_data(
        as_text=True)
    hours = admin.get("/admin/hours").get_data(as_text=True)
    assert "Anna de Vries" in hours and "09:00–17:00" in hours


def test_reminders_go_once_a_day_before(app, make, practice, outbox):
    client = make.client(practitioner=practice)
    now = datetime.now(UTC)
    start = now + timedelta(hours=20)
    appointment = Appointment(client_id=client.id, practitioner_id=practice.id, kind="video",
                              starts_at=start, ends_at=start + timedelta(hours=1),
                              created_at=now - timedelta(days=3),
                              updated_at=now - timedelta(days=3))
    later = Appointment(client_id=client.id, practitioner_id=practice.id, kind="video",
                        starts_at=start + timedelta(days=3),
                        ends_at=start + timedelta(days=3, hours=1),
                        updated_at=now - timedelta(days=3))
    db.session.add_all([appointment, later])
    db.session.commit()
    assert services.send_due_reminders(now) == 1
    db.session.commit()
    assert services.send_due_reminders(now) == 0
    assert "0 appointment reminder(s)" in app.test_cli_runner().invoke(
        args=["send-appointment-reminders"]).output
    [reminder] = list(outbox)
    assert reminder.kind == "appointment_reminder"
    assert str(event_of(ics_of(reminder))["UID"]) == appointment.uid


def test_rules_and_hours_forms_refuse_bad_input(login_as):
    browser, practitioner = login_as("practitioner")
    response = post_form(browser, "/practice/availability/hours",
                         {"hours-weekday": "0", "hours-starts_at": "17:00",
                          "hours-ends_at": "09:00",
                          "hours-length_minutes": "50", "hours-kind": "video"})
    assert response.status_code == 422
    assert "The end must come after the start." in response.get_data(as_text=True)
    response = post_form(browser, "/practice/availability/rules",
                         {"buffer_minutes": "-5", "notice_hours": "12", "horizon_days": "42",
                          "change_limit_hours": "24"})
    assert response.status_code == 422
    assert "Between 0 and 120 minutes." in response.get_data(as_text=True)
    assert db.session.get(CalendarSettings, practitioner.id) is None
    ok = post_form(browser, "/practice/availability/hours",
                   {"hours-weekday": "0", "hours-starts_at": "09:00",
                    "hours-ends_at": "12:00",
                    "hours-length_minutes": "50", "hours-kind": "video"})
    assert ok.status_code == 303
    overlap = post_form(browser, "/practice/availability/hours",
                        {"hours-weekday": "0", "hours-starts_at": "11:00",
                         "hours-ends_at": "13:00",
                         "hours-length_minutes": "50", "hours-kind": "phone"})
    assert overlap.status_code == 422
    assert "overlap" in overlap.get_data(as_text=True)


def test_the_feed_parses_holds_initials_and_kind_only_and_can_be_renewed_and_revoked(
        app, login_as, make, practice):
    client = make.client(practitioner=practice, name="Sophie de Groot",
                         baby_name="Noor")
    db.session.add(Flag(client_id=client.id, rule="safety", level="urgent", level_rank=0,
                        evidence={}, raised_at=datetime.now(UTC)))
    slot = first_slot(practice)
    appointment = services.book(client, "video", slot.starts_at, booked_by=client)
    cancelled = services.book(client, "video", first_slot(practice, after_days=5).starts_at,
                              booked_by=client)
    services.cancel(cancelled, by=practice)
    db.session.commit()
    browser, _me = login_as("practitioner", user=practice)
    page = post_form(browser, "/practice/calendar/feed").get_data(as_text=True)
    url = page.split('class="feed-url">')[1].split("<")[0]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    settings = db.session.get(CalendarSettings, practice.id)
    assert settings.feed_token_hash and token not in settings.feed_token_hash
    anonymous = app.test_client()
    response = anonymous.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == appointment.uid
    assert str(event["SUMMARY"]) == "S.d.G. · video"
    assert event.decoded("DTSTART") == slot.starts_at
    text = response.get_data(as_text=True)
    for private in ("Sophie", "Groot", "Noor", "EPDS", "safety", "urgent", client.email):
        assert private not in text
    # Renewed: the old address opens nothing, the new one does.
    page = post_form(browser, "/practice/calendar/feed").get_data(as_text=True)
    new_token = page.split('class="feed-url">')[1].split("<")[0].rsplit("/", 1)[1][:-4]
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{new_token}.ics").status_code == 200
    # Revoked: nothing opens.
    post_form(browser, "/practice/calendar/feed/revoke")
    assert anonymous.get(f"/calendar/{new_token}.ics").status_code == 404


def test_a_visit_within_two_working_days_brings_the_questionnaire_forward(make, practice):
    from portal.appointments.slots import working_days_ahead
    from portal.dates import local_today
    from portal.questionnaires.schedule import due_questionnaires

    today = local_today()
    # Started 12 days ago: the first EPDS and GAD-7 fall due in two days (14 days after).
    client = make.client(practitioner=practice, started_on=today - timedelta(days=12),
                         delivery_date=today - timedelta(days=20))
    assert due_questionnaires(client, today) == []

    def book_on(day):
        slot = next(s for s in services.open_slots(practice.id, by_practice=True)
                    if s.local_start().date() == day)
        return services.book(client, "video", slot.starts_at, booked_by=practice)

    later = book_on(working_days_ahead(today, 5))  # too far ahead to bring anything forward
    db.session.commit()
    assert due_questionnaires(client, today) == []
    services.cancel(later, by=practice)
    book_on(working_days_ahead(today, 2))
    db.session.commit()
    assert due_questionnaires(client, today) == ["epds", "gad7"]


def test_visit_day_ahead_counts_working_days():
    from portal.questionnaires.schedule import visit_day_ahead

    friday = datetime(2026, 12, 11).date()
    monday, tuesday, wednesday = (friday + timedelta(days=n) for n in (3, 4, 5))
    assert visit_day_ahead([tuesday], friday) == tuesday
    assert visit_day_ahead([wednesday], friday) is None
    assert visit_day_ahead([wednesday, monday], friday) == monday


def test_a_day_off_takes_its_times_away_and_extra_hours_need_times(login_as, practice):
    from portal.dates import local_today

    browser, _me = login_as("practitioner", user=practice)
    day = local_today() + timedelta(days=3)
    assert any(s.local_start().date() == day for s in services.open_slots(practice.id))
    response = post_form(browser, "/practice/availability/exceptions",
                         {"exception-day": day.isoformat(), "exception-exception": "off",
                          "exception-kind": "video"})
    assert response.status_code == 303
    assert not any(s.local_start().date() == day for s in services.open_slots(practice.id))
    bad = post_form(browser, "/practice/availability/exceptions",
                    {"exception-day": day.isoformat(), "exception-exception": "extra",
                     "exception-kind": "video", "exception-length_minutes": "50"})
    assert bad.status_code == 422
    assert "Extra hours need a start and an end time." in bad.get_data(as_text=True)
    page = browser.get("/practice/availability").get_data(as_text=True)
    assert "whole day" in page


def test_the_week_view_runs_as_many_queries_for_ten_clients_as_for_one(login_as, make,
                                                                       practice):
    browser, _me = login_as("practitioner", user=practice)
    slots = services.open_slots(practice.id, by_practice=True)
    week = slots[0].local_start().isocalendar()[:2]
    slots = [slot for slot in slots if slot.local_start().isocalendar()[:2] == week]
    if len(slots) < 10:  # late in the week: take the whole next one
        slots = [slot for slot in services.open_slots(practice.id, by_practice=True)
                 if slot.local_start().isocalendar()[:2] > week][:10]
    day = slots[0].local_start().date().isoformat()

    def queries() -> int:
        statements = []

        def remember(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", remember)
        try:
            assert browser.get(f"/practice/calendar?day={day}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", remember)
        return len(statements)

    first = make.client(practitioner=practice)
    services.book(first, "video", slots[0].starts_at, booked_by=practice)
    db.session.commit()
    one = queries()
    for slot in slots[1:10]:
        client = make.client(practitioner=practice)
        db.session.add(Flag(client_id=client.id, rule="silent", level="low", level_rank=3,
                            evidence={}, raised_at=datetime.now(UTC)))
        services.book(client, "video", slot.starts_at, booked_by=practice)
    db.session.commit()
    assert queries() == one
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "appointments_viewed")) == 1 + 10


def test_a_time_taken_while_she_chose_says_so_before_she_presses(login_as, make, practice):
    rival = make.client(practitioner=practice)
    browser, _client = login_as("client", practitioner=practice)
    slot = first_slot(practice)
    services.book(rival, "video", slot.starts_at, booked_by=rival)
    db.session.commit()
    page = browser.get("/me/appointments/book/video/confirm",
                       query_string={"start": slot.starts_at.isoformat()})
    assert page.status_code == 409
    assert "This time was just taken" in page.get_data(as_text=True)
    odd = browser.get("/me/appointments/book/video/confirm",
                      query_string={"start": (slot.starts_at + timedelta(minutes=7)).isoformat()})
    assert odd.status_code == 422


@pytest.mark.parametrize("asked", ["²", "٣", "99999999999", "-1", "x"])
def test_the_admin_calendar_survives_odd_practitioner_values(login_as, asked):
    admin, _admin = login_as("admin")
    assert admin.get("/practice/calendar", query_string={"practitioner": asked}).status_code == 200


def test_extra_hours_that_overlap_weekly_or_other_extra_hours_are_refused(login_as, practice):
    """Two blocks on one day would offer overlapping times with different starts: refused."""
    from portal.dates import local_today
    from portal.models import AvailabilityException

    browser, _me = login_as("practitioner", user=practice)
    day = local_today() + timedelta(days=3)

    def extra(on, start, end, kind="phone"):
        return post_form(browser, "/practice/availability/exceptions",
                         {"exception-day": on.isoformat(), "exception-exception": "extra",
                          "exception-starts_at": start, "exception-ends_at": end,
                          "exception-length_minutes": "45", "exception-kind": kind})

    over_weekly = extra(day, "10:15", "12:00")  # weekly hours are 09:00-17:00 every day
    assert over_weekly.status_code == 422
    assert "These hours overlap hours you already have on that day." in \
        over_weekly.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AvailabilityException)) == 0
    assert extra(day, "17:00", "19:00").status_code == 303  # after the weekly hours: fine
    over_extra = extra(day, "18:00", "20:00", kind="video")
    assert over_extra.status_code == 422
    assert "overlap" in over_extra.get_data(as_text=True)
    # On a whole day off the weekly hours are gone: extra hours may take their place.
    other = day + timedelta(days=1)
    assert post_form(browser, "/practice/availability/exceptions",
                     {"exception-day": other.isoformat(), "exception-exception": "off",
                      "exception-kind": "video"}).status_code == 303
    assert extra(other, "10:15", "12:00").status_code == 303
    starts = [s.local_start().strftime("%H:%M") for s in services.open_slots(practice.id)
              if s.local_start().date() == other]
    assert starts == ["10:15", "11:00"]


def test_weekly_hours_that_overlap_coming_extra_hours_are_refused(login_as):
    from portal.dates import local_today

    browser, practitioner = login_as("practitioner")
    day = local_today() + timedelta(days=3)
    assert post_form(browser, "/practice/availability/exceptions",
                     {"exception-day": day.isoformat(), "exception-exception": "extra",
                      "exception-starts_at": "18:00", "exception-ends_at": "20:00",
                      "exception-length_minutes": "45",
                      "exception-kind": "phone"}).status_code == 303
    response = post_form(browser, "/practice/availability/hours",
                         {"hours-weekday": str(day.weekday()), "hours-starts_at": "17:00",
                          "hours-ends_at": "19:00", "hours-length_minutes": "50",
                          "hours-kind": "video"})
    assert response.status_code == 422
    assert "overlap" in response.get_data(as_text=True)
    assert services.weekly_hours(practitioner.id) == []


def test_the_practitioner_moves_her_appointment_from_the_client_page_and_calendar(
        login_as, make, practice, outbox):
    client = make.client(practitioner=practice)
    slot = first_slot(practice)
    appointment = services.book(client, "video", slot.starts_at, booked_by=client)
    db.session.commit()
    browser, _me = login_as("practitioner", user=practice)
    move_url = f"/practice/clients/{client.id}/appointments/{appointment.id}/move"
    assert move_url in browser.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    day = services.local_date(slot.starts_at).isoformat()
    week = browser.get("/practice/calendar", query_string={"day": day, "view": "week"})
    assert move_url in week.get_data(as_text=True)
    page = browser.get(move_url)
    assert page.status_code == 200
    assert "Move the appointment" in page.get_data(as_text=True)
    # Inside her own limit too: the practice may move it at any time, but not onto a bad time.
    bad = post_form(browser, move_url, {"start": "tomorrow"})
    assert bad.status_code == 422
    assert "Choose one of the offered times." in bad.get_data(as_text=True)
    new_slot = first_slot(practice, after_days=5)
    response = post_form(browser, move_url, {"start": new_slot.starts_at.isoformat()})
    assert response.status_code == 303
    db.session.refresh(appointment)
    assert appointment.starts_at == new_slot.starts_at and appointment.sequence == 1
    moved = outbox[-1]
    assert moved.recipient == client.email and moved.kind == "appointment_moved"
    event = event_of(ics_of(moved))
    assert str(event["UID"]) == appointment.uid and event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == new_slot.starts_at
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(
        AuditEvent.action == "appointment_moved", AuditEvent.client_id == client.id)) == practice.id
    # Another practitioner cannot move it, nor see that it exists.
    stranger, _other = login_as("practitioner")
    assert stranger.get(move_url).status_code == 404
    assert post_form(stranger, move_url,
                     {"start": slot.starts_at.isoformat()}).status_code == 404


def test_booked_or_moved_within_a_day_the_confirmation_is_the_reminder(make, practice, outbox):
    """Inside 24 h no reminder follows, so the confirmation says it is the only message."""
    client = make.client(practitioner=practice)
    client.locale = "en"
    db.session.commit()
    now = datetime.now(UTC)
    soon = next(s for s in services.open_slots(practice.id, by_practice=True)
                if s.starts_at < now + timedelta(hours=24))
    appointment = services.book(client, "video", soon.starts_at, booked_by=practice)
    db.session.commit()
    only = "This e-mail is also your reminder"
    assert only in outbox[-1].body
    assert services.send_due_reminders() == 0
    # Moved to a later week: the reminder a day ahead will come, so no such line.
    later = first_slot(practice, after_days=5)
    services.move(appointment, later.starts_at, by=practice)
    db.session.commit()
    assert only not in outbox[-1].body
    # Moved back within a day: the move's e-mail is the reminder again.
    services.move(appointment, soon.starts_at, by=practice)
    db.session.commit()
    assert only in outbox[-1].body and outbox[-1].kind == "appointment_moved"
    assert services.send_due_reminders() == 0
    # A booking further ahead gets no such line (its reminder comes a day before).
    other = make.client(practitioner=practice)
    other.locale = "en"
    services.book(other, "video", first_slot(practice, after_days=8).starts_at, booked_by=other)
    assert only not in outbox[-1].body


def test_the_reminder_also_goes_to_her_phones_as_a_push_without_health_data(make, practice):
    client = make.client(practitioner=practice)
    db.session.add(PushSubscription(user_id=client.id, endpoint="https://push.example/abc",
                                    p256dh="key", auth="secret"))
    now = datetime.now(UTC)
    start = now + timedelta(hours=20)
    db.session.add(Appointment(client_id=client.id, practitioner_id=practice.id, kind="video",
                               starts_at=start, ends_at=start + timedelta(hours=1),
                               created_at=now - timedelta(days=3),
                               updated_at=now - timedelta(days=3)))
    db.session.commit()

    assert services.send_due_reminders(now) == 1
    db.session.commit()

    [push] = db.session.scalars(sa.select(PushMessage)).all()
    assert push.kind == "appointment_reminder"
    assert push.link == "/me/appointments/"
    local = start.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%H:%M")
    # When and nothing more: no practitioner, no kind of care, nothing about her health.
    assert push.title.startswith("Herinnering: uw afspraak op ")
    assert push.title.endswith(local)
    assert practice.full_name not in push.title
