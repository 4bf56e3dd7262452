"""In real Chromium: she asks a question on her phone (390x844), her practitioner sees it waiting
at his desk (1366x900), answers, and she sees the answer and that her question was read.

Selectors, not words: the new strings reach Dutch only when the lead merges the catalogue.
"""

import os

import sqlalchemy as sa

from portal.auth.services import create_user
from portal.extensions import db
from portal.models import Message, OutboxMessage

PASSWORD = "morning light and tea"
QUESTION = "Is het normaal dat ik 's avonds huil?\nDe baby slaapt <b>goed</b>."
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


def sign_in(page, base_url, email, lands_on):
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{lands_on}")


def snapshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def open_messages(page):
    """Open her messages as she does on a phone: Menu in the bottom bar, then Messages."""
    page.locator("nav.tabbar [data-menu-toggle]").click()
    page.locator("#site-menu a[href='/messages/']").click()


def test_a_question_and_its_answer_in_two_browsers(live_app, base_url, browser, page):
    practitioner = create_user("petra@example.test", "Petra Praktijk", "practitioner", PASSWORD)
    create_user("mira@example.test", "Mira Moeder", "client", PASSWORD, practitioner=practitioner)
    db.session.commit()

    # She, on her phone: the safety line above the box, then her question.
    sign_in(page, base_url, "mira@example.test", "/me/")
    open_messages(page)
    page.wait_for_url(f"{base_url}/messages/")
    safety = page.locator(".message-safety")
    assert "0800-0113" in safety.inner_text() and "112" in safety.inner_text()
    assert safety.locator("a[href='/help']").is_visible()
    box = page.locator("textarea[name=body]")
    assert safety.bounding_box()["y"] < box.bounding_box()["y"]
    box.fill(QUESTION)
    page.locator("#write form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/messages/#latest")
    mine = page.locator("li.message.own").last
    assert mine.locator(".message-body").inner_text() == QUESTION  # escaped, lines kept
    assert mine.locator(".read-mark").count() == 0
    snapshot(page, "mother-sent")

    # He, at his desk: the unread badge, and her name in the waiting list with its age.
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    staff = desk.new_page()
    sign_in(staff, base_url, "petra@example.test", "/practice/")
    assert staff.locator("header .badge.unread").inner_text().startswith("1")
    waiting = staff.locator("#waiting")
    assert waiting.locator("a").count() == 1
    assert "Mira Moeder" in waiting.inner_text()
    assert waiting.locator(".muted").inner_text().strip() != ""  # how long it has waited
    snapshot(staff, "practitioner-waiting")
    waiting.locator("a").click()  # the waiting list opens her conversation
    staff.wait_for_url(f"{base_url}/practice/clients/*#messages")
    theirs = staff.locator("#messages li.message.theirs")
    assert theirs.locator(".message-body").inner_text() == QUESTION
    assert staff.locator("#messages b").count() == 0  # her markup is text, never HTML
    staff.locator("textarea[name='message-body']").fill("Dat is heel gewoon. Ik bel je morgen.")
    staff.locator("#messages form.message-reply button[type=submit]").click()
    staff.wait_for_url(f"{base_url}/practice/clients/*#main")
    assert staff.locator("#messages li.message.own").count() == 1
    snapshot(staff, "practitioner-replied")
    staff.goto(f"{base_url}/practice/")
    assert staff.locator("#waiting li").count() == 0
    assert staff.locator("header .badge.unread").count() == 0

    # She sees the answer, her badge, and that her question was read.
    page.goto(f"{base_url}/me/")
    # On her phone the count sits on Menu in the bottom bar, and again beside Messages in it.
    assert page.locator("nav.tabbar .badge.unread").inner_text().startswith("1")
    open_messages(page)
    page.wait_for_url(f"{base_url}/messages/")
    answer = page.locator("li.message.theirs").last
    assert "Ik bel je morgen" in answer.locator(".message-body").inner_text()
    assert page.locator("li.message.own .read-mark").count() == 1
    snapshot(page, "mother-answered")
    page.goto(f"{base_url}/me/")
    assert page.locator("header .badge.unread").count() == 0

    # Both notices went through the outbox, without a word of either message.
    with live_app.app_context():
        notices = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "message_notice")
        ).all()
        assert {notice.recipient for notice in notices} == {
            "petra@example.test",
            "mira@example.test",
        }
        assert all("huil" not in n.body and "bel je" not in n.body for n in notices)
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 2
    assert page.console_errors == []
    desk.close()
