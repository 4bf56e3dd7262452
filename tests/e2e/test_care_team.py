"""In real Chromium: an urgent flag shows how to reach her in one look; she shares her summary
with her verloskundige on her phone and revokes it; the verloskundige opens it on a desktop
without an account.

Set E2E_SCREENSHOTS=<folder> to keep a screenshot of each page for review. The pages are read
in English: the Dutch of these new strings arrives with the lead's catalogue merge.
"""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.auth.services import create_user
from portal.dates import local_today
from portal.extensions import db
from portal.flags import LEVEL_RANK
from portal.i18n import LOCALE_COOKIE
from portal.models import CareTeamMember, CheckIn, Flag, Note, OutboxMessage, PracticeSetting

PASSWORD = "a long walk by the river"
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


def make_mother(tag: str):
    # Own addresses per test: on PostgreSQL the live server keeps one database for the run.
    practitioner = create_user(f"petra-{tag}@example.test", "Petra Pieters", "practitioner",
                               PASSWORD)
    mother = create_user(f"mira-{tag}@example.test", "Mira de Moeder", "client", PASSWORD,
                         practitioner=practitioner)
    practitioner.locale = mother.locale = "en"
    profile = mother.profile
    profile.delivery_date = date(2026, 10, 1)
    profile.delivery_type = "induced_oxytocin"
    profile.date_of_birth = date(1993, 5, 14)
    today = local_today(mother.timezone)
    for days_ago in range(8):
        db.session.add(CheckIn(client_id=mother.id, day=today - timedelta(days=days_ago),
                               mood=2 + days_ago % 3, sleep_hours=5.5))
    db.session.add(Note(client_id=mother.id, author_id=practitioner.id,
                        body="PRIVATE: partner works nights", shared=False))
    db.session.commit()
    return mother, practitioner


def test_an_urgent_flag_shows_how_to_reach_her(live_app, base_url, browser):
    mother, practitioner = make_mother("flag")
    mother.profile.phone = "+31612345678"
    mother.profile.emergency_contact_name = "Jan de Moeder"
    mother.profile.emergency_contact_relation = "partner"
    mother.profile.emergency_contact_phone = "+31201234567"
    db.session.add_all([
        CareTeamMember(client_id=mother.id, role="verloskundige", name="Vera de Vries",
                       practice="Verloskundigen Oost", phone="+31301234567",
                       email="vera@vroedvrouw.test"),
        CareTeamMember(client_id=mother.id, role="huisarts", name="Dr. Bakker",
                       phone="+31307654321"),
        PracticeSetting(key="urgent_protocol", value="De eigen behandelaar belt binnen 1 uur."
                        "\nGeen gehoor: bel de contactpersoon, daarna de huisarts."),
        Flag(client_id=mother.id, rule="safety", level="urgent", level_rank=LEVEL_RANK["urgent"],
             evidence={"item_10": 2, "total": 15}),
    ])
    db.session.commit()
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    sign_in(page, base_url, "petra-flag@example.test")
    page.goto(f"{base_url}/practice/clients/{mother.id}")
    flag = page.locator("li.flag.open.urgent")
    # In one look, beside the flag: the protocol and every number, as links that dial.
    assert flag.get_by_text("De eigen behandelaar belt binnen 1 uur.").is_visible()
    for number in ("+31612345678", "+31201234567", "+31301234567", "+31307654321"):
        assert flag.locator(f"a[href='tel:{number}']").is_visible(), number
    # And at the top of the page, before the flags.
    assert page.locator("#contact a[href='tel:+31612345678']").is_visible()
    shot(page, "practice-urgent-flag-1366")

    flag.locator("summary", has_text="Log a call").click()
    flag.get_by_label("Whom did you call?").select_option(label="Mira de Moeder herself")
    flag.get_by_label("Outcome").select_option("no_answer")
    flag.get_by_role("button", name="Log the call").click()
    page.wait_for_url(re.compile(r".*#flag-\d+$"))
    assert page.locator("li.flag.open.urgent .call-log").get_by_text("Petra Pieters").count()
    shot(page, "practice-urgent-flag-with-call-1366")
    context.close()


def test_she_shares_on_her_phone_and_the_midwife_opens_it_on_a_desktop(
    live_app, base_url, page, browser
):
    mother, _practitioner = make_mother("share")
    sign_in(page, base_url, "mira-share@example.test")
    page.goto(f"{base_url}/account/")
    page.locator("summary", has_text="Add someone to your care team").click()
    page.locator("#member-role").select_option("verloskundige")
    page.locator("#member-name").fill("Vera de Vries")
    page.locator("#member-email").fill("vera@vroedvrouw.test")
    page.locator("#member-phone").fill("030-123 45 67")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r".*#care-team-heading$"))
    assert page.locator("a[href='tel:+31301234567']").is_visible()

    page.locator("summary", has_text="Share with someone in your care team").click()
    page.get_by_label("Share with").select_option(label="Midwife (verloskundige): Vera de Vries")
    page.locator("#share-consent").check()
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r".*#shares-heading$"))
    assert page.locator(".share-list li", has_text="Vera de Vries").is_visible()
    shot(page, "account-shares-390")

    body = db.session.scalar(sa.select(OutboxMessage.body).where(
        OutboxMessage.kind == "share_link", OutboxMessage.recipient == "vera@vroedvrouw.test")
        .order_by(OutboxMessage.id.desc()).limit(1))
    link = re.search(r"http://\S+/s/\S+", body).group(0)

    desktop = browser.new_context(viewport=DESKTOP, locale="en-GB")
    # The page is Dutch first, like the portal; she chose English with the language switch.
    desktop.add_cookies([{"name": LOCALE_COOKIE, "value": "en", "url": base_url}])
    midwife = desktop.new_page()
    response = midwife.goto(link)
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert midwife.get_by_role("heading", name="Referral summary").is_visible()
    assert midwife.get_by_text("Mira de Moeder").first.is_visible()
    assert "PRIVATE" not in midwife.content()
    shot(midwife, "shared-summary-1366")
    with midwife.expect_download() as download_info:
        midwife.locator("a[href$='/summary.pdf']").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF-")

    # She revokes it at once; the link stops working.
    page.get_by_role("button", name="Revoke the link to Vera de Vries").click()
    page.wait_for_url(re.compile(r".*#shares-heading$"))
    assert page.get_by_text("No open links.").is_visible()
    assert midwife.goto(link).status == 404
    assert page.console_errors == []
    desktop.close()
