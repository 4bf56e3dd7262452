"""In real Chromium on a phone-sized screen: a check-in in under a minute, and the safety path.

Both forms answer their POST with a redirect (303) to a page of its own: a reload or Back
fetches that page again and never sends the form a second time.
"""

import time

import sqlalchemy as sa

from portal.auth.services import create_user
from portal.extensions import db
from portal.models import CheckIn, Flag, OutboxMessage, QuestionnaireResponse
from portal.questionnaires.instruments import load_instrument

PASSWORD = "morning light and tea"


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/me/")


def make_mother(email="mother@example.test"):
    practitioner = create_user("petra@example.test", "Petra", "practitioner", PASSWORD)
    mother = create_user(email, "Mira Moeder", "client", PASSWORD, practitioner=practitioner)
    db.session.commit()
    return mother, practitioner


def test_checkin_on_a_phone_in_under_a_minute(live_app, base_url, page):
    make_mother()
    sign_in(page, base_url, "mother@example.test")
    started = time.monotonic()
    page.locator("label:has(input[name=mood][value='3'])").click()
    page.locator("label:has(input[name=tension][value='2'])").click()
    page.locator("label:has(input[name=bonding][value='4'])").click()
    page.locator("details summary").first.click()  # the sleep section
    page.locator("#sleep_hours").select_option("5.75")
    page.locator("article.checkin form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/me/saved/*")
    assert time.monotonic() - started < 60
    assert page.locator("[aria-live=polite] h1").is_visible()
    page.reload()  # a reload of the thank-you page sends nothing again
    assert page.locator("[aria-live=polite] h1").is_visible()
    checkin = db.session.scalar(sa.select(CheckIn))
    assert (checkin.mood, checkin.tension, checkin.bonding, checkin.sleep_hours) == (3, 2, 4, 5.75)
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1
    # Large touch targets: every scale choice is at least 44 px high.
    page.goto(f"{base_url}/me/")
    heights = page.locator(".scale .choices label").evaluate_all(
        "labels => labels.map(l => l.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44
    assert page.console_errors == []


def test_item_ten_shows_help_and_reaches_the_practitioner(live_app, base_url, page):
    _mother, practitioner = make_mother()
    sign_in(page, base_url, "mother@example.test")
    page.goto(f"{base_url}/questionnaires/epds")
    instrument = load_instrument("epds")
    for item in instrument.items:
        wanted = 1 if item.id == "epds10" else 0
        page.locator(f"#{item.id}-{item.scores.index(wanted)}").check()
    page.locator("main form button[type=submit]").click()
    # The answer to the POST leads straight to the help page: no tap in between.
    page.wait_for_url(f"{base_url}/questionnaires/results/*/help")
    assert page.locator("a[href='tel:113']").is_visible()
    text = page.locator("main").inner_text()
    for number in ("0800-0113", "112", "088-0767 000"):
        assert number in text
    # Back shows the questionnaire again (no "Confirm form resubmission"); forward and a reload
    # show the help page again; none of it stores a second response.
    page.go_back()
    page.wait_for_url(f"{base_url}/questionnaires/epds")
    assert page.locator("main form button[type=submit]").is_visible()
    page.go_forward()
    page.wait_for_url(f"{base_url}/questionnaires/results/*/help")
    page.reload()
    assert page.locator("a[href='tel:113']").is_visible()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 1
    with live_app.app_context():
        queued = db.session.scalars(sa.select(OutboxMessage)).all()
        mails = [m for m in queued if m.to == (practitioner.email,)]
    assert mails and "M.M." in mails[0].body and "Mira Moeder" not in mails[0].body
    db.session.expire_all()
    assert db.session.scalar(sa.select(Flag.level).where(Flag.rule == "safety")) == "urgent"
    assert page.console_errors == []
