"""In real Chromium: accept an invitation, set a password, sign out and in, switch language."""

import sqlalchemy as sa

from portal.auth.services import create_invitation, create_user
from portal.extensions import db
from portal.models import User

PASSWORD = "sunlight on the windowsill"


def test_invited_practitioner_signs_up_signs_in_and_switches_language(live_app, base_url, page):
    admin = create_user("owner@example.test", "Owner", "admin", "owner password long")
    _invitation, token = create_invitation(
        "fenna@example.test", "Fenna Fysio", "practitioner", admin
    )
    db.session.commit()

    page.goto(f"{base_url}/invite/{token}")
    assert page.locator("h1").inner_text() == "Welkom, Fenna Fysio"
    page.get_by_label("Nieuw wachtwoord").fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.locator("#consent").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/practice/")
    assert db.session.scalar(sa.select(User).where(User.email == "fenna@example.test"))
    # End our read: later checks must see what the next pages write, not this snapshot.
    db.session.rollback()

    # On a phone the rest of the navigation sits behind Menu.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{base_url}/login")
    page.get_by_label("E-mailadres").fill("fenna@example.test")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/practice/")

    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{base_url}/practice/")
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.console_errors == []
