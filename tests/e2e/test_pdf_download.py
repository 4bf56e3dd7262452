"""In real Chromium: a client opens her progress page and downloads her summary as PDF."""

from datetime import timedelta
from pathlib import Path

from portal.auth.services import create_user
from portal.dates import local_today
from portal.extensions import db
from portal.models import CheckIn

PASSWORD = "a quiet cup of tea at noon"


def test_client_downloads_her_progress_pdf(live_app, base_url, page):
    practitioner = create_user(
        "praktijk@example.test", "Marieke van Dijk", "practitioner", PASSWORD
    )
    mother = create_user(
        "sanne@example.test", "Sanne de Vries", "client", PASSWORD, practitioner=practitioner
    )
    today = local_today(mother.timezone)
    for days_ago in range(10):
        db.session.add(
            CheckIn(
                client_id=mother.id,
                day=today - timedelta(days=days_ago),
                mood=1 + days_ago % 5,
                sleep_hours=6.5,
            )
        )
    db.session.commit()

    page.goto(f"{base_url}/login")
    page.get_by_label("E-mailadres").fill("sanne@example.test")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{base_url}/reports/me?days=7")
    assert page.locator('tr[data-average="mood"]').is_visible()
    charts = page.locator("main img[src^='/reports/me/charts/days-']")
    assert charts.count() == 2
    for index in range(2):  # each drawn once scrolled to (lazy images)
        charts.nth(index).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=charts.nth(index).element_handle())
    link = page.locator("a[href^='/reports/me.pdf']")
    assert link.get_attribute("href") == "/reports/me.pdf?days=7"

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == (
        f"voortgang-sanne-de-vries-{today - timedelta(days=6)}-{today}.pdf"
    )
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    assert page.console_errors == []
