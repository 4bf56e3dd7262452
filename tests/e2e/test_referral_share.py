"""In real Chromium: a midwife opens a share link on a 1366 x 900 screen and sees the current
risk (the EPDS item-10 answer and the open urgent flag) without scrolling, in both languages;
on a phone the box is the first thing after who shared it.

Set E2E_SCREENSHOTS=<folder> to keep a screenshot of each page (first screen and full page).
"""

import os
import uuid
from pathlib import Path

import pytest

from portal.careteam import sharing
from portal.extensions import db
from portal.i18n import LOCALE_COOKIE
from portal.models import CareTeamMember
from tests.conftest import Factory
from tests.e2e.test_accessibility import axe_violations
from tests.test_referral_front import make_at_risk

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
RISK = {"nl": "Huidig risico", "en": "Current risk"}


class UniqueFactory(Factory):
    """The test factory with addresses of its own: on PostgreSQL the live database is shared."""

    def user(self, role: str, *args, email: str | None = None, **kwargs):
        self.count += 1
        email = email or f"{role}-{uuid.uuid4().hex[:10]}@example.test"
        return super().user(role, *args, email=email, **kwargs)


def shot(page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-first-screen.png"))
        page.screenshot(path=str(Path(folder) / f"{name}-full.png"), full_page=True)


@pytest.fixture
def shared_link(live_app, base_url):
    """A mother at risk who shared her summary with her verloskundige; the link's path."""
    full, _day = make_at_risk(UniqueFactory())
    midwife = CareTeamMember(client_id=full.client.id, role="verloskundige",
                             name="Vera de Vries", email="vera@vroedvrouw.test")
    db.session.add(midwife)
    db.session.commit()
    with live_app.test_request_context():
        _share, token = sharing.create_share(
            full.client, midwife, 30, 14, full.client,
            reason="Overdracht na het kraambed; graag meekijken naar de stemming.")
    db.session.commit()
    return f"{base_url}/s/{token}"


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_a_midwife_sees_the_risk_box_above_the_fold(browser, base_url, shared_link, locale):
    context = browser.new_context(viewport=DESKTOP)
    context.add_cookies([{"name": LOCALE_COOKIE, "value": locale, "url": base_url}])
    page = context.new_page()
    response = page.goto(shared_link)
    assert response.status == 200
    box = page.locator("[data-risk-box]")
    assert box.is_visible()
    assert RISK[locale] in box.inner_text()
    assert "10" in box.locator("[data-risk=item10]").inner_text()
    bounds = box.bounding_box()
    # Above the fold: the whole box is on the first screen, no scrolling.
    assert bounds["y"] >= 0 and bounds["y"] + bounds["height"] <= DESKTOP["height"], bounds
    # A recipient's layout: no help bar, no sign-in.
    assert page.locator(".help-bar").count() == 0
    assert page.locator("a[href='/login']").count() == 0
    assert axe_violations(page) == []
    shot(page, f"share-page-1366-{locale}")
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    shot(page, f"share-page-390-{locale}")
    context.close()
