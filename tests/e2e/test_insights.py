"""In real Chromium: the demo mother with a real breathing effect reads what went with her
better days, how sure that is, and a chart whose dots do not hide each other; her practitioner
reads the method, the days on each side, the interval and the adjusted p.

Set E2E_SCREENSHOTS=<folder> to keep a screenshot of each view for review.
"""

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.demo import BREATHING_HELPS, DEMO_PASSWORD, client_email, seed_demo
from portal.extensions import db
from portal.models import User

FINDING = "section.insights .insight[data-activity='breathing'][data-measure='tension']"


def shot(target, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture
def demo_mother(live_app):
    seed_demo()
    # Her practitioner uses an authenticator; this test is about the section, not sign-in.
    for user in db.session.scalars(sa.select(User).where(User.totp_enabled.is_(True))):
        user.totp_enabled = False
    db.session.commit()
    return db.session.scalar(sa.select(User).where(User.email == client_email(BREATHING_HELPS)))


def sign_in(page, base_url, user, locale):
    user.locale = locale
    db.session.commit()
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def open_progress(page, base_url, mother, locale):
    sign_in(page, base_url, mother, locale)
    page.goto(f"{base_url}/reports/me")
    return page.locator(FINDING)


@pytest.mark.parametrize("width", [390, 1366])
def test_her_progress_page_shows_the_breathing_finding_in_english(
    demo_mother, base_url, page, width
):
    page.set_viewport_size({"width": width, "height": 900})
    finding = open_progress(page, base_url, demo_mother, "en")

    finding.scroll_into_view_if_needed()
    assert finding.is_visible()
    assert page.locator("#insights-title").inner_text() == "What often went with a better day"
    sentence = finding.locator("p").first.inner_text()
    assert re.fullmatch(
        r"On the \d+ days you did a breathing exercise, your tension was often lower"
        r" \(\d\.\d against \d\.\d on the other days, on a scale of 1 to 5\)\."
        r" Over \d+ weeks (this pattern was clear; chance is unlikely to explain it, but it does"
        r" not show that one causes the other|this can still be chance; the pattern was clear"
        r" enough to mention)\.",
        sentence,
    )
    chart = finding.locator("figure.insight-chart img")
    assert chart.is_visible() and chart.get_attribute("alt").startswith("Tension: With: ")
    assert finding.locator("figcaption").inner_text() == (
        "Each dot is one day. The upright bar is the average of those days."
    )
    section = page.locator("section.insights")
    assert "This shows what went together for you, not what caused it." in section.inner_text()
    assert "adjusted p" not in section.inner_text() and "interval" not in section.inner_text()
    assert page.console_errors == []
    if width == 390:
        shot(section, "insight-her-390-en")


def test_her_progress_page_says_it_in_dutch(demo_mother, base_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    finding = open_progress(page, base_url, demo_mother, "nl")

    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("#insights-title").inner_text() == "Wat vaak samenging met een betere dag"
    assert re.fullmatch(
        r"Op de \d+ dagen dat u een ademhalingsoefening deed, was uw spanning vaak lager"
        r" \(\d,\d tegen \d,\d op de andere dagen, op een schaal van 1 tot 5\)\."
        r" Over \d+ weken (was dit patroon duidelijk|kan dit nog toeval zijn)[^.]*\.",
        finding.locator("p").first.inner_text(),
    )
    assert finding.locator("figcaption").inner_text().startswith("Elke stip is één dag.")
    section = page.locator("section.insights")
    assert "niet wat de oorzaak was" in section.inner_text()
    assert page.console_errors == []
    shot(section, "insight-her-390-nl")


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_her_practitioner_reads_the_method_the_days_the_interval_and_the_adjusted_p(
    demo_mother, base_url, page, locale
):
    page.set_viewport_size({"width": 1366, "height": 900})
    practitioner = demo_mother.profile.practitioner
    sign_in(page, base_url, practitioner, locale)
    page.goto(f"{base_url}/practice/clients/{demo_mother.id}")

    section = page.locator("section.insights")
    section.scroll_into_view_if_needed()
    detail = section.locator(".insight[data-activity='breathing'] .insight-detail").inner_text()
    if locale == "en":
        assert re.search(
            r"Difference after the trend -\d\.\d \(adjusted interval -\d\.\d to -\d\.\d\);"
            r" \d+ days with, \d+ without; adjusted p (< )?0\.\d{3} over \d+ comparisons;",
            detail,
        )
        assert "Benjamini-Hochberg" in section.locator(".insight-method").inner_text()
    else:
        assert re.search(r"\d+ dagen met, \d+ zonder; gecorrigeerde p", detail)
        assert section.locator(".insight-method").inner_text().startswith("Methode:")
    assert page.console_errors == []
    shot(section, f"insight-practitioner-1366-{locale}")
