"""Benchmark of the dashboard in real Chromium (run by `make bench`, never by `make test`).

A practitioner with 25 clients, each with 14 days of check-ins and an open flag, signs in; the
dashboard is then loaded REPEATS times and, for each load, navigation timing's `loadEventEnd` and
the time until every image the browser fetched has arrived (the last image's responseEnd, or
loadEventEnd when there is none; lazy images below the fold are not fetched) are taken. The help
page, signed in, is measured in the same run as the baseline, so the figures compare across
machines. It prints p50/p95 and the number of requests
the page made; it fails only when the page is wrong, never on timing.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from portal.auth.services import create_user
from portal.dates import local_today
from portal.extensions import db
from portal.flags import LEVEL_RANK
from portal.models import CheckIn, Flag
from portal.models.base import utcnow
from tests.e2e.conftest import CHROMIUM, browser, live_app  # noqa: F401 (fixtures)

PASSWORD = "morning light and tea"
CLIENTS = 25
DAYS = 14
REPEATS = 15

TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const images = performance.getEntriesByType('resource')
    .filter(entry => entry.initiatorType === 'img');
  const lastImage = Math.max(nav.loadEventEnd, ...images.map(entry => entry.responseEnd));
  return {load: nav.loadEventEnd, images: lastImage,
          requests: 1 + performance.getEntriesByType('resource').length,
          imageRequests: images.length,
          notLoaded: [...document.images].filter(img => !img.complete).length};
}"""


def _caseload() -> None:
    practitioner = create_user("petra@example.test", "Petra", "practitioner", PASSWORD)
    practitioner.locale = "en"
    today = local_today(practitioner.timezone)
    for number in range(CLIENTS):
        client = create_user(
            f"client{number}@example.test", f"Client {number:02d}", "client",
            practitioner=practitioner,
        )
        db.session.flush()
        for days_ago in range(DAYS):
            db.session.add(CheckIn(
                client_id=client.id, day=today - timedelta(days=days_ago),
                mood=1 + (number + days_ago) % 5, sleep_hours=4 + (days_ago % 4),
                bonding=1 + (number * days_ago) % 5,
            ))
        db.session.add(Flag(client_id=client.id, rule="low_mood", level="medium",
                            level_rank=LEVEL_RANK["medium"], evidence={},
                            raised_at=utcnow() - timedelta(days=number % 5)))
    db.session.commit()


def _measure(page, url: str) -> dict:
    # Network idle: every image the browser chose to fetch (lazy ones in view) has arrived.
    page.goto(url, wait_until="networkidle")
    return page.evaluate(TIMING)


def _summary(name: str, samples: list[dict]) -> str:
    def p(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]
    load = [s["load"] for s in samples]
    images = [s["images"] for s in samples]
    return (f"{name:<22} loadEventEnd p50 {p(load, .5):7.1f} ms  p95 {p(load, .95):7.1f} ms | "
            f"all images p50 {p(images, .5):7.1f} ms  p95 {p(images, .95):7.1f} ms | "
            f"requests {samples[-1]['requests']} (images {samples[-1]['imageRequests']})")


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing")
def test_dashboard_time_to_complete_in_chromium(live_app, browser):  # noqa: F811
    _caseload()
    base_url = live_app.config["BASE_URL"]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill("petra@example.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/practice/")
    assert page.locator("table.dashboard tbody tr").count() == CLIENTS
    results = {}
    for name, path in (("help page (baseline)", "/help"), ("dashboard, 25 clients", "/practice/")):
        _measure(page, base_url + path)  # warm-up
        results[name] = [_measure(page, base_url + path) for _ in range(REPEATS)]
    context.close()
    print()
    for name, samples in results.items():
        print(_summary(name, samples))
        if samples[-1]["notLoaded"]:
            print(f"  ({samples[-1]['notLoaded']} lazy images below the fold not fetched)")
