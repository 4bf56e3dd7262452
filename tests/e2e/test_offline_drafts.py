"""Answers typed without a connection stay with their own form and day, and are sent by themselves.

Real Chromium with the portal's service worker: `context.set_offline` takes the network away,
`context.route` makes the server unreachable for one kind of request (a flaky connection). The
server counts the check-ins that reach it, so "sent once" is what it received, not what the
page claims.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import request, request_started
from playwright.sync_api import expect

from portal.checkins.services import save_checkin
from portal.dates import local_today
from portal.extensions import db
from portal.models import CheckIn, QuestionnaireResponse
from portal.questionnaires.instruments import load_instrument
from tests.e2e.test_accessibility import axe_violations
from tests.e2e.test_checkin_and_safety import make_mother, sign_in
from tests.e2e.test_offline import wait_for_service_worker

CRISIS_WORDS = ("U hoeft dit niet alleen te dragen", "Denkt u erover om uzelf iets aan te doen")


@pytest.fixture
def checkin_posts(live_app):
    """Every POST of a check-in form that reaches the server, in order."""
    received = []

    def count(sender, **extra):
        if request.method == "POST" and request.path == "/me/":
            received.append(request.form.get("day"))

    request_started.connect(count, live_app)
    yield received
    request_started.disconnect(count, live_app)


def _row(day):
    db.session.rollback()  # a fresh look at what the server stored
    return db.session.scalar(sa.select(CheckIn).where(CheckIn.day == day))


def _mother_ready(page, base_url, path="/me/"):
    mother, _practitioner = make_mother()
    sign_in(page, base_url, "mother@example.test")
    page.goto(f"{base_url}{path}")
    page.reload()  # the second load is controlled by the service worker
    wait_for_service_worker(page)
    return mother


def _keep_offline(page, day, mood="1", note="Zware nacht gehad"):
    """On the open form of `day`, without a connection: answer and press Save."""
    page.context.set_offline(True)
    page.locator(f"label:has(input[name=mood][value='{mood}'])").click()
    page.locator("#note").fill(note)
    page.locator("article.checkin .save-bar button").click()
    notice = page.locator("form [data-unsent-notice]")
    notice.wait_for()
    assert format_date(day, "EEEE d MMMM", locale="nl") in notice.inner_text()
    assert "Niet verstuurd" in notice.inner_text()


def test_a_draft_for_three_days_ago_never_fills_todays_form(
    live_app, base_url, page, checkin_posts
):
    mother = _mother_ready(page, base_url)
    today = local_today(mother.timezone)
    earlier = today - timedelta(days=3)
    save_checkin(mother, today, {"mood": 2, "tension": 4, "note": "Vandaag ging redelijk"})
    db.session.commit()
    page.goto(f"{base_url}/me/?day={earlier.isoformat()}")
    _keep_offline(page, earlier)
    # Back online, but the server cannot be reached yet: the draft waits on the phone.
    page.context.route("**/me/", lambda route: route.abort() if route.request.method == "POST"
                       else route.continue_())
    page.context.set_offline(False)
    page.goto(f"{base_url}/me/")  # she taps "Vandaag"
    status = page.locator("[data-drafts-status]")
    status.wait_for()
    assert "Niet verstuurd: uw antwoorden van " + format_date(
        earlier, "EEEE d MMMM", locale="nl") in status.inner_text()
    # Today's form holds today's answers, not those of three days ago.
    assert page.locator("input[name=mood][value='2']").is_checked()
    assert page.locator("input[name=tension][value='4']").is_checked()
    assert page.locator("#note").input_value() == "Vandaag ging redelijk"
    assert page.locator("input[name=day]").input_value() == today.isoformat()
    assert not page.locator("form [data-unsent-notice]").is_visible()
    assert checkin_posts == []  # every attempt was stopped before the server
    assert _row(today).mood == 2 and _row(earlier) is None
    page.context.unroute("**/me/")
    assert page.console_errors == [] or all("ERR_FAILED" in e for e in page.console_errors)


def test_a_draft_is_sent_by_itself_once_online_exactly_once(
    live_app, base_url, page, checkin_posts
):
    mother = _mother_ready(page, base_url)
    earlier = local_today(mother.timezone) - timedelta(days=3)
    page.goto(f"{base_url}/me/?day={earlier.isoformat()}")
    _keep_offline(page, earlier)
    assert _row(earlier) is None
    page.context.set_offline(False)  # nothing pressed: the connection returns
    status = page.locator("[data-drafts-status]")
    status.wait_for()
    assert "Verstuurd: uw antwoorden van " + format_date(
        earlier, "EEEE d MMMM", locale="nl") in status.inner_text()
    row = _row(earlier)
    assert (row.mood, row.note) == (1, "Zware nacht gehad")
    # The form now shows what the server has, with a fresh submission.
    assert page.locator("input[name=mood][value='1']").is_checked()
    assert not page.locator("form [data-unsent-notice]").is_visible()
    # Later page loads and the online event send nothing again.
    page.goto(f"{base_url}/me/")
    page.reload()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    assert checkin_posts == [earlier.isoformat()]
    assert not page.locator("[data-drafts-status]").is_visible()
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1


def test_a_conflict_with_newer_answers_for_that_day_is_shown(
    live_app, base_url, page, checkin_posts
):
    mother = _mother_ready(page, base_url)
    earlier = local_today(mother.timezone) - timedelta(days=3)
    page.goto(f"{base_url}/me/?day={earlier.isoformat()}")
    _keep_offline(page, earlier)
    # Meanwhile the same day was filled in on her other phone.
    save_checkin(mother, earlier, {"mood": 4, "note": "Op de andere telefoon"})
    db.session.commit()
    page.context.set_offline(False)
    conflict = page.locator("form [data-unsent-notice]")
    page.locator("[data-draft-discard]").wait_for()
    assert "Andere antwoorden voor deze dag" in conflict.inner_text()
    # Never silently overwritten: the server keeps the newer answers ...
    row = _row(earlier)
    assert (row.mood, row.note) == (4, "Op de andere telefoon")
    assert checkin_posts == [earlier.isoformat()]
    # ... and she sees her phone's answers and chooses: Save uses them.
    assert page.locator("input[name=mood][value='1']").is_checked()
    assert page.locator("#note").input_value() == "Zware nacht gehad"
    page.locator("article.checkin .save-bar button").click()
    page.wait_for_url(f"{base_url}/me/saved/*")
    assert _row(earlier).mood == 1


def test_keeping_the_saved_answers_forgets_the_phones_copy(live_app, base_url, page):
    mother = _mother_ready(page, base_url)
    earlier = local_today(mother.timezone) - timedelta(days=2)
    page.goto(f"{base_url}/me/?day={earlier.isoformat()}")
    _keep_offline(page, earlier)
    save_checkin(mother, earlier, {"mood": 4, "note": "Op de andere telefoon"})
    db.session.commit()
    page.context.set_offline(False)
    # The phone forgets its copy (IndexedDB, asynchronous), then reloads the day from the server.
    with page.expect_navigation():
        page.locator("[data-draft-discard]").click()
    # Waited for, not read at once: the reload may still be arriving when the click returns.
    expect(page.locator("input[name=mood][value='4']")).to_be_checked()
    expect(page.locator("form [data-unsent-notice]")).to_be_hidden()
    assert _row(earlier).mood == 4


def test_a_failed_save_shows_kept_on_this_phone_never_the_crisis_text(
    live_app, base_url, page, checkin_posts
):
    mother = _mother_ready(page, base_url)
    # A flaky connection: the save itself does not get through.
    page.context.route("**/me/", lambda route: route.abort() if route.request.method == "POST"
                       else route.continue_())
    page.locator("label:has(input[name=mood][value='3'])").click()
    page.locator("article.checkin .save-bar button").click()
    heading = page.locator("#offline-title")
    heading.wait_for()
    text = page.locator("main").inner_text()
    assert "op deze telefoon bewaard" in heading.inner_text()
    for words in CRISIS_WORDS:
        assert words not in text
    # The help numbers are there, as a section of their own below.
    assert page.locator(".offline-help a[href='tel:113']").is_visible()
    assert page.locator(".offline-help a[href='tel:112']").is_visible()
    assert checkin_posts == []
    page.context.unroute("**/me/")
    page.goto(f"{base_url}/me/")  # the next page load sends what was kept
    page.locator("[data-drafts-status]").wait_for()
    assert "Verstuurd" in page.locator("[data-drafts-status]").inner_text()
    assert _row(local_today(mother.timezone)).mood == 3
    assert len(checkin_posts) == 1


def _answer(page, instrument, items, wanted=lambda item: 0):
    for item in items:
        page.locator(f"#{item.id}-{item.scores.index(wanted(item))}").check()


def test_the_language_switch_keeps_epds_answers(live_app, base_url, page):
    _mother_ready(page, base_url, "/questionnaires/epds")
    instrument = load_instrument("epds")
    first, rest = instrument.items[:5], instrument.items[5:]
    _answer(page, instrument, first, lambda item: 1)
    page.locator(".language-switch button[value=en]").click()
    page.locator("html[lang=en]").wait_for(state="attached")
    page.locator("form [data-unsent-notice]").wait_for()
    said = page.locator("form [data-unsent-notice]").inner_text()
    assert "your answers to the" in said and "uw antwoorden" not in said  # all in English
    for item in first:
        assert page.locator(f"#{item.id}-{item.scores.index(1)}").is_checked()
    _answer(page, instrument, rest)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/questionnaires/results/*")
    response = db.session.scalar(sa.select(QuestionnaireResponse))
    assert response.total == 5
    page.goto(f"{base_url}/questionnaires/epds")
    assert not page.locator("form [data-unsent-notice]").is_visible()  # sent, so forgotten


def test_offline_item_ten_opens_the_help_page_before_anything_is_sent(live_app, base_url, page):
    _mother_ready(page, base_url, "/questionnaires/epds")
    instrument = load_instrument("epds")
    page.context.set_offline(True)
    _answer(page, instrument, instrument.items[:-1])
    page.locator(f"#epds10-{instrument.items[-1].scores.index(2)}").click()
    page.wait_for_url(f"{base_url}/help?lang=nl")
    assert page.locator("a[href='tel:113']").is_visible()
    page.context.set_offline(False)
    # Her answers are kept; sending them leads to the help page as it always does.
    page.goto(f"{base_url}/questionnaires/epds")
    page.locator("form [data-unsent-notice]").wait_for()
    assert page.locator(f"#epds10-{instrument.items[-1].scores.index(2)}").is_checked()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/questionnaires/results/*/help")
    assert db.session.scalar(sa.select(QuestionnaireResponse.safety)) is True


def _fits_and_passes_axe(page, what):
    assert axe_violations(page) == [], what
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, what


def test_the_offline_states_pass_axe_and_fit_a_phone(live_app, base_url, page):
    mother = _mother_ready(page, base_url)
    earlier = local_today(mother.timezone) - timedelta(days=3)
    page.goto(f"{base_url}/me/?day={earlier.isoformat()}")
    _keep_offline(page, earlier)
    _fits_and_passes_axe(page, "kept on the phone, offline")
    page.context.route("**/me/", lambda route: route.abort() if route.request.method == "POST"
                       else route.continue_())
    page.context.set_offline(False)
    page.goto(f"{base_url}/me/")
    page.locator("[data-drafts-status]").wait_for()
    _fits_and_passes_axe(page, "not sent yet, listed on today's page")
    page.locator("label:has(input[name=mood][value='3'])").click()
    page.locator("article.checkin .save-bar button").click()
    page.locator("#offline-title").wait_for()
    _fits_and_passes_axe(page, "a failed save")
    page.context.unroute("**/me/")
    save_checkin(mother, earlier, {"mood": 4})
    db.session.commit()
    page.goto(f"{base_url}/me/?day={earlier.isoformat()}")
    page.locator("[data-draft-discard]").wait_for()
    _fits_and_passes_axe(page, "a conflict")
    page.locator("#reminder summary").click()
    page.locator("[data-push-on]").wait_for()
    _fits_and_passes_axe(page, "the push opt-in")


def test_an_epds_kept_offline_is_sent_by_itself_and_item_ten_leads_to_help(
    live_app, base_url, page
):
    _mother_ready(page, base_url, "/questionnaires/epds")
    instrument = load_instrument("epds")
    _answer(page, instrument, instrument.items, lambda item: 1 if item.id == "epds10" else 0)
    page.context.set_offline(True)
    page.locator("main form button[type=submit]").click()
    page.locator("form [data-unsent-notice]").wait_for()
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0
    db.session.rollback()
    page.context.set_offline(False)  # sent by itself; the answer about harm opens help
    page.wait_for_url(f"{base_url}/questionnaires/results/*/help")
    assert page.locator("a[href='tel:113']").is_visible()
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 1


def test_the_browser_asks_about_notifications_only_after_her_tap(live_app, base_url, page):
    page.add_init_script(
        """window.__asked = 0;
           if (window.Notification) {
             const ask = Notification.requestPermission.bind(Notification);
             Notification.requestPermission = (...args) => {
               window.__asked += 1;
               return ask(...args);
             };
           }"""
    )
    _mother_ready(page, base_url)
    page.locator("#reminder summary").click()
    offer = page.locator("[data-push]")
    offer.wait_for()
    assert "Tijd voor uw check-in" in offer.inner_text()  # what she will get, before she taps
    assert page.evaluate("window.__asked") == 0  # nothing asked on opening the page
    page.locator("[data-push-on]").click()
    page.wait_for_function("window.__asked === 1")
    page.locator("[data-push-state]:not(:empty)").wait_for()  # she is told what happened
