"""No network: the help page still opens (both languages) and a check-in is never lost."""


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


# A check-in or questionnaire sent without a connection: tests/e2e/test_offline_drafts.py.
