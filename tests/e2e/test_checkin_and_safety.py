"""In real Chromium on a phone-sized screen: a check-in in under a minute, and the safety path."""

import time

import sqlalchemy as sa

from portal.auth.services import create_user
from portal.extensions import db
from portal.mail import outbox
from portal.models import CheckIn, Flag
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
    checkin = db.session.scalar(sa.select(CheckIn))
    assert (checkin.mood, checkin.tension, checkin.bonding, checkin.sleep_hours) == (3, 2, 4, 5.75)
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
    page.wait_for_load_state()
    assert page.locator("a[href='tel:113']").is_visible()
    assert page.url.endswith("/questionnaires/epds")  # the help page answered the POST itself
    text = page.locator("main").inner_text()
    for number in ("0800-0113", "112", "088-0767 000"):
        assert number in text
    with live_app.app_context():
        mails = [m for m in outbox() if m.to == (practitioner.email,)]
    # Named by initials and client number, never by her full name.
    assert mails and "M.M." in mails[0].body and "Mira Moeder" not in mails[0].body
    db.session.expire_all()
    assert db.session.scalar(sa.select(Flag.level).where(Flag.rule == "safety")) == "urgent"
    assert page.console_errors == []
