"""In real Chromium: the 4-7-8 breathing pacer runs under the portal's Content Security Policy."""

import re

from playwright.sync_api import expect

from portal.auth.services import create_user
from portal.extensions import db
from portal.guidance.loader import load_content

PASSWORD = "slow breath out through the mouth"
LESSON = "/guidance/modules/stress-and-breathing/four-seven-eight-breathing"


def sign_in_as_english_client(live_app, base_url, page, next_path: str) -> None:
    create_user("mira@example.test", "Mira Mother", "client", PASSWORD, locale="en")
    db.session.commit()
    page.context.add_cookies([{"name": "portal_locale", "value": "en", "url": base_url}])
    page.goto(f"{base_url}/login?next={next_path}")
    page.get_by_label("E-mail address").fill("mira@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{next_path}")


def test_pacer_starts_changes_phase_and_pauses_without_console_errors(live_app, base_url, page):
    load_content()
    db.session.commit()
    sign_in_as_english_client(live_app, base_url, page, LESSON)

    pacer = page.locator(".breathing-pacer")
    expect(pacer).to_be_visible()
    # The script took over: the live part shows and the no-JavaScript hint is gone.
    expect(pacer.locator(".pacer-nojs")).to_be_hidden()
    phase = pacer.locator(".pacer-phase")
    expect(phase).to_have_attribute("aria-live", "polite")
    button = pacer.get_by_role("button", name="Start")
    expect(button).to_be_visible()

    # Keyboard operable: focus the button and press Enter.
    button.focus()
    page.keyboard.press("Enter")
    expect(phase).to_have_text("Breathe in")
    expect(pacer.locator(".pacer-round")).to_have_text("Round 1 of 4")
    expect(pacer.locator(".pacer-count")).to_have_text(re.compile(r"^[1-4]$"))
    expect(phase).to_have_text("Hold your breath", timeout=6_000)
    expect(pacer.locator(".pacer-count")).to_have_text(re.compile(r"^[1-7]$"))

    pause = pacer.get_by_role("button", name="Pause")
    pause.click()
    expect(phase).to_have_text(re.compile(r"^Paused"))
    expect(pacer.get_by_role("button", name="Continue")).to_be_visible()
    count_when_paused = pacer.locator(".pacer-count").inner_text()
    page.wait_for_timeout(1_500)
    assert pacer.locator(".pacer-count").inner_text() == count_when_paused

    assert page.console_errors == []


def test_pacer_keeps_still_with_reduced_motion(live_app, base_url, page):
    load_content()
    db.session.commit()
    page.emulate_media(reduced_motion="reduce")
    sign_in_as_english_client(live_app, base_url, page, LESSON)
    pacer = page.locator(".breathing-pacer")
    pacer.get_by_role("button", name="Start").click()
    expect(pacer.locator(".pacer-phase")).to_have_text("Breathe in")
    page.wait_for_timeout(1_200)
    circle = pacer.locator(".pacer-circle")
    assert circle.evaluate("element => element.getAnimations().length") == 0
    assert circle.evaluate("element => getComputedStyle(element).transform") == "none"
    expect(pacer.locator(".pacer-count")).to_have_text(re.compile(r"^[1-4]$"))
    assert page.console_errors == []


def test_pacer_falls_back_to_text_without_javascript(live_app, base_url, browser):
    load_content()
    db.session.commit()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_as_english_client(live_app, base_url, page, LESSON)
        pacer = page.locator(".breathing-pacer")
        expect(pacer.get_by_text("Hold your breath and count to 7.")).to_be_visible()
        expect(pacer.locator(".pacer-live")).to_be_hidden()
        expect(pacer.locator(".pacer-nojs")).to_be_visible()
    finally:
        context.close()
