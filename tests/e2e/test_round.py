"""The 8 a.m. round at 1366 x 768: ten clients and more at a glance, and her page answers first."""

import pytest
import sqlalchemy as sa

from portal.auth.services import create_user
from portal.demo import client_email
from portal.extensions import db
from portal.models import Flag, User
from tests.e2e.test_accessibility import demo, sign_in  # noqa: F401 (fixture)

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_ten_dashboard_rows_fit_the_first_screen_without_sideways_scroll(
    base_url, demo, laptop, language  # noqa: F811
):
    practitioner = db.session.scalar(
        sa.select(User).where(User.email == "practitioner@demo.test")
    )
    for number in range(4):  # the demo's nine clients, and a few more
        create_user(f"extra{number}@demo.test", f"Extra Moeder {number}", "client",
                    practitioner=practitioner)
    db.session.commit()
    laptop.goto(f"{base_url}/help?lang={language}")
    sign_in(laptop, base_url, "practitioner@demo.test")
    laptop.goto(f"{base_url}/practice/")
    rows = laptop.locator("table.dashboard tbody tr")
    assert rows.count() == 13
    visible = [
        box for box in (rows.nth(i).bounding_box() for i in range(rows.count()))
        if box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"]
    ]
    assert len(visible) >= 10, f"only {len(visible)} rows fully above the fold"
    # Names stay on one line.
    heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
    assert max(heights) < 40, heights
    widths = laptop.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"sideways scroll: {widths}"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_her_phone_the_urgent_banner_and_latest_epds_are_on_the_first_screen(
    base_url, demo, laptop, language  # noqa: F811
):
    fleur = db.session.scalar(sa.select(User).where(User.email == client_email(2)))
    urgent = db.session.scalar(
        sa.select(Flag).where(Flag.client_id == fleur.id, Flag.level == "urgent")
    )
    assert urgent is not None and urgent.is_open, "the demo's client 2 has an urgent flag"
    assert fleur.profile.phone, "the demo's clients have a phone number"
    laptop.goto(f"{base_url}/help?lang={language}")
    sign_in(laptop, base_url, "practitioner@demo.test")
    laptop.goto(f"{base_url}/practice/clients/{fleur.id}")
    for selector in (
        ".client-facts a[href^='tel:']",
        ".urgent-banner",
        ".latest-score[data-instrument='epds']",
    ):
        box = laptop.locator(selector).first.bounding_box()
        assert box is not None, selector
        assert box["y"] + box["height"] <= LAPTOP["height"], (selector, box)
    widths = laptop.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"sideways scroll: {widths}"
    # The dashboard's badge opens her page at the alert.
    laptop.goto(f"{base_url}/practice/")
    laptop.locator(f"a[href$='#flag-{urgent.id}']").first.click()
    laptop.wait_for_load_state()
    assert laptop.url.endswith(f"#flag-{urgent.id}")
    assert laptop.locator(f"#flag-{urgent.id}").is_visible()
