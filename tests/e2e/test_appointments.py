"""In real Chromium at 390 px: she books, moves and cancels an appointment from her home page,
each in at most four taps; every e-mail's .ics parses with icalendar and shares one UID. The
practitioner's week view at 1366 px shows her with her flags, and the practitioner moves her
appointment from it (same UID, higher SEQUENCE in the e-mail to her).

Set E2E_SCREENSHOTS=<folder> to keep a screenshot of each page (nl and en) for review.
"""

import os
from datetime import UTC, date, datetime, time
from pathlib import Path

import sqlalchemy as sa
from icalendar import Calendar

from portal.auth.services import create_user
from portal.extensions import db
from portal.models import Appointment, Flag, OutboxMessage, WeeklyHours

PASSWORD = "a long walk by the river"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def shot(page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def make_practice(tag: str, locale: str):
    practitioner = create_user(f"anna-{tag}@example.test", "Anna de Vries", "practitioner",
                               PASSWORD)
    mother = create_user(f"sophie-{tag}@example.test", "Sophie de Groot", "client", PASSWORD,
                         practitioner=practitioner)
    practitioner.locale = mother.locale = locale
    mother.profile.delivery_date = date(2026, 10, 1)
    mother.profile.delivery_type = "induced_oxytocin"
    for weekday in range(7):
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                   starts_at=time(9), ends_at=time(12), length_minutes=50,
                                   kind="video"))
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                   starts_at=time(13), ends_at=time(16), length_minutes=50,
                                   kind="practice"))
    db.session.add(Flag(client_id=mother.id, rule="epds_high", level="high", level_rank=1,
                        evidence={}, raised_at=datetime.now(UTC)))
    db.session.commit()
    return mother, practitioner


def calendars(mother) -> list[Calendar]:
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == mother.email)
        .order_by(OutboxMessage.id).execution_options(populate_existing=True))
    return [Calendar.from_ical(message.attachment_body) for message in messages]


def tap(page, locator, taps: list) -> None:
    locator.click()
    taps.append(locator)


def _book_move_cancel(browser, base_url, live_app, locale: str):
    mother, practitioner = make_practice(f"e2e-{locale}", locale)
    context = browser.new_context(viewport=PHONE, locale="nl-NL" if locale == "nl" else "en-GB")
    page = context.new_page()
    sign_in(page, base_url, mother.email)
    page.goto(f"{base_url}/me/")
    home = page.url

    # Book: home -> make an appointment -> kind -> a time -> confirm.
    taps: list = []
    tap(page, page.locator(".appointment-home a[href*='book=1']"), taps)
    shot(page, f"book-1-kinds-390-{locale}")
    tap(page, page.locator(".choice-list a").first, taps)
    shot(page, f"book-2-times-390-{locale}")
    # A time two days ahead, well before the 24 h limit for changes.
    tap(page, page.locator(".slots a").nth(8), taps)
    shot(page, f"book-3-confirm-390-{locale}")
    tap(page, page.locator("main form button[type=submit]"), taps)
    page.wait_for_url(lambda url: url.endswith("/me/appointments/"))
    shot(page, f"book-4-booked-390-{locale}")
    assert len(taps) <= 4
    db.session.rollback()  # end the test's read: see what the live server wrote
    [appointment] = db.session.scalars(
        sa.select(Appointment).where(Appointment.client_id == mother.id)).all()
    booked_at = appointment.starts_at
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Move: home -> move -> a time -> confirm.
    page.goto(home)
    shot(page, f"home-next-appointment-390-{locale}")
    taps = []
    tap(page, page.locator(".appointment-home a[href*='/move']"), taps)
    shot(page, f"move-1-times-390-{locale}")
    tap(page, page.locator(".slots a").nth(9), taps)
    tap(page, page.locator("main form button[type=submit]"), taps)
    page.wait_for_url(lambda url: url.endswith("/me/appointments/"))
    assert len(taps) <= 4
    db.session.rollback()  # end the test's read: see what the live server wrote
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.starts_at != booked_at and appointment.sequence == 1

    # Cancel: home -> cancel -> confirm.
    page.goto(home)
    taps = []
    tap(page, page.locator(".appointment-home a[href*='/cancel']"), taps)
    shot(page, f"cancel-1-confirm-390-{locale}")
    tap(page, page.locator("main form button[type=submit]"), taps)
    page.wait_for_url(lambda url: url.endswith("/me/appointments/"))
    assert len(taps) <= 4
    db.session.rollback()  # end the test's read: see what the live server wrote
    assert db.session.get(Appointment, appointment.id).cancelled_at is not None

    sent = calendars(mother)
    assert [c["METHOD"] for c in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [next(iter(c.walk("VEVENT"))) for c in sent]
    assert {str(e["UID"]) for e in events} == {appointment.uid}
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    context.close()
    return mother, practitioner


def test_she_books_moves_and_cancels_in_four_taps_at_390(browser, base_url, live_app):
    _book_move_cancel(browser, base_url, live_app, "nl")


def test_in_english_too_and_the_week_view_at_1366(browser, base_url, live_app):
    mother, practitioner = _book_move_cancel(browser, base_url, live_app, "en")
    # Book again so the week shows her.
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, base_url, mother.email)
    page.goto(f"{base_url}/me/appointments/")
    page.locator(".choice-list a").first.click()
    page.locator(".slots a").first.click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: url.endswith("/me/appointments/"))
    context.close()
    db.session.rollback()  # end the test's read: see what the live server wrote
    appointment = db.session.scalar(sa.select(Appointment).where(
        Appointment.client_id == mother.id, Appointment.cancelled_at.is_(None)))
    from portal.appointments.services import local_date

    for locale in ("en", "nl"):
        practitioner.locale = locale
        db.session.commit()
        desktop = browser.new_context(viewport=DESKTOP,
                                      locale="en-GB" if locale == "en" else "nl-NL")
        page = desktop.new_page()
        sign_in(page, base_url, practitioner.email)
        page.goto(f"{base_url}/practice/calendar?day={local_date(appointment.starts_at)}")
        entry = page.locator(".calendar-entries li", has_text="Sophie de Groot")
        assert entry.count() == 1
        assert entry.locator(".badge.high").count() == 1
        shot(page, f"week-view-1366-{locale}")
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        # She asked by phone to come another time: the practitioner moves it from the week.
        before = appointment.starts_at
        entry.locator("a[href*='/move']").click()
        page.wait_for_url(lambda url: url.endswith("/move"))
        shot(page, f"practice-move-1366-{locale}")
        page.set_viewport_size(PHONE)
        shot(page, f"practice-move-390-{locale}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.set_viewport_size(DESKTOP)
        page.locator(".slots button").nth(3).click()
        page.wait_for_url(lambda url: f"/practice/clients/{mother.id}" in url)
        db.session.rollback()  # end the test's read: see what the live server wrote
        appointment = db.session.get(Appointment, appointment.id)
        assert appointment.starts_at != before
        last = calendars(mother)[-1]
        event = next(iter(last.walk("VEVENT")))
        assert str(event["UID"]) == appointment.uid and last["METHOD"] == "REQUEST"
        assert int(event["SEQUENCE"]) == appointment.sequence >= 1
        assert event.decoded("DTSTART") == appointment.starts_at
        desktop.close()
