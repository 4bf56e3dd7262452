"""No network: the help page still opens (both languages) and a check-in is never lost."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import CheckIn
from tests.e2e.test_checkin_and_safety import make_mother, sign_in


def wait_for_service_worker(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")


def test_the_help_page_opens_offline_in_both_languages(live_app, base_url, page):
    page.goto(f"{base_url}/help")
    page.reload()  # the second load is controlled by the worker
    wait_for_service_worker(page)
    page.context.set_offline(True)
    try:
        page.goto(f"{base_url}/help")
        assert page.locator("a[href='tel:113']").is_visible()
        assert page.locator("a[href='tel:112']").is_visible()
        assert page.locator("[data-offline-notice]").is_visible()
        assert page.locator("html").get_attribute("lang") == "nl"
        page.goto(f"{base_url}/help?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Call 113" in page.locator("main").inner_text()
        # Any page she opens without a connection shows who to call.
        page.goto(f"{base_url}/about")
        assert page.locator("a[href='tel:113']").is_visible()
    finally:
        page.context.set_offline(False)


def test_a_checkin_sent_offline_is_kept_on_the_phone_and_saved_later(live_app, base_url, page):
    make_mother()
    sign_in(page, base_url, "mother@example.test")
    page.reload()
    wait_for_service_worker(page)
    page.context.set_offline(True)
    page.locator("label:has(input[name=mood][value='2'])").click()
    page.locator("article.checkin .save-bar button").click()
    notice = page.locator("form [data-unsent-notice]")
    assert notice.is_visible()
    assert page.url == f"{base_url}/me/"
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
    db.session.rollback()  # end this read, so the check below sees the later save
    page.context.set_offline(False)
    page.goto(f"{base_url}/me/")  # later, online again: her answer is filled in, not yet saved
    assert page.locator("input[name=mood][value='2']").is_checked()
    assert notice.is_visible()
    page.locator("article.checkin .save-bar button").click()
    page.wait_for_url(f"{base_url}/me/saved/*")
    assert db.session.scalar(sa.select(CheckIn.mood)) == 2
    page.goto(f"{base_url}/me/")
    assert not notice.is_visible()
    assert page.console_errors == []
